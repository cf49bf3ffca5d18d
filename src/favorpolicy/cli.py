"""The ``favorpolicy`` command: resolve a ticket, check a policy, list plugins.

Exit codes: 0 on success, 1 when a check fails, 2 for usage or input errors.
Errors go to stderr as one line; ``--debug`` shows the traceback too.
"""

from __future__ import annotations

import decimal
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from ._show import one_line
from .exceptions import FavorPolicyError

if TYPE_CHECKING:
    from ._policy import Policy
    from ._versions import AnyPolicy

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
        click.echo(f"favorpolicy: error: {one_line(self.message)}", err=True)


@contextmanager
def _input_errors(debug: bool) -> Iterator[None]:
    try:
        yield
    except FavorPolicyError as error:
        if debug:
            raise
        raise _Failure(str(error)) from None


_FORCE = click.option("--force", is_flag=True, help="Replace an output file that exists.")


def _ledger_files(path: Path) -> list[Path]:
    """A ledger and the files SQLite keeps beside it."""
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist: compare where they would be
        return one.resolve() == other.resolve()


@contextmanager
def _output(path: Path, *, inputs: Iterable[Path], force: bool) -> Iterator[Path]:
    """Where to write *path*: a temporary file beside it, renamed onto it once written.

    Refuses to write over any of *inputs* (a ledger, a policy, a ticket file),
    and over a file that exists unless *force*; a write that fails leaves what
    was there untouched, and no temporary file behind.
    """
    for given in inputs:
        if _same_file(path, given):
            raise _Failure(f"{path}: is an input of this command; write the output elsewhere")
    if path.is_dir():
        raise _Failure(f"{path}: is a directory")
    if path.exists() and not force:
        raise _Failure(f"{path}: exists; give --force to replace it")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _load_policy(path: Path, debug: bool) -> AnyPolicy:
    from ._policy_file import load_policy  # noqa: PLC0415  # keeps --help and --version quick

    with _input_errors(debug):
        return load_policy(path)


class _Command(click.Group):
    """favorpolicy's group: whatever goes wrong is one line on stderr, never a traceback.

    favorpolicy's own errors and the system's (a file that cannot be read or
    written) are input errors, exit code 2; anything else is a bug, exit code 1,
    and ``--debug`` shows its traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(error, FavorPolicyError | OSError):
                raise _Failure(str(error)) from None
            click.echo(
                f"favorpolicy: error: unexpected {type(error).__name__}: {one_line(str(error))} "
                "(a bug: run with --debug for the traceback, and report it)",
                err=True,
            )
            ctx.exit(1)


def _read_json(stream: BinaryIO, name: str) -> object:
    """One JSON document, at most :data:`_MAX_TICKET` bytes of UTF-8; errors as one line."""
    raw = stream.read(_MAX_TICKET + 1)
    if len(raw) > _MAX_TICKET:
        raise _Failure(f"{name}: is larger than a ticket may be ({_MAX_TICKET} bytes)")
    try:
        # A JSON number is read exactly: 0.10000000000000000001 is not 0.1.
        return json.loads(raw.decode("utf-8"), parse_float=decimal.Decimal)
    except UnicodeDecodeError as error:
        raise _Failure(f"{name}: is not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise _Failure(f"{name}: not valid JSON: {error}") from None
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, or nested too deep
        problem = "nested too deep" if isinstance(error, RecursionError) else str(error)
        raise _Failure(f"{name}: cannot be read: {problem}") from None


#: The largest ticket file read: one customer and one issue.
_MAX_TICKET = 1 << 20


@click.group(
    name="favorpolicy",
    cls=_Command,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="favorpolicy", prog_name="favorpolicy")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(context: click.Context, debug: bool) -> None:
    """Decide how to make a customer's problem right, in the customer's favour."""
    context.obj = {"debug": debug}


@main.command()
@_POLICY
@click.argument("ticket", type=click.File("rb"), default="-")
@click.option("--role", default="agent", show_default=True, help="The role deciding.")
@click.option("--json", "as_json", is_flag=True, help="Print the Resolution as JSON.")
@click.option(
    "--record",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the decision in this ledger (made if missing); a retry returns the stored one.",
)
@click.pass_context
def resolve(  # noqa: PLR0917  # click passes one parameter per documented option
    context: click.Context,
    policy_path: Path,
    ticket: BinaryIO,
    role: str,
    as_json: bool,
    ledger_path: Path | None,
) -> None:
    """Resolve one TICKET (a JSON file, or - for stdin) and explain the decision.

    With --record, the decision and its events go to the ledger, and the
    ledger's relay (`favorpolicy ledger relay`) delivers the events.
    """
    from ._forms import resolution_to_dict, ticket_from_dict  # noqa: PLC0415  # as above
    from ._plugins import make_plugin_manager  # noqa: PLC0415  # keeps --help and --version quick
    from ._resolve import resolve as decide  # noqa: PLC0415  # keeps --help and --version quick

    debug = context.obj["debug"]
    policy = _load_policy(policy_path, debug)
    name = getattr(ticket, "name", "-")
    name = "<stdin>" if name in ("-", "<stdin>") else str(name)
    with _input_errors(debug):
        data = _read_json(ticket, name)
        customer, issue = _ticket(ticket_from_dict, data, policy.currency, name)
        manager = make_plugin_manager()
        try:
            if ledger_path is None:
                resolution = decide(issue, customer, policy, role=role, plugins=manager)
            else:
                from .ledger import Ledger, resolve_and_record  # noqa: PLC0415  # sqlite3: --record only

                with Ledger(ledger_path) as book:
                    resolution = resolve_and_record(
                        issue, customer, policy, book, role=role, plugins=manager
                    )
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
@click.option("--overlaps", is_flag=True, help="List where a declared table's rules overlap, too.")
@click.pass_context
def check(context: click.Context, policy_path: Path, examples: int, overlaps: bool) -> None:
    """Check that the policy, with the installed plugins, keeps the bias contract, and
    that each table it declares complete has no gaps."""
    policy = _load_policy(policy_path, context.obj["debug"])
    try:
        from .testing._check import run_contract  # noqa: PLC0415  # needs Hypothesis
    except ImportError:
        raise _Failure("check needs Hypothesis: pip install 'favorpolicy[test]'") from None
    failures = 0
    from ._versions import PolicyVersions  # noqa: PLC0415  # keeps --help and --version quick

    versions = policy.versions if isinstance(policy, PolicyVersions) else (policy,)
    incomplete = 0
    for version in versions:
        if len(versions) > 1:
            click.echo(f"version in force from {version.effective_from}:")
        for name, failure in run_contract(version, max_examples=examples):
            if failure is None:
                click.echo(f"pass  {name}")
            else:
                failures += 1
                click.echo(f"FAIL  {name}: {failure}")
        incomplete += _check_tables(version, overlaps)
    said = [f"{failures} rule(s) of the bias contract failed"] if failures else []
    said += [f"{incomplete} table(s) declared complete are not"] if incomplete else []
    click.echo("; ".join(said) if said else "all rules pass")
    if said:
        sys.exit(1)


#: How many gaps and overlaps of one table `check` shows.
_SHOWN = 20


def _check_tables(policy: Policy, overlaps: bool) -> int:
    """Show each declared table's gaps (and its overlaps, if asked); return how many are
    not complete."""
    from ._coverage import MAX_STEPS, analyse_tables  # noqa: PLC0415  # only with tables

    incomplete = 0
    for analysis in analyse_tables(policy):
        name = repr(analysis.table)
        if analysis.too_large:
            incomplete += 1
            click.echo(
                f"FAIL  table {name}: too large to analyse (over {MAX_STEPS:,} steps); "
                "split it into smaller tables"
            )
            continue
        said = "is complete" if analysis.complete else f"{len(analysis.gaps)} gap(s)"
        if analysis.overlaps:
            said += f"; {len(analysis.overlaps)} overlap(s), where every matching rule applies"
        incomplete += not analysis.complete
        click.echo(f"{'pass' if analysis.complete else 'FAIL'}  table {name}: {said}")
        findings = [f"gap      {gap}" for gap in analysis.gaps]
        if overlaps:
            findings += [f"overlap  {overlap}" for overlap in analysis.overlaps]
        for line in findings[:_SHOWN]:
            click.echo(f"      {line}")
        if len(findings) > _SHOWN:
            click.echo(f"      ... and {len(findings) - _SHOWN} more")
    return incomplete


@main.command()
@click.argument("what", type=click.Choice(["ticket", "resolution", "event", "policy"]))
@click.option("--currency", help="A ticket's: allow only this code on text amounts.")
def schema(what: str, currency: str | None) -> None:
    """Print a JSON Schema (draft 2020-12): of a ticket, a resolution, an event, or a
    policy file (for an editor to check it as it is typed)."""
    from ._wire import json_schema  # noqa: PLC0415  # keeps --help and --version quick

    if currency is not None and what != "ticket":
        raise _Failure("schema: --currency is for the ticket schema only")
    code = None if currency is None else currency.strip().upper()
    if code is not None and not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise _Failure(f"schema: --currency: {currency!r} is not an ISO 4217 code such as USD")
    click.echo(json.dumps(json_schema(what, currency=code), ensure_ascii=False, indent=2))


@main.command()
def plugins() -> None:
    """List the registered plugins, their hooks, and where each was loaded from."""
    from ._plugins import make_plugin_manager  # noqa: PLC0415  # keeps --help and --version quick

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
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), help="Write a PNG here.")
@_FORCE
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
    plot_path: Path | None,
    force: bool,
) -> None:
    """Backtest the policy on TICKETS (CSV or JSONL), --olist DIR or --example N."""
    from . import backtest  # noqa: PLC0415  # keeps --help and --version quick

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
            import matplotlib  # noqa: F401, PLC0415  # keeps --help and --version quick
        except ImportError:
            raise _Failure("--plot needs matplotlib: pip install 'favorpolicy[plot]'") from None
    items = _backtest_items(tickets, olist, example, policies[0])
    with _input_errors(debug), _progress() as advance:
        outcome = backtest.run_backtest(
            items, policies, role=role, workers=workers, skip_bad=skip_bad, progress=advance
        )
    if plot_path is not None:
        inputs = [
            policy_path,
            *([compare_path] if compare_path else []),
            *([tickets] if tickets else []),
        ]
        if olist is not None:
            inputs += list(olist.glob("*.csv"))
        with _output(plot_path, inputs=inputs, force=force) as where:
            backtest.plot(outcome, str(where))
    if as_json:
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(backtest.report(outcome))


def _backtest_items(
    tickets: Path | None, olist: Path | None, example: int | None, policy: AnyPolicy
) -> Any:
    from . import backtest  # noqa: PLC0415  # keeps --help and --version quick

    if tickets is not None:
        if not tickets.is_file():
            raise _Failure(f"{tickets}: no such file")
        return backtest.file_tickets(tickets, policy.currency)
    if olist is not None:
        if not (olist / "olist_orders_dataset.csv").is_file():
            raise _Failure(f"{olist}: has no olist_orders_dataset.csv")
        return backtest.olist_tickets(olist, policy.currency)
    return backtest.example_tickets(example or 0, policy.currency, policy.tiers)


def _csv_files(folder: Path | None) -> list[Path]:
    return [] if folder is None else list(folder.glob("*.csv"))


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


# ---- the ledger -----------------------------------------------------------------------------

_LEDGER = click.option(
    "--ledger",
    "ledger_path",
    required=True,
    envvar="FAVORPOLICY_LEDGER",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The ledger file (or FAVORPOLICY_LEDGER).",
)
_SINCE = click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="From this day (UTC), inclusive."
)
_UNTIL = click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Up to this day (UTC), exclusive."
)


@contextmanager
def _open_ledger(path: Path, debug: bool) -> Iterator[Any]:
    from .ledger import Ledger  # noqa: PLC0415  # sqlite3 loads only for ledger commands

    with _input_errors(debug):
        ledger = Ledger(path)
        try:
            yield ledger
        finally:
            ledger.close()


@main.group()
def ledger() -> None:
    """Read the ledger: report, export, relay its outbox, approve escalations, record picks."""


@ledger.command()
@_LEDGER
@_SINCE
@_UNTIL
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), help="Write a PNG here.")
@_FORCE
@click.pass_context
def report(  # noqa: PLR0917  # click passes one parameter per documented option
    context: click.Context,
    ledger_path: Path,
    since: Any,
    until: Any,
    as_json: bool,
    plot_path: Path | None,
    force: bool,
) -> None:
    """What the ledger shows about a period, to learn from the mistakes."""
    if plot_path is not None:
        _need_matplotlib()
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        found = book.report(since=since, until=until)
    if plot_path is not None:
        from .ledger._report import plot_report  # noqa: PLC0415  # for --plot only

        with _output(plot_path, inputs=_ledger_files(ledger_path), force=force) as where:
            plot_report(found, str(where))
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(found.text())


def _need_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401, PLC0415  # keeps --help and --version quick
    except ImportError:
        raise _Failure("--plot needs matplotlib: pip install 'favorpolicy[plot]'") from None


@ledger.command()
@_LEDGER
@_SINCE
@_UNTIL
@click.option(
    "--format", "form", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    help="Write here rather than to standard output.",
)
@_FORCE
@click.pass_context
def export(  # noqa: PLR0917  # click passes one parameter per documented option
    context: click.Context,
    ledger_path: Path,
    since: Any,
    until: Any,
    form: str,
    output: Path,
    force: bool,
) -> None:
    """Write the recorded resolutions as JSON Lines or CSV."""
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        if str(output) == "-":
            count = book.export(sys.stdout, format=form, since=since, until=until)
        else:
            with (
                _output(output, inputs=_ledger_files(ledger_path), force=force) as where,
                where.open("w", encoding="utf-8", newline="") as stream,
            ):
                count = book.export(stream, format=form, since=since, until=until)
    click.echo(f"exported {count} resolution(s)", err=True)


@ledger.command()
@_LEDGER
@click.option("--max-attempts", default=5, show_default=True, type=click.IntRange(1))
@click.option("--backoff", default=1.0, show_default=True, type=click.FloatRange(0),
              help="Seconds before the first retry; doubled after each.")  # fmt: skip
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.001),
              help="Seconds a sink may take per event.")  # fmt: skip
@click.option("--loop", is_flag=True, help="Keep relaying until interrupted.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.01),
              help="Seconds between runs with --loop.")  # fmt: skip
@click.pass_context
def relay(  # noqa: PLR0917  # click passes one parameter per documented option
    context: click.Context,
    ledger_path: Path,
    max_attempts: int,
    backoff: float,
    timeout: float,
    loop: bool,
    interval: float,
) -> None:
    """Deliver the outbox's events to the installed sinks.

    Exits 1 when dead letters are waiting (see `favorpolicy ledger dead`).
    """
    import time  # noqa: PLC0415  # keeps --help and --version quick

    from ._plugins import make_plugin_manager  # noqa: PLC0415  # keeps --help and --version quick

    manager = make_plugin_manager()
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        while True:
            done = book.deliver(
                manager, max_attempts=max_attempts, backoff=backoff, timeout=timeout
            )
            if done.busy:
                click.echo("another relay is working on this ledger", err=True)
            elif done.delivered or done.failed or done.dead or not loop:
                click.echo(
                    f"delivered {done.delivered}, failed {done.failed} (to retry), "
                    f"dead {done.dead}, held {done.held}"
                )
            if not loop:
                break
            time.sleep(interval)
        dead = book.outbox_counts()["dead"]
    if dead:
        click.echo(f"{dead} dead letter(s) wait: see 'favorpolicy ledger dead'", err=True)
        sys.exit(1)


@ledger.command()
@_LEDGER
@click.pass_context
def dead(context: click.Context, ledger_path: Path) -> None:
    """List the events the relay gave up on."""
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        letters = book.dead_letters()
    for letter in letters:
        click.echo(
            f"{letter.event_id}  {letter.kind}  key {letter.key[:16]}  "
            f"{letter.attempts} attempt(s)  {letter.last_error}"
        )
    click.echo(f"{len(letters)} dead letter(s)")


@ledger.command()
@_LEDGER
@click.argument("event_ids", nargs=-1)
@click.pass_context
def retry(context: click.Context, ledger_path: Path, event_ids: tuple[str, ...]) -> None:
    """Make dead letters pending again: the ones named, or all of them."""
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        count = book.retry(event_ids or None)
    click.echo(f"{count} event(s) will be retried by the next relay run")


@ledger.command()
@_LEDGER
@click.option("--all", "show_all", is_flag=True, help="Approved ones too.")
@click.pass_context
def escalations(context: click.Context, ledger_path: Path, show_all: bool) -> None:
    """List escalations waiting for approval (with --all, approved ones too)."""
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        found = book.escalations(open_only=not show_all)
    for item in found:
        state = f"approved by {item['closed_by']}" if item["closed_at"] else "waiting"
        click.echo(
            f"{item['key']}  issue {item['issue_id']}  {item['pending']} to {item['role']}  "
            f"since {item['opened_at']}  {state}"
        )
    click.echo(f"{len(found)} escalation(s)")


@ledger.command()
@_LEDGER
@click.argument("key")
@click.option("--by", required=True, help="The approving role.")
@click.pass_context
def approve(context: click.Context, ledger_path: Path, key: str, by: str) -> None:
    """Approve the escalated rest of the decision under KEY, as role --by."""
    with (
        _open_ledger(ledger_path, context.obj["debug"]) as book,
        _input_errors(context.obj["debug"]),
    ):
        done = book.approve(key, by=by)
    click.echo(
        f"{done.approved_by} approved {done.amount} for key {done.key[:16]} "
        f"after {done.waited.total_seconds() / 3600:.1f} h"
    )


@ledger.command(name="pick")
@_LEDGER
@click.argument("key")
@click.argument("choice")
@click.pass_context
def pick_choice(context: click.Context, ledger_path: Path, key: str, choice: str) -> None:
    """Record the customer's pick among the choices of the decision under KEY.

    CHOICE is the remedy kind that leads a choice (refund) or its index (0 is the
    recommended one).
    """
    chosen: int | str = int(choice) if choice.isdigit() else choice
    with (
        _open_ledger(ledger_path, context.obj["debug"]) as book,
        _input_errors(context.obj["debug"]),
    ):
        done = book.pick(key, chosen)
    kinds = " + ".join(str(remedy.kind) for remedy in done.remedies)
    click.echo(
        f"picked {kinds} (choice {done.picked} of {len(done.choices)}) for key {done.key[:16]}, "
        f"worth {done.value}"
    )


@ledger.command(name="check")
@_LEDGER
@click.pass_context
def check_ledger(context: click.Context, ledger_path: Path) -> None:
    """Check the whole ledger file for damage (SQLite's integrity check)."""
    with _open_ledger(ledger_path, context.obj["debug"]) as book:
        book.verify()
        count, version = len(book), book.schema_version
    click.echo(f"ok: {count} resolution(s), schema version {version}")
