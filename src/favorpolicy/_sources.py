"""Where a backtest's tickets come from: CSV or JSON Lines files, Olist, or a seeded example.

Every source is a generator, so a run streams its input: memory stays flat
however many rows there are. A row that cannot be read becomes a
:class:`BadRow` naming the file and line; the caller decides whether that
stops the run or is counted.
"""

from __future__ import annotations

import bisect
import csv
import decimal
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from ._forms import ticket_from_dict
from ._model import BUILTIN_KINDS, Customer, Fault, Issue, RemedyKind, unchecked
from ._money import Money, _make, minor_units
from .exceptions import FavorPolicyError

__all__ = [
    "CSV_COLUMNS",
    "BadRow",
    "ExampleBlock",
    "ExampleSet",
    "Skip",
    "Ticket",
    "example_tickets",
    "file_tickets",
    "olist_tickets",
]

#: The columns of a CSV ticket file; only customer_id, issue_id, kind, fault and loss are required.
CSV_COLUMNS = (
    "customer_id", "tier", "since", "lifetime_value", "prior_remedies", "preference",
    "issue_id", "kind", "fault", "loss", "order_value", "severity", "conduct", "channel",
    "occurred_at",
)  # fmt: skip
_CUSTOMER_COLUMNS = {
    "customer_id": "id", "tier": "tier", "since": "since", "lifetime_value": "lifetime_value",
    "prior_remedies": "prior_remedies", "preference": "preference",
}  # fmt: skip
_INT_COLUMNS = frozenset({"prior_remedies", "severity"})


@attrs.frozen
class Ticket:
    """One customer and one issue to resolve, and where they came from."""

    customer: Customer
    issue: Issue
    source: str


@attrs.frozen
class Skip:
    """An input that is not a ticket, for a known reason (counted, never silently dropped)."""

    reason: str
    source: str


@attrs.frozen
class BadRow:
    """A malformed row: the run stops here unless told to skip bad rows."""

    source: str
    error: str


Item = Ticket | Skip | BadRow

# Shifting a whole number of minor units into place is exact in any context; this one says so.
_EXACT = decimal.Context(prec=40, traps=[decimal.Inexact, decimal.InvalidOperation])


def file_tickets(path: Path, currency: str) -> Iterator[Item]:
    """Tickets from a ``.csv`` file (see :data:`CSV_COLUMNS`) or a ``.jsonl`` file."""
    if path.suffix.lower() == ".csv":
        yield from _csv_tickets(path, currency)
    else:
        yield from _jsonl_tickets(path, currency)


def _jsonl_tickets(path: Path, currency: str) -> Iterator[Item]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            source = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                customer, issue = ticket_from_dict(json.loads(line), currency)
            except json.JSONDecodeError as error:
                yield BadRow(source, f"not valid JSON: {error.msg}")
            except FavorPolicyError as error:
                yield BadRow(source, str(error))
            else:
                yield Ticket(customer, issue, source)


def _csv_tickets(path: Path, currency: str) -> Iterator[Item]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        unknown = sorted(set(reader.fieldnames or ()) - set(CSV_COLUMNS))
        if unknown:
            yield BadRow(f"{path}:1", f"unknown column {unknown[0]!r}")
            return
        for row in reader:
            source = f"{path}:{reader.line_num}"
            customer: dict[str, Any] = {}
            issue: dict[str, Any] = {}
            for column, value in row.items():
                if value in (None, ""):
                    continue
                text: Any = int(value) if column in _INT_COLUMNS and value.isdigit() else value
                if column in _CUSTOMER_COLUMNS:
                    customer[_CUSTOMER_COLUMNS[column]] = text
                else:
                    issue["id" if column == "issue_id" else column] = text
            try:
                made = ticket_from_dict({"customer": customer, "issue": issue}, currency)
            except FavorPolicyError as error:
                yield BadRow(source, str(error))
            else:
                yield Ticket(*made, source=source)


#: Example tickets come in blocks of this many, each from its own seeded generator.
EXAMPLE_BLOCK: Final = 500


def example_tickets(
    count: int, currency: str, tiers: tuple[str, ...], *, seed: int = 20261123
) -> ExampleSet:
    """A seeded synthetic set of *count* tickets: the same seed, the same tickets.

    Customers are spread over *tiers* (lowest first), most in the lowest.
    Losses run from nothing to 40,000 minor units (400.00 BRL, 40,000 JPY).
    """
    return ExampleSet(count, currency, tuple(tiers), seed)


@attrs.frozen
class ExampleSet:
    """The tickets of :func:`example_tickets`, made as they are iterated.

    They come in blocks of :data:`EXAMPLE_BLOCK`, each drawn from a generator
    seeded by the set's seed and the block's number, so any block can be made
    on its own: ``simulate --workers`` sends each worker a block to make,
    not the tickets themselves.
    """

    count: int
    currency: str
    tiers: tuple[str, ...]
    seed: int

    def blocks(self) -> Iterator[ExampleBlock]:
        for first in range(0, self.count, EXAMPLE_BLOCK):
            yield ExampleBlock(self, first, min(EXAMPLE_BLOCK, self.count - first))

    def __iter__(self) -> Iterator[Ticket]:
        for block in self.blocks():
            yield from block.tickets()


@attrs.frozen
class ExampleBlock:
    """Tickets ``first + 1`` to ``first + count`` of an :class:`ExampleSet`."""

    examples: ExampleSet
    first: int
    count: int

    def tickets(self) -> Iterator[Ticket]:
        examples = self.examples
        # A str seed hashes the same in every process (unlike hash() of a tuple).
        seed = f"{examples.seed}:{self.first // EXAMPLE_BLOCK}"
        draw = random.Random(seed).random  # noqa: S311  # example data, not secrets
        currency = examples.currency
        places = minor_units(currency)
        tiers = (examples.tiers[0],) * 3 + examples.tiers
        customers = max(examples.count // 3, 1)

        def pick(weighted: dict[Any, int]) -> Callable[[], Any]:
            edges = list(itertools.accumulate(weighted.values()))
            values = list(weighted)

            def one() -> Any:
                return values[bisect.bisect_right(edges, draw() * edges[-1])]

            return one

        fault = pick({Fault.BUSINESS: 6, Fault.CUSTOMER: 2, Fault.SHARED: 1, Fault.UNKNOWN: 2})
        severity = pick({1: 30, 2: 30, 3: 20, 4: 12, 5: 8})
        for number in range(self.first + 1, self.first + self.count + 1):
            # Every value is valid by construction, so the checks for outside input are
            # skipped (tests/test_simulate.py holds the tickets to them).
            customer = _customer(
                id=f"C-{int(draw() * customers) + 1}",
                tier=tiers[int(draw() * len(tiers))],
                since=date.fromordinal(_FIRST_DAY + int(draw() * _DAYS)) if draw() < 0.7 else None,
                preference=_PREFERENCES[int(draw() * len(_PREFERENCES))],
            )
            loss = Decimal(int(draw() * 40_001)).scaleb(-places, _EXACT)
            issue = _issue(
                id=f"EX-{number}",
                kind=BUILTIN_KINDS[int(draw() * len(BUILTIN_KINDS))],
                fault=fault(),
                loss=_make(loss, currency),
                severity=severity(),
                occurred_at=_START + int(draw() * 525_600) * _MINUTE,
            )
            yield _ticket(customer=customer, issue=issue, source=f"example:{number}")


_START: Final = datetime(2025, 1, 1, tzinfo=UTC)
_MINUTE: Final = timedelta(minutes=1)
_FIRST_DAY: Final = date(2012, 1, 1).toordinal()
_DAYS: Final = date(2025, 12, 31).toordinal() - _FIRST_DAY + 1
_PREFERENCES: Final = (None, None, None, *RemedyKind)
_customer: Final = unchecked(Customer)
_issue: Final = unchecked(Issue)
_ticket: Final = unchecked(Ticket)


# ---- Olist -----------------------------------------------------------------------------------

#: Olist order statuses that become tickets, with the kind and fault they get.
OLIST_STATUS = {
    "canceled": ("service_failure", Fault.UNKNOWN),
    "unavailable": ("missing_item", Fault.BUSINESS),
}


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text.strip() else None


def olist_tickets(directory: Path, currency: str = "BRL") -> Iterator[Item]:
    """Tickets from the Olist e-commerce CSVs (see docs/simulate.md for the rules).

    The items, payments and reviews are joined by order id in memory (they are
    the smaller tables); the orders themselves are streamed.
    """
    freight: dict[str, Decimal] = defaultdict(Decimal)
    items_value: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read(directory / "olist_order_items_dataset.csv"):
        freight[row["order_id"]] += Decimal(row["freight_value"])
        items_value[row["order_id"]] += Decimal(row["price"]) + Decimal(row["freight_value"])
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read(directory / "olist_order_payments_dataset.csv"):
        paid[row["order_id"]] += Decimal(row["payment_value"])
    reviews: dict[str, tuple[int, str]] = {}
    for row in _read(directory / "olist_order_reviews_dataset.csv"):
        words = " ".join(filter(None, (row["review_comment_title"], row["review_comment_message"])))
        if row["review_score"].isdigit():
            reviews[row["order_id"]] = (int(row["review_score"]), words.strip())
    orders = directory / "olist_orders_dataset.csv"
    for number, row in enumerate(_read(orders), 2):
        source = f"{orders}:{number}"
        found = _olist_problem(row)
        if found is None:
            continue
        kind, fault, occurred_at = found
        order = row["order_id"]
        value = paid.get(order) or items_value.get(order)
        if not value:
            yield Skip("order has no payments and no items, so no value", source)
            continue
        # Late: the freight is owed back. Canceled or unavailable: the whole order.
        loss = freight.get(order, Decimal(0)) if kind == "late" else value
        score, words = reviews.get(order, (0, ""))
        severity = 6 - score if score else {"late": 2}.get(kind, 3)
        try:
            issue = Issue(
                order,
                kind,
                fault,
                Money(loss, currency).round_up(),
                order_value=Money(value, currency).round_up(),
                severity=severity,
                conduct=words,
                channel="olist",
                occurred_at=occurred_at,
            )
            customer = Customer(row["customer_id"] or f"unknown-{order}")
        except FavorPolicyError as error:
            yield BadRow(source, str(error))
            continue
        yield Ticket(customer, issue, source)


def _olist_problem(row: dict[str, str]) -> tuple[str, Fault, datetime | None] | None:
    status = row["order_status"]
    purchased = _moment(row["order_purchase_timestamp"])
    if status in OLIST_STATUS:
        kind, fault = OLIST_STATUS[status]
        return kind, fault, purchased
    delivered = _moment(row["order_delivered_customer_date"])
    estimated = _moment(row["order_estimated_delivery_date"])
    if delivered is not None and estimated is not None and delivered.date() > estimated.date():
        return "late", Fault.BUSINESS, delivered
    return None
