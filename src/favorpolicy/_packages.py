"""The remedy packages of a decision: each offer sized to the total, then ranked.

Every offer becomes a package worth what is owed plus the goodwill; among the
packages whose cost is a close call (within the policy's favour margin of the
cheapest), the customer's side wins: the preferred kind, then the most value.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from . import _reasons as reasons
from ._model import Customer, RemedyKind
from ._money import CONTEXT
from ._policy import Offer, Policy
from ._reasons import Note
from ._tables import Package, Part, Tables

__all__ = ["choose", "close_call_line", "customer_first", "packages_of", "sized"]

_add: Final = CONTEXT.add
_APOLOGY: Final = RemedyKind.APOLOGY
_APOLOGY_NOTE: Final = "nothing is due, but we are sorry"


def _package(tables: Tables, offer: Offer, owed: Decimal, goodwill: Decimal) -> tuple[Part, ...]:
    total = _add(owed, goodwill)
    if not total:
        return ((_APOLOGY, total, total, _APOLOGY_NOTE),)
    if offer.extra is None or offer.extra is offer.whole or not goodwill:
        return (tables.part(offer.whole, total),)
    if not owed:
        return (tables.part(offer.extra, goodwill),)
    return (tables.part(offer.whole, owed), tables.part(offer.extra, goodwill))


def sized(
    tables: Tables, offers: tuple[Offer, ...], owed: Decimal, goodwill: Decimal
) -> list[Package]:
    """Each offer sized to reach owed + goodwill, in order, repeats included."""
    return [
        (parts, *_value_and_cost(parts), order)
        for order, parts in enumerate(_package(tables, offer, owed, goodwill) for offer in offers)
    ]


def _value_and_cost(parts: tuple[Part, ...]) -> tuple[Decimal, Decimal]:
    """What a package is worth to the customer and costs the business (one part or two)."""
    if len(parts) == 1:
        return parts[0][1], parts[0][2]
    (_, value, cost, _), (_, extra_value, extra_cost, _) = parts
    return _add(value, extra_value), _add(cost, extra_cost)


def packages_of(
    tables: Tables, offers: tuple[Offer, ...], owed: Decimal, goodwill: Decimal
) -> list[Package]:
    """Size each offer, dropping a package equal to an earlier one."""
    packages: list[Package] = []
    seen: list[tuple[Part, ...]] = []  # a handful: comparing beats hashing their Decimals
    for package in sized(tables, offers, owed, goodwill):
        if package[0] not in seen:
            seen.append(package[0])
            packages.append(package)
    return packages


def customer_first(
    line: Decimal, preference: RemedyKind | None
) -> Callable[[Package], tuple[bool, bool, Decimal, Decimal, int]]:
    """The ranking key: close calls first, then the customer's preferred kind, then value."""

    def key(package: Package) -> tuple[bool, bool, Decimal, Decimal, int]:
        parts, value, cost, order = package
        if len(parts) == 1:
            other = parts[0][0] is not preference
        else:
            other = all(part[0] is not preference for part in parts)
        return (cost > line, other, value.copy_negate(), cost, order)

    return key


def close_call_line(packages: list[Package], tables: Tables) -> tuple[Decimal, Decimal]:
    """The cheapest of *packages*, and the close-call line it sets: what a package may
    cost and still be a close call, which the customer's side wins."""
    cheapest = min([package[2] for package in packages])
    return cheapest, CONTEXT.multiply(cheapest, tables.close_call)


def choose(
    packages: list[Package],
    customer: Customer,
    policy: Policy,
    tables: Tables,
    notes: list[Note] | None,
) -> list[Package]:
    """Rank the packages, the customer's side first; with no *notes*, find just the first."""
    cheapest, line = close_call_line(packages, tables)
    preference = customer.preference
    ranking = customer_first(line, preference)
    if notes is None:
        return [min(packages, key=ranking)]
    ranked = sorted(packages, key=ranking)
    notes.append(
        (reasons.chosen, (ranked[0], packages, line, cheapest, preference, tables, policy))
    )
    return ranked
