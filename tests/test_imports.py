"""What loads when: each test imports in a fresh interpreter and looks at sys.modules.

No test here measures time (benchmarks/bench_startup.py does); they check the
behaviour that keeps start-up quick, and that the lazy names still work.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import favorpolicy

# Slow to load, and needed only by the features that use them.
HEAVY = (
    "attrs",
    "better_profanity",
    "cattrs",
    "click",
    "email",
    "http.client",
    "hypothesis",
    "importlib.metadata",
    "logging",
    "matplotlib",
    "pluggy",
    "smtplib",
    "sqlite3",
    "tomli_w",
    "tomllib",
    "typing",
    "urllib.request",
)
# Loaded by the first resolve() with the default plugins only when something is sent
# or read (the conduct filter's word list: only for a ticket with conduct text).
# better_profanity is not here: the conduct filter loads its word list when the default
# plugins are made, so that loading never counts against the first screen's time budget.
NOT_FOR_RESOLVE = (
    "cattrs",
    "click",
    "email",
    "http.client",
    "importlib.metadata",
    "matplotlib",
    "smtplib",
    "sqlite3",
    "tomli_w",
    "tomllib",
    "urllib.request",
)


def loaded_by(code: str) -> list[str]:
    """The modules that running *code* in a fresh interpreter adds to sys.modules."""
    script = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def run_fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout


def _heavy(loaded: list[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in loaded if name in names or name.split(".")[0] in names]


class TestImportFavorpolicy:
    def test_loads_none_of_the_heavy_modules(self) -> None:
        assert [] == _heavy(loaded_by("import favorpolicy"), HEAVY)

    def test_loads_only_the_exceptions_of_its_own(self) -> None:
        loaded = loaded_by("import favorpolicy")
        assert ["favorpolicy", "favorpolicy.exceptions"] == [
            name for name in loaded if name.startswith("favorpolicy")
        ]

    def test_a_plugin_module_needing_only_hookimpl_loads_no_model(self) -> None:
        loaded = loaded_by("from favorpolicy import hookimpl")
        assert "pluggy" in loaded
        assert [] == [name for name in loaded if name in {"attrs", "favorpolicy._model"}]

    def test_version_on_the_command_line_loads_click_not_the_library(self) -> None:
        code = (
            "from favorpolicy.cli import main\n"
            "try:\n"
            "    main(['--version'])\n"
            "except SystemExit:\n"
            "    pass"
        )
        loaded = loaded_by(code)
        # click parses the options and importlib.metadata (with email) finds the version.
        needed = ("click", "email", "importlib.metadata", "typing")
        assert {"click", "importlib.metadata"} <= set(loaded)
        assert [] == _heavy(loaded, tuple(name for name in HEAVY if name not in needed))
        # _show (stdlib only) keeps the CLI's error messages on one line.
        assert [
            "favorpolicy",
            "favorpolicy._show",
            "favorpolicy.cli",
            "favorpolicy.exceptions",
        ] == [name for name in loaded if name.startswith("favorpolicy")]

    def test_the_first_resolve_loads_no_clients_storage_or_policy_files(self) -> None:
        code = (
            "from favorpolicy import Customer, Fault, Issue, Money, Policy, resolve\n"
            "issue = Issue('T-1', 'damaged', Fault.BUSINESS, Money('40', 'USD'))\n"
            "resolve(issue, Customer('C-1'), Policy.default('USD'))"
        )
        loaded = loaded_by(code)
        assert "favorpolicy.builtin.sinks" in loaded  # the default plugins were made
        assert "better_profanity" in loaded  # with the conduct filter's word list
        assert [] == _heavy(loaded, NOT_FOR_RESOLVE)


class TestLazyNames:
    def test_every_public_name_imports_in_a_fresh_interpreter(self) -> None:
        code = (
            "import favorpolicy\n"
            "from favorpolicy import *\n"
            "print(sorted(name for name in favorpolicy.__all__ if name not in globals()))"
        )
        assert "[]\n" == run_fresh(code)

    @pytest.mark.parametrize("name", sorted(set(favorpolicy.__all__) - {"__version__"}))
    def test_each_name_is_the_object_its_submodule_holds(self, name: str) -> None:
        value = getattr(favorpolicy, name)
        holders = [
            module_name
            for module_name, module in list(sys.modules.items())
            if module_name.startswith("favorpolicy.") and getattr(module, name, None) is value
        ]
        assert holders, f"no favorpolicy submodule holds {name}"

    def test_version_in_a_fresh_interpreter_is_the_installed_one(self) -> None:
        code = "import favorpolicy\nprint(favorpolicy.__version__)"
        assert f"{version('favorpolicy')}\n" == run_fresh(code)

    def test_dir_lists_every_public_name_before_any_is_used(self) -> None:
        code = "import json, favorpolicy\nprint(json.dumps(dir(favorpolicy)))"
        listed = json.loads(run_fresh(code))
        assert sorted(listed) == listed
        assert set(favorpolicy.__all__) <= set(listed)

    def test_an_unknown_name_is_an_attribute_error_naming_it(self) -> None:
        with pytest.raises(AttributeError, match="'favorpolicy' has no attribute 'Polcy'"):
            favorpolicy.Polcy  # type: ignore[attr-defined]  # noqa: B018
        assert not hasattr(favorpolicy, "Polcy")

    def test_hookspecs_and_builtin_are_reachable_after_a_bare_import(self) -> None:
        code = "import favorpolicy as f\nprint(f.hookspecs.__name__, f.builtin.__name__)"
        assert "favorpolicy.hookspecs favorpolicy.builtin\n" == run_fresh(code)

    def test_the_builtin_plugins_are_importable_by_name(self) -> None:
        code = (
            "from favorpolicy.builtin import ConductFilter, CostModel, JsonlSink, LoggingSink,"
            " SmtpSink, WebhookSink\n"
            "import favorpolicy.builtin as b\n"
            "print(sorted(set(b.__all__) - set(dir(b))))"
        )
        assert "[]\n" == run_fresh(code)


class TestLogging:
    @pytest.mark.parametrize(
        "code",
        [
            "favorpolicy.make_plugin_manager(load_entrypoints=False)",
            "import favorpolicy.ledger",
            "import favorpolicy._plugins._manager as m; m._log()",
        ],
    )
    def test_the_null_handler_is_in_place_once_favorpolicy_can_log(self, code: str) -> None:
        check = (
            "import favorpolicy\n"
            f"{code}\n"
            "import logging\n"
            "print([type(h).__name__ for h in logging.getLogger('favorpolicy').handlers])"
        )
        assert "['NullHandler']\n" == run_fresh(check)
