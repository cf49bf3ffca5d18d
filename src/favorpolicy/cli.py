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
    from ._tickets import ticket_from_dict  # noqa: PLC0415

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
        click.echo(json.dumps(resolution.to_dict(), ensure_ascii=False, indent=2))
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


@main.command()
@_POLICY
@click.argument("tickets", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--olist", type=click.Path(file_okay=False, path_type=Path), help="Olist CSV folder.")
@click.option("--example", type=click.IntRange(1), help="A seeded synthetic set of N tickets.")
@click.option("--compare", "compare_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A second policy to set beside the first.")  # fmt: skip
@click.option("--role", default="agent", show_default=True, help="The role deciding.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1))
@click.option("--skip-bad", is_flag=True, help="Count bad rows and go on, instead of stopping.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write a PNG here.")
@click.pass_context
def simulate(  # noqa: PLR0917  # click passes one parameter per documented option
    context: click.Context,
    policy_path: Path,
    tickets: Path | None,
    olist: Path | None,
    example: int | None,
    compare_path: Path | None,
    role: str,
    workers: int,
    skip_bad: bool,
    as_json: bool,
    plot_path: str | None,
) -> None:
    """Backtest the policy on TICKETS (CSV or JSONL), --olist DIR or --example N."""
    from . import _simulate, _sources  # noqa: PLC0415

    debug = context.obj["debug"]
    chosen = [name for name, value in (("TICKETS", tickets), ("--olist", olist),
                                       ("--example", example)) if value is not None]  # fmt: skip
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of TICKETS, --olist DIR or --example N")
    policies = [_load_policy(policy_path, debug)]
    if compare_path is not None:
        policies.append(_load_policy(compare_path, debug))
    if plot_path is not None:
        try:
            import matplotlib  # noqa: F401, PLC0415
        except ImportError:
            raise _Failure("--plot needs matplotlib: pip install 'favorpolicy[plot]'") from None
    currency = policies[0].currency
    if tickets is not None:
        if not tickets.is_file():
            raise _Failure(f"{tickets}: no such file")
        items: Any = _sources.file_tickets(tickets, currency)
    elif olist is not None:
        if not (olist / "olist_orders_dataset.csv").is_file():
            raise _Failure(f"{olist}: has no olist_orders_dataset.csv")
        items = _sources.olist_tickets(olist, currency)
    else:
        items = _sources.example_tickets(example or 0, currency, policies[0].tiers)
    with _input_errors(debug), _progress() as advance:
        outcome = _simulate.run_backtest(
            items, policies, role=role, workers=workers, skip_bad=skip_bad, progress=advance
        )
    if plot_path is not None:
        _simulate.plot(outcome, plot_path)
    if as_json:
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(_simulate.report(outcome))


@contextmanager
def _progress() -> Iterator[Callable[[int], None] | None]:
    """A running count on stderr when it is a terminal; nothing otherwise.

    The input streams, so its length is unknown: the bar counts tickets done.
    """
    if not sys.stderr.isatty():
        yield None
        return
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        click.echo(f"\rsimulating: {done:,} tickets", err=True, nl=False)

    try:
        yield advance
    finally:
        click.echo("", err=True)
