"""Running a backtest: decide many tickets, add up what it cost.

Everything it keeps is bounded: running totals per issue kind and fault, a
fixed set of histogram bins for goodwill, and a cumulative-cost curve thinned
to at most a few thousand points. So a run over millions of tickets streams in
flat memory. With workers, chunks of tickets go to processes, each with its
own policies and plugin manager, and their partial summaries are merged.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs

from .._model import Level
from .._money import CONTEXT, in_own_context
from .._plugins import make_plugin_manager
from .._policy_file import any_policy_from_dict, any_policy_to_dict
from .._resolve import Decision, decide
from .._versions import AnyPolicy
from ..exceptions import BadInput, FavorPolicyError
from ._examples import ExampleBlock, ExampleSet
from ._sources import BadRow, Item, Skip, Ticket

__all__ = ["GOODWILL_BINS", "Backtest", "Summary", "Totals", "bin_labels", "run_backtest"]

_ZERO = Decimal(0)
_SHARE = Decimal("0.0001")
# Every sum in favorpolicy's own context, whatever the caller's is.
_add = CONTEXT.add
_RESTRICT = Level.RESTRICT
#: Upper edges of the goodwill histogram's bins, in major units of the currency.
GOODWILL_BINS = (0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000)
# The same edges as Decimals: comparing a Decimal with an int converts the int every time.
_BIN_EDGES = tuple(Decimal(edge) for edge in GOODWILL_BINS)
_CURVE_POINTS = 2000
CHUNK = 500
_KEPT_BAD_ROWS = 100


@attrs.define
class Totals:
    """Running totals for a group of resolutions."""

    tickets: int = 0
    owed: Decimal = _ZERO
    goodwill: Decimal = _ZERO
    cost: Decimal = _ZERO
    granted_now: Decimal = _ZERO
    escalated: int = 0
    escalated_amount: Decimal = _ZERO
    abuse_flags: int = 0
    plugin_faults: int = 0

    def add(self, decision: Decision) -> None:
        self.tickets += 1
        self.owed = _add(self.owed, decision.owed)
        self.goodwill = _add(self.goodwill, decision.goodwill)
        self.cost = _add(self.cost, decision.cost)
        self.granted_now = _add(self.granted_now, decision.granted_now)
        if decision.escalate_to is not None:
            self.escalated += 1
            pending = CONTEXT.subtract(decision.total, decision.granted_now)
            self.escalated_amount = _add(self.escalated_amount, pending)
        if decision.level >= _RESTRICT:
            self.abuse_flags += 1
        self.plugin_faults += decision.faults

    def merge(self, other: Totals) -> None:
        for field in attrs.fields(Totals):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            both = _add(mine, theirs) if isinstance(mine, Decimal) else mine + theirs
            setattr(self, field.name, both)

    @property
    def granted_share(self) -> Decimal:
        """The share of what was due that was granted on the spot."""
        due = _add(self.owed, self.goodwill)
        return CONTEXT.divide(self.granted_now, due) if due else Decimal(1)

    def to_json(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "owed": str(self.owed),
            "goodwill": str(self.goodwill),
            "cost": str(self.cost),
            "granted_now": str(self.granted_now),
            "granted_on_the_spot_share": str(self.granted_share.quantize(_SHARE, context=CONTEXT)),
            "escalated": self.escalated,
            "escalated_amount": str(self.escalated_amount),
            "abuse_flags": self.abuse_flags,
            "plugin_faults": self.plugin_faults,
        }


@attrs.define
class Summary:
    """What one policy did over a backtest.

    It keeps one :class:`Totals` per issue kind and fault; the grand total and
    the breakdowns by kind and by fault are added up from those when asked.
    """

    policy: str
    currency: str
    #: (kind, fault) -> totals
    groups: dict[tuple[str, str], Totals] = attrs.Factory(dict)
    tickets: int = 0
    cost: Decimal = _ZERO
    goodwill_bins: list[int] = attrs.Factory(lambda: [0] * (len(GOODWILL_BINS) + 1))
    #: (tickets so far, cumulative cost) points, thinned to stay under a few thousand.
    cost_curve: list[tuple[int, Decimal]] = attrs.Factory(list)
    curve_stride: int = 1

    def add(self, decision: Decision, kind: str, fault: str) -> None:
        group = self.groups.get((kind, fault))
        if group is None:
            group = self.groups[kind, fault] = Totals()
        group.add(decision)
        self.tickets += 1
        self.cost = _add(self.cost, decision.cost)
        self.goodwill_bins[bisect.bisect_left(_BIN_EDGES, decision.goodwill)] += 1
        if self.tickets % self.curve_stride == 0:
            self.cost_curve.append((self.tickets, self.cost))
            self._thin()

    @property
    def total(self) -> Totals:
        return self._grouped(lambda kind, fault: "all")["all"]

    @property
    def by_kind(self) -> dict[str, Totals]:
        return self._grouped(lambda kind, fault: kind)

    @property
    def by_fault(self) -> dict[str, Totals]:
        return self._grouped(lambda kind, fault: fault)

    def _grouped(self, key: Callable[[str, str], str]) -> dict[str, Totals]:
        grouped: dict[str, Totals] = {"all": Totals()} if not self.groups else {}
        for (kind, fault), totals in self.groups.items():
            grouped.setdefault(key(kind, fault), Totals()).merge(totals)
        return grouped

    def _thin(self) -> None:
        while len(self.cost_curve) >= _CURVE_POINTS:
            self.cost_curve = self.cost_curve[1::2]
            self.curve_stride *= 2

    def merge(self, other: Summary) -> None:
        for key, totals in other.groups.items():
            self.groups.setdefault(key, Totals()).merge(totals)
        self.goodwill_bins = [
            a + b for a, b in zip(self.goodwill_bins, other.goodwill_bins, strict=True)
        ]
        self.cost_curve.extend((self.tickets + t, _add(self.cost, c)) for t, c in other.cost_curve)
        self.tickets += other.tickets
        self.cost = _add(self.cost, other.cost)
        self._thin()

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "currency": self.currency,
            "totals": self.total.to_json(),
            "by_kind": {key: value.to_json() for key, value in sorted(self.by_kind.items())},
            "by_fault": {key: value.to_json() for key, value in sorted(self.by_fault.items())},
            "goodwill_histogram": dict(zip(bin_labels(), self.goodwill_bins, strict=True)),
        }


def bin_labels() -> list[str]:
    edges = ["0", *(str(edge) for edge in GOODWILL_BINS)]
    return (
        [f"<= {GOODWILL_BINS[0]}"]
        + [f"{a}-{b}" for a, b in itertools.pairwise(edges[1:])]
        + [f"> {GOODWILL_BINS[-1]}"]
    )


@attrs.define
class Backtest:
    """The outcome of a run: a summary per policy, skips, and the per-customer comparison."""

    summaries: list[Summary]
    skipped: Counter[str] = attrs.Factory(Counter)
    #: The first bad rows, as "file:line: problem"; ``bad_count`` counts them all.
    bad_rows: list[str] = attrs.Factory(list)
    bad_count: int = 0
    #: With two policies: how many customers get more, less or the same under the second.
    more: int = 0
    less: int = 0
    same: int = 0

    @property
    def resolved(self) -> int:
        return self.summaries[0].tickets

    def bad(self, row: str) -> None:
        """Count a bad row, keeping the first few to show."""
        self.bad_count += 1
        if len(self.bad_rows) < _KEPT_BAD_ROWS:
            self.bad_rows.append(row)

    def merge(self, other: Backtest) -> None:
        for mine, theirs in zip(self.summaries, other.summaries, strict=True):
            mine.merge(theirs)
        self.skipped.update(other.skipped)
        self.bad_rows.extend(other.bad_rows[: _KEPT_BAD_ROWS - len(self.bad_rows)])
        self.bad_count += other.bad_count
        self.more += other.more
        self.less += other.less
        self.same += other.same

    def to_json(self) -> dict[str, Any]:
        first = self.summaries[0].to_json()
        data: dict[str, Any] = {
            "resolved": self.resolved,
            "skipped": dict(sorted(self.skipped.items())),
            "bad_rows": self.bad_count,
            **first,
        }
        if len(self.summaries) > 1:
            data["compare"] = {
                "policy": self.summaries[1].to_json(),
                "customers_get_more": self.more,
                "customers_get_less": self.less,
                "customers_get_the_same": self.same,
            }
        return data


# ---- running -----------------------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _start_worker(policies: list[dict[str, Any]], role: str) -> None:
    _worker_state["policies"] = [any_policy_from_dict(data) for data in policies]
    _worker_state["plugins"] = make_plugin_manager()
    _worker_state["role"] = role


def _resolve_chunk(chunk: list[Item] | ExampleBlock) -> Backtest:
    """Resolve one chunk of items; an example block is made here, in the worker."""
    if isinstance(chunk, ExampleBlock):
        return _resolve_items(chunk.tickets())
    return _resolve_items(chunk)


@in_own_context
def _resolve_items(chunk: Iterable[Item]) -> Backtest:
    policies: list[AnyPolicy] = _worker_state["policies"]
    plugins = _worker_state["plugins"]
    role = _worker_state["role"]
    outcome = Backtest([Summary(p.name, p.currency) for p in policies])
    for item in chunk:
        if type(item) is not Ticket:
            if isinstance(item, Skip):
                outcome.skipped[item.reason] += 1
            elif isinstance(item, BadRow):
                outcome.bad(f"{item.source}: {item.error}")
            continue
        issue, customer = item.issue, item.customer
        try:
            decisions = [
                decide(issue, customer, policy, role=role, plugins=plugins) for policy in policies
            ]
        except FavorPolicyError as error:
            outcome.bad(f"{item.source}: {error}")
            continue
        kind, fault = issue.kind, issue.fault.value
        if len(decisions) == 1:
            outcome.summaries[0].add(decisions[0], kind, fault)
            continue
        for summary, decision in zip(outcome.summaries, decisions, strict=True):
            summary.add(decision, kind, fault)
        if len(decisions) > 1:
            first, second = decisions[0].total, decisions[1].total
            if second > first:
                outcome.more += 1
            elif second < first:
                outcome.less += 1
            else:
                outcome.same += 1
    return outcome


def _chunks(items: Iterable[Item]) -> Iterator[list[Item] | ExampleBlock]:
    if isinstance(items, ExampleSet):
        yield from items.blocks()  # made where they are resolved, not sent
        return
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _windowed(
    pool: Any, chunks: Iterator[list[Item] | ExampleBlock], *, window: int
) -> Iterator[Backtest]:
    """Like ``pool.imap``, but never more than *window* chunks in flight.

    ``imap`` reads its whole input ahead as fast as it can, so memory would
    grow with the input; this keeps it flat.
    """
    pending: collections.deque[Any] = collections.deque()
    for chunk in chunks:
        pending.append(pool.apply_async(_resolve_chunk, (chunk,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


@in_own_context
def run_backtest(
    items: Iterable[Item],
    policies: Sequence[AnyPolicy],
    *,
    role: str = "agent",
    workers: int = 1,
    skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Backtest:
    """Resolve every ticket under each policy and add it all up.

    A :class:`~favorpolicy.PolicyVersions` decides each ticket under the
    version in force on its day.

    Raises :class:`BadInput` at the first bad row unless *skip_bad*, in which
    case bad rows are counted under ``skipped["bad row"]`` and listed.
    """
    plain = [any_policy_to_dict(policy) for policy in policies]
    total = Backtest([Summary(p.name, p.currency) for p in policies])
    if workers <= 1:
        _start_worker(plain, role)
        outcomes: Iterator[Backtest] = map(_resolve_chunk, _chunks(items))
        pool = None
    else:
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(workers, initializer=_start_worker, initargs=(plain, role))
        outcomes = _windowed(pool, _chunks(items), window=2 * workers)
    try:
        for outcome in outcomes:
            if outcome.bad_rows and not skip_bad:
                raise BadInput(outcome.bad_rows[0])
            total.merge(outcome)
            if progress is not None:
                progress(outcome.resolved + sum(outcome.skipped.values()) + outcome.bad_count)
    finally:
        if pool is not None:
            pool.terminate()
    if total.bad_count:
        total.skipped["bad row"] += total.bad_count
    return total
