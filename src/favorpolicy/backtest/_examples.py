"""Seeded example tickets, so a fresh install has something to backtest.

``favorpolicy simulate --example N`` runs on these: the same seed gives the
same tickets, in any process.
"""

from __future__ import annotations

import bisect
import decimal
import itertools
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from .._model import BUILTIN_KINDS, Customer, Fault, Issue, RemedyKind, unchecked
from .._money import minor_units, trusted_money
from ._sources import Ticket

__all__ = ["EXAMPLE_BLOCK", "ExampleBlock", "ExampleSet", "example_tickets"]

# Shifting a whole number of minor units into place is exact in any context; this one says so.
_EXACT = decimal.Context(prec=40, traps=[decimal.Inexact, decimal.InvalidOperation])


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
                loss=trusted_money(loss, currency),
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
