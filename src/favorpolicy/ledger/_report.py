"""What a ledger shows about a period: the report behind ``favorpolicy ledger report``.

It answers the questions a business asks when it learns from its mistakes:
which mistakes, whose fault, and how that changed month by month; what was
owed against what was given as goodwill, and what it cost; how long
escalated customers waited; who was flagged for abuse; which plugins failed;
who keeps coming back; and which reasons decided most often.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any, ClassVar, Final

import attrs

from .._money import in_own_context
from .._show import show
from ..exceptions import InvalidRecord
from ._rows import encode, text
from ._store import Store

__all__ = ["LedgerReport", "ReportRow", "Reports", "build_report", "moment_of", "plot_report"]

_ZERO: Final = Decimal(0)
_TOP: Final = 10
# The fault a resolution's first reason code shows, for records made without their issue.
_FAULT_BY_REASON: Final = {
    "make_whole": "business",
    "benefit_of_doubt": "unknown",
    "tough_call": "shared",
    "customer_fault": "customer",
}


@attrs.frozen
class ReportRow:
    """One recorded resolution, as the report and the export read it."""

    seq: int
    key: str
    recorded_at: str
    kind: str | None
    fault: str | None
    currency: str
    owed: str
    goodwill: str
    total: str
    granted_now: str
    cost: str
    escalate_to: str | None
    screen: str
    faults: int
    customer_id: str
    body: str
    approved_at: str | None
    approved_by: str | None
    #: the key of the earlier decision of its issue that this one supersedes, if any
    supersedes: str | None = None

    CSV_FIELDS: ClassVar[tuple[str, ...]] = (
        "seq",
        "key",
        "recorded_at",
        "issue_id",
        "customer_id",
        "role",
        "kind",
        "fault",
        "currency",
        "owed",
        "goodwill",
        "total",
        "granted_now",
        "cost",
        "escalate_to",
        "approved_by",
        "approved_at",
        "screen",
        "plugin_faults",
        "remedies",
        "reasons",
        "supersedes",
    )

    def resolution(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def month(self) -> str:
        return self.recorded_at[:7]

    def export_record(self) -> dict[str, Any]:
        """One JSON Lines record: where and when it was recorded, and the whole resolution."""
        return {
            "seq": self.seq,
            "key": self.key,
            "recorded_at": self.recorded_at,
            "kind": self.kind,
            "fault": self.fault,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "supersedes": self.supersedes,
            "resolution": self.resolution(),
        }

    def csv_record(self) -> dict[str, Any]:
        """One flat CSV row; amounts are plain decimals in ``currency``."""
        data = self.resolution()
        return {
            "seq": self.seq,
            "key": self.key,
            "recorded_at": self.recorded_at,
            "issue_id": data["issue_id"],
            "customer_id": self.customer_id,
            "role": data["role"],
            "kind": self.kind or "",
            "fault": self.fault or "",
            "currency": self.currency,
            "owed": self.owed,
            "goodwill": self.goodwill,
            "total": self.total,
            "granted_now": self.granted_now,
            "cost": self.cost,
            "escalate_to": self.escalate_to or "",
            "approved_by": self.approved_by or "",
            "approved_at": self.approved_at or "",
            "screen": self.screen,
            "plugin_faults": self.faults,
            "remedies": "; ".join(f"{r['kind']} {r['value']}" for r in data["remedies"]),
            "reasons": " ".join(reason["code"] for reason in data["reasons"]),
            "supersedes": self.supersedes or "",
        }


def _fault(row: ReportRow, reasons: list[dict[str, Any]]) -> str:
    if row.fault:
        return row.fault
    for reason in reasons:
        if reason["code"] in _FAULT_BY_REASON:
            return _FAULT_BY_REASON[reason["code"]]
    return "not recorded"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


@attrs.define
class _Money:
    owed: Decimal = _ZERO
    goodwill: Decimal = _ZERO
    cost: Decimal = _ZERO
    granted_now: Decimal = _ZERO

    def add(self, row: ReportRow, *, superseded: bool = False) -> None:
        """Add *row*; of a *superseded* decision only what it granted, since a later
        decision of its claim owes, gives and costs in its place."""
        self.granted_now += Decimal(row.granted_now)
        if not superseded:
            self.owed += Decimal(row.owed)
            self.goodwill += Decimal(row.goodwill)
            self.cost += Decimal(row.cost)

    def to_json(self) -> dict[str, str]:
        return {name: str(value) for name, value in attrs.asdict(self).items()}


@attrs.frozen
class LedgerReport:
    """The report over one period; :meth:`to_json` for machines, :meth:`text` for people."""

    since: datetime | None
    until: datetime | None
    resolutions: int
    #: month -> kind -> fault -> count
    mistakes: dict[str, dict[str, dict[str, int]]]
    #: currency -> owed, goodwill, cost, granted_now
    money: dict[str, dict[str, str]]
    #: month -> currency -> owed, goodwill, cost, granted_now
    money_by_month: dict[str, dict[str, dict[str, str]]]
    escalations: dict[str, Any]
    abuse: dict[str, Any]
    plugin_faults: dict[str, Any]
    repeat_customers: dict[str, Any]
    top_reasons: list[tuple[str, int]]
    #: decisions of an issue decided before, which superseded the earlier one
    claims: dict[str, Any] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["since"] = None if self.since is None else self.since.isoformat()
        data["until"] = None if self.until is None else self.until.isoformat()
        data["top_reasons"] = [{"code": code, "count": n} for code, n in self.top_reasons]
        return data

    def text(self) -> str:
        """The report for a person, one section a heading."""
        since = self.since.date().isoformat() if self.since else "the start"
        until = self.until.date().isoformat() if self.until else "now"
        lines = [f"ledger report from {since} to {until}: {self.resolutions} resolution(s)", ""]
        lines.append("mistakes by month, kind and fault")
        for month, kinds in self.mistakes.items():
            for kind, faults in kinds.items():
                shown = ", ".join(f"{fault} {count}" for fault, count in faults.items())
                lines.append(f"  {month}  {kind:<18} {shown}")
        lines += ["", "owed against goodwill, and the cost to the business"]
        for currency, amounts in self.money.items():
            lines.append(
                f"  {currency}: owed {amounts['owed']}, goodwill {amounts['goodwill']}, "
                f"cost {amounts['cost']}, granted on the spot {amounts['granted_now']}"
            )
        escalations = self.escalations
        lines += [
            "",
            (
                f"escalations: {escalations['count']} ({escalations['approved']} approved, "
                f"{escalations['waiting']} waiting)"
            ),
        ]
        if escalations["approved"]:
            lines.append(
                f"  waited for approval: median {escalations['median_wait_hours']} h, "
                f"longest {escalations['max_wait_hours']} h"
            )
        if escalations["waiting"]:
            lines.append(f"  oldest still waiting: {escalations['oldest_waiting_hours']} h")
        for role, count in escalations["by_role"].items():
            lines.append(f"  to {role}: {count}")
        if self.claims.get("decided_again"):
            again = self.claims["decided_again"]
            lines += ["", f"issues decided again: {again} decision(s) superseded an earlier one"]
        lines += ["", f"abuse flags: {self.abuse['flags']}"]
        lines.extend(f"  {level}: {count}" for level, count in self.abuse["by_level"].items())
        lines.append(
            f"plugin faults: {self.plugin_faults['count']} "
            f"(dead letters in the outbox: {self.plugin_faults['dead_letters']})"
        )
        lines.extend(
            f"  {where}: {count}" for where, count in self.plugin_faults["by_plugin"].items()
        )
        repeat = self.repeat_customers
        lines += ["", f"repeat customers: {repeat['count']} with two or more resolutions"]
        lines.extend(f"  {item['customer_id']}: {item['resolutions']}" for item in repeat["top"])
        lines += ["", "top reasons"]
        lines.extend(f"  {count:>6}  {code}" for code, count in self.top_reasons)
        return "\n".join(lines)


@in_own_context
def build_report(
    rows: Iterable[ReportRow],
    *,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    dead_letters: int,
) -> LedgerReport:
    """Add up *rows* (in recording order) into a :class:`LedgerReport`."""
    count = 0
    mistakes: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    money: dict[str, _Money] = defaultdict(_Money)
    by_month: dict[str, dict[str, _Money]] = defaultdict(lambda: defaultdict(_Money))
    escalated_to: Counter[str] = Counter()
    waits: list[timedelta] = []
    waiting: list[timedelta] = []
    levels: Counter[str] = Counter()
    flagged: list[dict[str, str]] = []
    faults: Counter[str] = Counter()
    customers: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    rows = list(rows)
    superseded = {row.supersedes for row in rows if row.supersedes is not None}
    again: list[str] = []
    for row in rows:
        count += 1
        data = row.resolution()
        if row.supersedes is not None:
            again.append(data["issue_id"])
        replaced = row.key in superseded
        if not replaced:
            mistakes[row.month()][row.kind or "not recorded"][_fault(row, data["reasons"])] += 1
        money[row.currency].add(row, superseded=replaced)
        by_month[row.month()][row.currency].add(row, superseded=replaced)
        if row.escalate_to is not None and row.approved_by == "(superseded)":
            pass  # its claim's later decision waits, or was approved, in its place
        elif row.escalate_to is not None:
            escalated_to[row.escalate_to] += 1
            opened = datetime.fromisoformat(row.recorded_at)
            if row.approved_at is not None:
                waits.append(datetime.fromisoformat(row.approved_at) - opened)
            else:
                waiting.append(now - opened)
        if row.screen != "none":
            levels[row.screen] += 1
            if row.screen in ("restrict", "refuse"):
                flagged.append({"key": row.key, "customer_id": row.customer_id})
        for fault in data["faults"]:
            faults[f"{fault['plugin']}.{fault['hook']}"] += 1
        customers[row.customer_id] += 1
        reasons.update(reason["code"] for reason in data["reasons"])
    repeat = [(customer, n) for customer, n in customers.most_common() if n > 1]
    return LedgerReport(
        since=since,
        until=until,
        resolutions=count,
        mistakes={
            month: {kind: dict(sorted(f.items())) for kind, f in sorted(kinds.items())}
            for month, kinds in sorted(mistakes.items())
        },
        money={currency: totals.to_json() for currency, totals in sorted(money.items())},
        money_by_month={
            month: {currency: totals.to_json() for currency, totals in sorted(by.items())}
            for month, by in sorted(by_month.items())
        },
        escalations={
            "count": sum(escalated_to.values()),
            "approved": len(waits),
            "waiting": len(waiting),
            "by_role": dict(sorted(escalated_to.items())),
            "median_wait_hours": (
                round(statistics.median(w.total_seconds() for w in waits) / 3600, 2)
                if waits
                else None
            ),
            "max_wait_hours": _hours(max(waits)) if waits else None,
            "oldest_waiting_hours": _hours(max(waiting)) if waiting else None,
        },
        abuse={
            "flags": len(flagged),
            "by_level": dict(sorted(levels.items())),
            "flagged": flagged[-_TOP:],
        },
        plugin_faults={
            "count": sum(faults.values()),
            "by_plugin": dict(faults.most_common()),
            "dead_letters": dead_letters,
        },
        repeat_customers={
            "count": len(repeat),
            "top": [{"customer_id": c, "resolutions": n} for c, n in repeat[:_TOP]],
        },
        top_reasons=reasons.most_common(_TOP),
        claims={"decided_again": len(again), "issues": sorted(set(again))[:_TOP]},
    )


def plot_report(report: LedgerReport, path: str) -> None:
    """Draw mistakes by kind per month, and owed, goodwill and cost per month, to a PNG."""
    import matplotlib  # noqa: PLC0415  # an optional extra, loaded only for --plot

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    months = list(report.mistakes)
    kinds = sorted({kind for by_kind in report.mistakes.values() for kind in by_kind})
    figure, (bars, lines) = pyplot.subplots(1, 2, figsize=(12, 4.5))
    bottom = [0] * len(months)
    for kind in kinds:
        counts = [sum(report.mistakes[m].get(kind, {}).values()) for m in months]
        bars.bar(months, counts, bottom=bottom, label=kind)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.set(title="Mistakes by kind", xlabel="month", ylabel="resolutions")
    bars.legend(fontsize="small")
    currency = next(iter(report.money), "")
    for name in ("owed", "goodwill", "cost"):
        values = [
            float(Decimal(report.money_by_month[m].get(currency, {}).get(name, "0")))
            for m in months
        ]
        lines.plot(months, values, marker="o", label=name)
    lines.set(title="Owed, goodwill and cost", xlabel="month", ylabel=currency)
    lines.legend()
    for axes in (bars, lines):
        axes.tick_params(axis="x", rotation=45)
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)


class Reports:
    """The ledger read for a period: the report, and the export."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def _rows(self, since: datetime | None, until: datetime | None) -> Iterator[ReportRow]:
        query = (
            "SELECT r.seq, r.key, r.recorded_at, r.kind, r.fault, r.currency, r.owed, "
            "r.goodwill, r.total, r.granted_now, r.cost, r.escalate_to, r.screen, r.faults, "
            "r.customer_id, r.body, e.closed_at, e.closed_by, r.supersedes "
            "FROM resolutions r LEFT JOIN escalations e ON e.key = r.key "
            "WHERE r.recorded_at >= ? AND r.recorded_at < ? ORDER BY r.seq"
        )
        low = text(since) if since is not None else ""
        high = text(until) if until is not None else "\uffff"
        with self._store.read() as conn:
            rows = list(conn.execute(query, (low, high)))
        for row in rows:
            yield ReportRow(*row)

    def report(
        self, *, since: date | datetime | None = None, until: date | datetime | None = None
    ) -> LedgerReport:
        """What the ledger shows about a period: mistakes, money, escalations, abuse, faults.

        *since* is inclusive and *until* exclusive; a date means its midnight UTC.
        """
        low, high = moment_of(since, "since"), moment_of(until, "until")
        with self._store.read() as conn:
            dead = int(
                conn.execute("SELECT count(*) FROM outbox WHERE state = 'dead'").fetchone()[0]
            )
        return build_report(self._rows(low, high), since=low, until=high, now=self._clock(),
                            dead_letters=dead)  # fmt: skip

    def export(
        self,
        stream: IO[str],
        *,
        format: str = "jsonl",  # the natural name for the CLI's --format
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> int:
        """Write the recorded resolutions to *stream* as ``jsonl`` or ``csv``; return the count."""
        if format not in ("jsonl", "csv"):
            raise ValueError(f"format: {format!r} is not jsonl or csv")
        rows = self._rows(moment_of(since, "since"), moment_of(until, "until"))
        if format == "jsonl":
            count = 0
            for row in rows:
                stream.write(encode(row.export_record()) + "\n")
                count += 1
            return count
        writer = csv.DictWriter(stream, fieldnames=ReportRow.CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        count = 0
        for row in rows:
            writer.writerow(row.csv_record())
            count += 1
        return count


def moment_of(value: date | datetime | None, name: str) -> datetime | None:
    """*value* as an aware moment: a date is its midnight UTC, a naive datetime is UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise InvalidRecord(f"{name}: {show(value)} is not a date or datetime")
