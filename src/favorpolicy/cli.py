"""The ``favorpolicy`` command: resolve a ticket, check a policy, list plugins.

Exit codes: 0 on success, 1 when a check fails, 2 for usage or input errors.
Errors go to stderr as one line; ``--debug`` shows the traceback too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from ._policy import Policy
from .exceptions import FavorPolicyError

__all__ = ["main"]

_POLICY = click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The policy file (TOML).",
)


class _Failure(click.ClickException):
    """An input error: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"favorpolicy: error: {self.message}", err=True)


@contextmanager
def _input_errors(debug: bool) -> Iterator[None]:
    try:
        yield
    except FavorPolicyError as error:
        if debug:
            raise
        raise _Failure(str(error)) from None


def _load_policy(path: Path, debug: bool) -> Policy:
    with _input_errors(debug):
        return Policy.from_toml(path)


@click.group(name="favorpolicy", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="favorpolicy", prog_name="favorpolicy")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(context: click.Context, debug: bool) -> None:
    """Decide how to make a customer's problem right, in the customer's favour."""
    context.obj = {"debug": debug}


@main.command()
@_POLICY
@click.argument("ticket", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--role", default="agent", show_default=True, help="The role deciding.")
@click.option("--json", "as_json", is_flag=True, help="Print the Resolution as JSON.")
@click.pass_context
def resolve(
    context: click.Context, policy_path: Path, ticket: TextIO, role: str, as_json: bool
) -> None:
    """Resolve one TICKET (a JSON file, or - for stdin) and explain the decision."""
    from ._plugins import make_plugin_manager  # noqa: PLC0415  # keeps --help and --version quick
    from ._resolve import resolve as decide  # noqa: PLC0415
    from ._tickets import resolution_to_dict, ticket_from_dict  # noqa: PLC0415

    debug = context.obj["debug"]
    policy = _load_policy(policy_path, debug)
    name = getattr(ticket, "name", "-")
    with _input_errors(debug):
        try:
            data = json.load(ticket)
        except json.JSONDecodeError as error:
            raise _Failure(f"{name}: not valid JSON: {error}") from None
        customer, issue = _ticket(ticket_from_dict, data, policy.currency, name)
        manager = make_plugin_manager()
        try:
            resolution = decide(issue, customer, policy, role=role, plugins=manager)
        finally:
            manager.close()
    if as_json:
        click.echo(json.dumps(resolution_to_dict(resolution), ensure_ascii=False, indent=2))
    else:
        click.echo(resolution.explain())


def _ticket(read: Callable[[object, str], Any], data: object, currency: str, name: str) -> Any:
    try:
        return read(data, currency)
    except FavorPolicyError as error:
        raise _Failure(f"{name}: {error}") from None


@main.command()
@_POLICY
@click.option(
    "--examples", default=200, show_default=True, type=click.IntRange(1), help="Per property."
)
@click.pass_context
def check(context: click.Context, policy_path: Path, examples: int) -> None:
    """Check that the policy, with the installed plugins, keeps the bias contract."""
    policy = _load_policy(policy_path, context.obj["debug"])
    try:
        from .testing._check import run_contract  # noqa: PLC0415  # needs Hypothesis
    except ImportError:
        raise _Failure("check needs Hypothesis: pip install 'favorpolicy[test]'") from None
    failures = 0
    for name, failure in run_contract(policy, max_examples=examples):
        if failure is None:
            click.echo(f"pass  {name}")
        else:
            failures += 1
            click.echo(f"FAIL  {name}: {failure}")
    click.echo(f"{failures} rule(s) of the bias contract failed" if failures else "all rules pass")
    if failures:
        sys.exit(1)


@main.command()
def plugins() -> None:
    """List the registered plugins, their hooks, and where each was loaded from."""
    from ._plugins import make_plugin_manager  # noqa: PLC0415

    manager = make_plugin_manager()
    sources = {id(plugin): dist for plugin, dist in manager.list_plugin_distinfo()}
    for name, plugin in manager.list_name_plugin():
        if plugin is None:
            click.echo(f"{name}  (blocked)")
            continue
        hooks = sorted(caller.name for caller in manager.get_hookcallers(plugin) or [])
        dist = sources.get(id(plugin))
        where = (
            f"{dist.project_name} {dist.version} (entry point)"
            if dist is not None
            else f"built in ({type(plugin).__module__})"
        )
        click.echo(f"{name}  {', '.join(hooks)}  [{where}]")
