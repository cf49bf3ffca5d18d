"""Named facts on a ticket, and regions: checked like every other field.

An :class:`~favorpolicy.Issue` and a :class:`~favorpolicy.Customer` each carry
``facts``, a :class:`Facts` mapping from a name such as ``durable`` or
``uptime_percent`` to a value: text, a whole number, a Decimal, a bool, a date
or a datetime. A policy's rules test them as ``facts.durable`` and
``customer.facts.segment``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, TypeAlias

from ._show import show
from .exceptions import FavorPolicyError

__all__ = [
    "FACT_NAME",
    "MAX_FACTS",
    "NO_FACTS",
    "FactValue",
    "Facts",
    "checked_fact",
    "facts_of",
    "region_of",
]

#: What a fact may hold.
FactValue: TypeAlias = str | int | Decimal | bool | date | datetime

#: A fact's name: lower-case letters, digits and underscores, starting with a letter.
FACT_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
#: The most facts one issue or one customer may carry.
MAX_FACTS: Final = 64
_TEXT_LIMIT: Final = 1_000
_NUMBER_LIMIT: Final = Decimal(10) ** 18
# ISO 3166-1 alpha-2, with an optional ISO 3166-2 subdivision: "BR", "BR-SP", "GB-ENG".
_REGION: Final = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?\Z")


class Facts(Mapping[str, FactValue]):
    """A frozen mapping of checked facts, ordered by name; equal facts hash equal."""

    __slots__ = ("_by_name", "_items")

    def __init__(self, items: Mapping[str, FactValue] | None = None) -> None:
        by_name = dict(sorted((items or {}).items()))
        self._by_name: dict[str, FactValue] = by_name
        self._items: tuple[tuple[str, FactValue], ...] = tuple(by_name.items())

    def __getitem__(self, name: str) -> FactValue:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple((name, type(value), value) for name, value in self._items))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Facts):
            # True == 1 in Python, but a fact that is True is not the number 1.
            return [(n, type(v), v) for n, v in self._items] == [
                (n, type(v), v) for n, v in other._items
            ]
        return NotImplemented

    def __repr__(self) -> str:
        return f"Facts({self._by_name!r})"

    def __reduce__(self) -> tuple[type[Facts], tuple[dict[str, FactValue]]]:
        return (Facts, (self._by_name,))


#: No facts.
NO_FACTS: Final = Facts()


def _plain_moment(value: date) -> date:
    if isinstance(value, datetime):
        # In UTC, a naive one taken as UTC (as everywhere): a rule compares instants.
        plain = datetime.combine(value.date(), value.timetz())
        return plain.replace(tzinfo=UTC) if plain.tzinfo is None else plain.astimezone(UTC)
    return value if type(value) is date else date(value.year, value.month, value.day)


def checked_fact(path: str, value: object, error: type[FavorPolicyError]) -> FactValue:
    """*value* as a fact holds it, or *error* naming *path*: the one check of a fact's
    value, shared by the facts on a ticket and the values a rule compares them with."""
    # A subclass (an IntEnum, a pandas Timestamp) becomes the plain type: a rule compares
    # facts by their exact types, and a fact must compare as what it says it is.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, date):
        try:
            return _plain_moment(value)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first moment in UTC
            raise error(f"{path}: {show(value)} is out of range in UTC") from None
    if isinstance(value, str):
        if len(value) > _TEXT_LIMIT:
            raise error(f"{path}: {show(value)} is too long; at most {_TEXT_LIMIT} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise error(f"{path}: {show(value)} holds a lone surrogate, not text") from None
        return str(value)
    if isinstance(value, int):
        if abs(value) >= _NUMBER_LIMIT:
            raise error(f"{path}: {show(value)} is too large; facts stay below 10**18")
        return int(value)
    if isinstance(value, Decimal):
        # copy_abs() needs no context: abs() would overflow on Decimal("1E+999999999").
        if not value.is_finite() or value.copy_abs() >= _NUMBER_LIMIT:
            raise error(f"{path}: {show(value)} is not a finite number below 10**18")
        if value.as_tuple().exponent < -18:  # type: ignore[operator]  # finite: an int
            raise error(f"{path}: {show(value)} has more than 18 decimal places")
        return Decimal(value)
    if isinstance(value, float):
        raise error(f"{path}: {show(value)} is a float; write Decimal({str(value)!r})")
    raise error(
        f"{path}: {show(value)} is a {type(value).__name__}, not text, a number, a bool, "
        "a date or a datetime"
    )


def facts_of(value: object, field: str, error: type[FavorPolicyError]) -> Facts:
    """*value* (a mapping of name to value) as checked :class:`Facts`; *field* names it."""
    if isinstance(value, Facts):
        return value
    if value is None:
        return NO_FACTS
    if not isinstance(value, Mapping):
        raise error(f"{field}: {show(value)} is not a mapping of names to values")
    if len(value) > MAX_FACTS:
        raise error(f"{field}: holds {len(value)} facts; at most {MAX_FACTS}")
    checked: dict[str, FactValue] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not FACT_NAME.match(name):
            raise error(
                f"{field}: the name {show(name)} is not lower-case letters, digits and "
                "underscores starting with a letter"
            )
        checked[name] = checked_fact(f"{field}.{name}", item, error)
    return Facts(checked) if checked else NO_FACTS


def region_of(value: object, field: str, error: type[FavorPolicyError]) -> str | None:
    """*value* as an ISO 3166 region ("BR", "BR-SP"), upper-cased; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        code = value.strip().upper()
        if _REGION.match(code):
            return code
    raise error(
        f"{field}: {show(value)} is not an ISO 3166 country code such as 'BR', "
        "with an optional subdivision such as 'BR-SP'"
    )
