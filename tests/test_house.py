"""The shape of the house (docs/architecture.md), read from the source with ast.

Imports run only down the floors, so there is no circle; no underscore name is
imported from another module; no file or class grows past what a reader can
hold. A change that breaks one of these fails here, naming the place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "favorpolicy"

#: The floors, lowest first, as docs/architecture.md draws them. A module may import
#: only from a lower floor, or from its own package on the same floor.
FLOORS: list[set[str]] = [
    {"exceptions", "_show", "_log"},
    {"_money", "_facts"},
    {"_model"},
    {"_canon"},
    {
        "_policy_parts",
        "_rule_facts",
        "_rules",
        "_rule_checks",
        "_tables",
        "_sink_settings",
        "_policy",
        "_versions",
    },
    {"_events"},
    {"hookspecs"},
    {"_forms", "_policy_file", "_schema", "_wire"},
    {"builtin"},
    {"_plugins", "_recording"},
    {"_reasons", "_budget", "_coverage", "_packages", "_ruling", "_resolve", "_pick"},
    {"ledger", "backtest", "testing", "_pytest_plugin"},
    {"cli", "__main__", "__init__"},
]
#: Within a floor, the order its modules may import one another in (lower first).
WITHIN = ["_policy_parts", "_rule_facts", "_rules", "_rule_checks", "_tables", "_sink_settings",
          "_policy", "_versions", "_forms", "_policy_file", "_schema", "_wire", "_reasons",
          "_budget", "_packages", "_ruling", "_resolve", "_pick"]  # fmt: skip


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        yield ".".join(parts), path


def _room(module: str) -> str:
    """The room a module stands in: its top-level module or package under favorpolicy."""
    return module.split(".", maxsplit=1)[0]


def _floor(room: str) -> int:
    for number, rooms in enumerate(FLOORS):
        if room in rooms:
            return number
    raise AssertionError(f"{room} is on no floor of docs/architecture.md")


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The line numbers of imports made only for type checkers."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(module: str, path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken, line) for each import of favorpolicy's own modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_only(tree)
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.lineno in hidden:
            continue
        if node.level == 0:
            if not (node.module or "").startswith("favorpolicy"):
                continue
            target = (node.module or "").removeprefix("favorpolicy").lstrip(".")
        else:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
        yield target, [alias.name for alias in node.names], node.lineno


MODULES = dict(_modules())


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_only_down(module: str) -> None:
    here = _room(module)
    for target, names, line in _imports(module, MODULES[module]):
        for name in names:
            room = _room(f"{target}.{name}".strip(".")) if not target else _room(target)
            if room == here:
                continue
            assert _floor(room) <= _floor(here), f"{module}:{line} imports {room}, a floor up"
            if _floor(room) == _floor(here):
                assert room in WITHIN, f"{module}:{line} imports {room} on its own floor"
                assert WITHIN.index(room) < WITHIN.index(here), f"{module}:{line} -> {room}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_underscore_name_crosses_a_module(module: str) -> None:
    for target, names, line in _imports(module, MODULES[module]):
        if target == module.rpartition(".")[0] and names and names[0].startswith("_"):
            # ``from . import _submodule`` names a module, not a private name
            continue
        private = [name for name in names if name.startswith("_") and name != "__version__"]
        modules = [name for name in private if f"{target}.{name}".strip(".") in MODULES]
        assert private == modules, f"{module}:{line} takes {private} from {target}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_file_over_700_lines_and_no_class_over_350(module: str) -> None:
    text = MODULES[module].read_text(encoding="utf-8")
    assert text.count("\n") <= 700, f"{module} has {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= 350, f"{module}.{node.name} has {length} lines"


def test_every_module_is_on_a_floor() -> None:
    for module in MODULES:
        _floor(_room(module))
