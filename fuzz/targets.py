"""The fuzz targets: every parser favorpolicy has, fed raw bytes.

Each target takes bytes and returns normally when favorpolicy read them or
refused them with its own error (a :class:`~favorpolicy.FavorPolicyError`, or
the command line's exit code 2 with one line on stderr). Anything else, an
exception of another type, a traceback or another exit code, is a finding.
``tests/test_fuzz.py`` runs them with Hypothesis on every CI run;
``fuzz/run.py`` runs them for as long as it is asked to, with atheris where it
installs.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from favorpolicy import FavorPolicyError, Policy, policy_from_dict, policy_from_toml
from favorpolicy._forms import ticket_from_dict
from favorpolicy.backtest import BadRow, file_tickets
from favorpolicy.cli import main

__all__ = ["TARGETS", "Finding"]

_SCRATCH = Path(tempfile.mkdtemp(prefix="favorpolicy-fuzz-"))
_POLICY = Path(__file__).parent.parent / "examples" / "policy.toml"
_CURRENCY = Policy.default("BRL").currency


class Finding(AssertionError):
    """An input that got something other than favorpolicy's own refusal."""


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def ticket_json(data: bytes) -> None:
    """A ticket as JSON text, as ``favorpolicy resolve`` and the service read it."""
    text = _text(data)
    if text is None:
        return
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return  # not JSON: the command line says so itself (the CLI target covers it)
    with contextlib.suppress(FavorPolicyError):
        ticket_from_dict(document, _CURRENCY)


def policy_dict(data: bytes) -> None:
    """A policy as plain data (JSON here), through policy_from_dict."""
    text = _text(data)
    if text is None:
        return
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return
    with contextlib.suppress(FavorPolicyError):
        policy_from_dict(document)


def _file(name: str, data: bytes) -> Path:
    path = _SCRATCH / name
    path.write_bytes(data)
    return path


def policy_toml(data: bytes) -> None:
    """A policy file, any bytes at all."""
    with contextlib.suppress(FavorPolicyError):
        policy_from_toml(_file("policy.toml", data))


def _tickets(name: str, data: bytes) -> None:
    try:
        for item in file_tickets(_file(name, data), _CURRENCY):
            if isinstance(item, BadRow):
                assert item.error  # a bad row says why
    except FavorPolicyError:
        pass


def tickets_csv(data: bytes) -> None:
    """A backtest's CSV ticket file."""
    _tickets("tickets.csv", data)


def tickets_jsonl(data: bytes) -> None:
    """A backtest's JSON Lines ticket file."""
    _tickets("tickets.jsonl", data)


def cli_resolve(data: bytes) -> None:
    """``favorpolicy resolve`` with the bytes on standard input: 0, or 2 and one line."""
    result = CliRunner().invoke(
        main, ["resolve", "--policy", str(_POLICY), "-"], input=data,
        env={"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"},
    )  # fmt: skip
    if result.exit_code == 0:
        return
    lines = result.stderr.splitlines()
    if result.exit_code != 2 or len(lines) != 1 or not lines[0].startswith("favorpolicy: error: "):
        raise Finding(f"exit code {result.exit_code}: {result.stderr[-500:]!r}")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "ticket_json": ticket_json,
    "policy_dict": policy_dict,
    "policy_toml": policy_toml,
    "tickets_csv": tickets_csv,
    "tickets_jsonl": tickets_jsonl,
    "cli_resolve": cli_resolve,
}
