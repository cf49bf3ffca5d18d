"""What a rule can test: the facts of a ticket, built in, derived and named.

Each :class:`Fact` knows how to read itself from an issue and a customer, what
it holds, and which way is worse for the customer (so a rule that gives less
as it grows is refused). The derived facts count from the ticket's own dates,
never from the clock, so a backtest decides as it would have on the day.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Final, NamedTuple

from ._canon import utc
from ._facts import FACT_NAME
from ._model import Customer, Issue
from ._money import Money

__all__ = ["FACTS", "MISSING", "Fact", "fact_of", "fact_value", "named_fact", "whole_years"]


class _Missing(enum.Enum):
    MISSING = "missing"

    def __repr__(self) -> str:
        return "MISSING"


#: What a fact is when a ticket does not have it; it never matches a comparison.
MISSING: Final = _Missing.MISSING


class Fact(NamedTuple):
    """A fact a condition may test: how it is read, what it holds, and which way is worse."""

    read: Callable[[Issue, Customer], object]
    #: "number", "money", "text", "fault", "tier" or "any"
    kind: str
    #: "higher" when more of it is a worse case for the customer (the contract's monotone
    #: rule: a rule may only give more as it grows), else None
    worse: str | None
    doc: str


def _or_missing(value: object) -> object:
    return MISSING if value is None or value == "" else value


def _days(later: datetime | None, earlier: datetime | None) -> object:
    if later is None or earlier is None:
        return MISSING
    return (utc(later).date() - utc(earlier).date()).days


def _late_end(issue: Issue) -> datetime | None:
    # Not delivered yet: late until the moment of the complaint.
    return issue.delivered_at if issue.delivered_at is not None else issue.occurred_at


def _hours_late(issue: Issue, customer: Customer) -> object:
    end, promised = _late_end(issue), issue.promised_at
    if end is None or promised is None:
        return MISSING
    return math.ceil((utc(end) - utc(promised)).total_seconds() / 3600)


def whole_years(since: date, day: date) -> int:
    """The whole years from *since* to *day*; none before *since*."""
    return max(day.year - since.year - ((day.month, day.day) < (since.month, since.day)), 0)


def _tenure_years(issue: Issue, customer: Customer) -> object:
    since, at = customer.since, issue.occurred_at
    if since is None or at is None:
        return MISSING
    return whole_years(since, utc(at).date())


def _money_amount(value: Money | None) -> object:
    return MISSING if value is None else value.amount


#: Every fact a condition may name besides ``facts.NAME`` and ``customer.facts.NAME``.
#: The derived ones count from the ticket's own dates, never from the clock, so a
#: backtest decides as it would have on the day.
FACTS: Final[Mapping[str, Fact]] = {
    "kind": Fact(lambda i, c: i.kind, "text", None, "the issue's kind"),
    "fault": Fact(lambda i, c: i.fault, "fault", None, "whose fault it was"),
    "loss": Fact(lambda i, c: i.loss.amount, "money", "higher", "the loss"),
    "order_value": Fact(
        lambda i, c: _money_amount(i.order_value), "money", "higher", "the order's value"
    ),
    "severity": Fact(lambda i, c: i.severity, "number", "higher", "severity, 1 to 5"),
    "channel": Fact(lambda i, c: _or_missing(i.channel), "text", None, "where it was bought"),
    "region": Fact(lambda i, c: _or_missing(i.region), "text", None, "the issue's region"),
    "country": Fact(
        lambda i, c: MISSING if i.region is None else i.region[:2],
        "text",
        None,
        "the issue's country: its region's first two letters",
    ),
    "category": Fact(lambda i, c: _or_missing(i.category), "text", None, "what was bought"),
    "days_since_order": Fact(
        lambda i, c: _days(i.occurred_at, i.ordered_at),
        "number",
        None,
        "days from ordered_at to occurred_at",
    ),
    "days_since_delivery": Fact(
        lambda i, c: _days(i.occurred_at, i.delivered_at),
        "number",
        None,
        "days from delivered_at to occurred_at",
    ),
    "days_late": Fact(
        lambda i, c: _days(_late_end(i), i.promised_at),
        "number",
        "higher",
        "days from promised_at to delivered_at (or occurred_at, if not delivered)",
    ),
    "hours_late": Fact(
        _hours_late,
        "number",
        "higher",
        "hours, rounded up, from promised_at to delivered_at (or occurred_at)",
    ),
    "customer.tier": Fact(lambda i, c: c.tier, "tier", "higher", "the customer's tier"),
    "customer.region": Fact(
        lambda i, c: _or_missing(c.region), "text", None, "the customer's region"
    ),
    "customer.country": Fact(
        lambda i, c: MISSING if c.region is None else c.region[:2],
        "text",
        None,
        "the customer's country",
    ),
    "customer.tenure_years": Fact(
        _tenure_years, "number", "higher", "whole years from customer.since to occurred_at"
    ),
    "customer.prior_remedies": Fact(
        lambda i, c: c.prior_remedies, "number", None, "remedies the customer had before"
    ),
    "customer.lifetime_value": Fact(
        lambda i, c: _money_amount(c.lifetime_value), "money", None, "the customer's value"
    ),
}
_NAMED: Final = re.compile(r"(customer\.)?facts\.(?P<name>.+)\Z")


def named_fact(fact: str) -> Fact | None:
    found = _NAMED.match(fact)
    if found is None or not FACT_NAME.match(found["name"]):
        return None
    name = found["name"]
    if fact.startswith("customer."):
        return Fact(lambda i, c: c.facts.get(name, MISSING), "any", None, "a customer fact")
    return Fact(lambda i, c: i.facts.get(name, MISSING), "any", None, "an issue fact")


def fact_of(fact: str) -> Fact | None:
    """The :class:`Fact` called *fact*, or None if there is none."""
    return FACTS.get(fact) or named_fact(fact)


def fact_value(fact: str, issue: Issue, customer: Customer) -> object:
    """The value of *fact* for this ticket, or :data:`MISSING`."""
    found = fact_of(fact)
    if found is None:
        raise KeyError(fact)
    return found.read(issue, customer)
