"""The parts a Policy is made of: roles, valuations, offers, budgets and the goodwill table.

Each checks itself when built and names the key path of a bad value
(``roles.limit: ...``); the helpers that check a value at a key path are
shared with :class:`~favorpolicy.Policy`.
"""

from __future__ import annotations

import decimal
import itertools
import re
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from ._model import NAME_LIMIT, RemedyKind, check_text
from ._money import Money
from ._show import show
from .exceptions import InvalidPolicy

__all__ = [
    "BUDGET_PERIODS",
    "SEVERITIES",
    "Budget",
    "GoodwillRules",
    "Offer",
    "Role",
    "Valuation",
    "invalid",
    "mapping_at",
    "money_at",
    "name_at",
    "non_decreasing",
    "rate_at",
    "remedy_kind_at",
    "sequence_at",
]

SEVERITIES: Final = 5
_MAX_RATE: Final = 1_000_000
_RATE_PLACES: Final = 18
_RATE_TEXT: Final = re.compile(r"[+-]?(?:[0-9]{1,7}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})")
#: The periods a goodwill budget can run over; each starts at midnight UTC.
BUDGET_PERIODS: Final = ("day", "week", "month")

_T = TypeVar("_T")


def invalid(path: str, value: object, problem: str) -> InvalidPolicy:
    return InvalidPolicy(f"{path}: {show(value)} {problem}")


def rate_at(path: str, value: object) -> Decimal:
    """Convert a non-negative rate or factor, refusing floats like Money does."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise invalid(path, value, "is not a str, int or Decimal rate")
    if isinstance(value, int) and not 0 <= value <= _MAX_RATE:
        raise invalid(path, value, "must be a finite number from 0 to 1000000")
    if isinstance(value, str) and not _RATE_TEXT.fullmatch(value.strip()):
        raise invalid(path, value, "is not a number written with the digits 0-9 and a point")
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except (decimal.InvalidOperation, ValueError):
        raise invalid(path, value, "is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > _MAX_RATE:
        raise invalid(path, value, "must be a finite number from 0 to 1000000")
    if rate.as_tuple().exponent < -_RATE_PLACES:  # type: ignore[operator]  # finite
        # Exact in favorpolicy's 60 digits with any amount; and 1e-999999999 would take
        # gigabytes to print.
        raise invalid(path, value, f"has more than {_RATE_PLACES} decimal places")
    return rate


def money_at(path: str, value: object, *, optional: bool = False) -> Money | None:
    if value is None and optional:
        return None
    if not isinstance(value, Money):
        raise invalid(path, value, "is not Money")
    if value.amount < 0:
        raise invalid(path, value, "is negative")
    return value


#: The most items a policy's sequence holds; one past it is all that is ever read.
MAX_ITEMS: Final = 10_000


def sequence_at(
    path: str, value: object, convert: Callable[[str, object], _T], *, limit: int = MAX_ITEMS
) -> tuple[_T, ...]:
    """*value*'s items, each converted with its path (``rules[3]``); at most *limit*."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise invalid(path, value, "is not a sequence")
    items = tuple(itertools.islice(value, limit + 1))
    if len(items) > limit:
        raise invalid(path, value, f"holds more than {limit} items")
    return tuple(convert(f"{path}[{index}]", item) for index, item in enumerate(items))


def instances_at(
    path: str, value: object, kind: type[_T], *, limit: int = MAX_ITEMS
) -> tuple[_T, ...]:
    """*value*, a sequence of *kind*; an item of another type is refused with its path."""

    def instance(at: str, item: object) -> _T:
        if not isinstance(item, kind):
            raise invalid(at, item, f"is not a {kind.__name__}")
        return item

    return sequence_at(path, value, instance, limit=limit)


def mapping_at(
    path: str,
    value: object,
    convert_key: Callable[[str, object], Any],
    convert_value: Callable[[str, object], Any],
) -> types.MappingProxyType[Any, Any]:
    if not isinstance(value, Mapping):
        raise invalid(path, value, "is not a mapping")
    return types.MappingProxyType(
        {
            convert_key(path, key): convert_value(f"{path}.{key}", item)
            for key, item in value.items()
        }
    )


def name_at(path: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, value, "is not a non-empty str")
    check_text(path, value, InvalidPolicy, NAME_LIMIT)
    return value


def remedy_kind_at(path: str, value: object) -> RemedyKind:
    try:
        return RemedyKind(value)  # type: ignore[arg-type]  # ValueError covers non-str too
    except ValueError:
        allowed = ", ".join(kind.value for kind in RemedyKind)
        raise invalid(path, value, f"is not a remedy kind ({allowed})") from None


def non_decreasing(path: str, values: Iterable[tuple[str, Any]], what: str) -> None:
    previous: tuple[str, Any] | None = None
    for label, value in values:
        sep = "" if label.startswith("[") else "."
        if previous is not None and value < previous[1]:
            here, before = (f"{path}{sep}{name}" for name in (label, previous[0]))
            raise InvalidPolicy(
                f"{here}: {value} is less than {before}'s {previous[1]}; "
                f"more {what} must never give less"
            )
        previous = (label, value)


# The attrs mypy plugin understands only plain named converters, so each field
# gets one; each names its key path in the errors it raises.
def _role_name(value: object) -> str:
    return name_at("roles.name", value)


def _role_limit(value: object) -> Money | None:
    return money_at("roles.limit", value, optional=True)


def _bonus(value: object) -> Decimal:
    return rate_at("valuations.bonus", value)


def _cost_rate(value: object) -> Decimal:
    return rate_at("valuations.cost_rate", value)


def _offer_whole(value: object) -> RemedyKind:
    return remedy_kind_at("offers.whole", value)


def _offer_extra(value: object) -> RemedyKind | None:
    return None if value is None else remedy_kind_at("offers.extra", value)


def _severity_table(
    path: str, value: object, convert: Callable[[str, object], _T]
) -> tuple[_T, ...]:
    table = sequence_at(path, value, convert)
    if len(table) != SEVERITIES:
        raise invalid(path, value, f"needs exactly {SEVERITIES} entries, one per severity 1 to 5")
    return table


def _floor(path: str, value: object) -> Money:
    money = money_at(path, value)
    assert money is not None  # only optional money may be None
    return money


def _rates(value: object) -> tuple[Decimal, ...]:
    return _severity_table("goodwill.rates", value, rate_at)


def _floors(value: object) -> tuple[Money, ...]:
    return _severity_table("goodwill.floors", value, _floor)


def _tier_factors(value: object) -> Mapping[str, Decimal]:
    return mapping_at("goodwill.tier_factors", value, name_at, rate_at)


def _tenure_factors(value: object) -> tuple[tuple[int, Decimal], ...]:
    return sequence_at("goodwill.tenure_factors", value, _tenure_step)


def _kind_factors(value: object) -> Mapping[str, Decimal]:
    return mapping_at("goodwill.kind_factors", value, name_at, rate_at)


def _cap(value: object) -> Money | None:
    return money_at("goodwill.cap", value, optional=True)


def _courtesy(value: object) -> Money | None:
    return money_at("goodwill.courtesy", value, optional=True)


@attrs.frozen
class Role:
    """A role at the front line or above it, with its authority for goodwill.

    ``limit`` is the most goodwill the role may grant on the spot; None means
    no limit. Owed money is never limited: any role can make a customer whole.
    """

    name: str = attrs.field(converter=_role_name)
    limit: Money | None = attrs.field(default=None, converter=_role_limit)


@attrs.frozen
class Valuation:
    """How one kind of remedy is sized and costed.

    To cover an amount A, a remedy of this kind has a face value of
    ``A * (1 + bonus)``, rounded up, which is also its value to the customer;
    it costs the business ``face * cost_rate``. A bonus makes a less flexible
    remedy, such as store credit, worth taking.
    """

    bonus: Decimal = attrs.field(default=Decimal(0), converter=_bonus)
    cost_rate: Decimal = attrs.field(default=Decimal(1), converter=_cost_rate)


@attrs.frozen
class Offer:
    """A remedy package the policy offers for an issue kind.

    ``whole`` makes the customer whole (it covers what is owed); ``extra``
    carries the goodwill. Without ``extra``, ``whole`` covers the total.
    """

    whole: RemedyKind = attrs.field(converter=_offer_whole)
    extra: RemedyKind | None = attrs.field(default=None, converter=_offer_extra)

    @property
    def kinds(self) -> tuple[RemedyKind, ...]:
        """The remedy kinds in the package, in order."""
        if self.extra is None or self.extra is self.whole:
            return (self.whole,)
        return (self.whole, self.extra)

    def sort_key(self) -> tuple[str, str]:
        """Where the package stands among offers written in no order (a rule's): by name."""
        return (self.whole.value, "" if self.extra is None else self.extra.value)


def _budget_limit(value: object) -> Money:
    money = money_at("budgets.limit", value)
    assert money is not None  # a required amount is never None
    return money


def _budget_period(value: object) -> str:
    if not isinstance(value, str) or value not in BUDGET_PERIODS:
        raise invalid("budgets.period", value, f"is not one of {', '.join(BUDGET_PERIODS)}")
    return value


def _budget_role(value: object) -> str | None:
    return None if value is None else name_at("budgets.role", value)


@attrs.frozen
class Budget:
    """How much goodwill may be granted on the spot in one period: the "eat a few bad
    projects" dial, made explicit.

    ``role`` names the role whose on-the-spot goodwill it limits; None means
    every role but the top one, together. ``period`` is ``day``, ``week``
    (from Monday) or ``month``, each starting at midnight UTC. Once a budget is
    used up, further goodwill is escalated instead of granted on the spot; what
    is owed is never held back. Budgets take effect when a resolution is
    recorded in a :class:`~favorpolicy.ledger.Ledger`, which keeps the count.
    """

    limit: Money = attrs.field(converter=_budget_limit)
    period: str = attrs.field(default="month", converter=_budget_period)
    role: str | None = attrs.field(default=None, converter=_budget_role)

    @property
    def label(self) -> str:
        """``agent/month`` or ``all/week``: how the ledger and the reports name it."""
        return f"{self.role or 'all'}/{self.period}"

    def window(self, moment: datetime) -> str:
        """The period *moment* falls in, as text: ``2026-11-24``, ``2026-W48`` or ``2026-11``."""
        when = moment.astimezone(UTC) if moment.tzinfo is not None else moment
        if self.period == "day":
            return when.date().isoformat()
        if self.period == "week":
            year, week, _ = when.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{when.year:04d}-{when.month:02d}"

    def window_start(self, moment: datetime) -> datetime:
        """When the period *moment* falls in began (UTC)."""
        when = (moment.astimezone(UTC) if moment.tzinfo is not None else moment).replace(
            hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC
        )
        if self.period == "week":
            return when - timedelta(days=when.weekday())
        if self.period == "month":
            return when.replace(day=1)
        return when


def _tenure_step(path: str, value: object) -> tuple[int, Decimal]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise invalid(path, value, "is not a (years, factor) pair")
    step = tuple(value)
    if len(step) != 2 or isinstance(step[0], bool) or not isinstance(step[0], int) or step[0] < 0:
        raise invalid(path, value, "is not a (years, factor) pair with whole years of 0 or more")
    return (step[0], rate_at(f"{path}.factor", step[1]))


@attrs.frozen(hash=False)
class GoodwillRules:
    """How much goodwill an issue earns on top of what is owed.

    For an issue that is not the customer's fault::

        goodwill = (loss * rates[severity] + floors[severity])
                   * tier_factors[tier] * tenure factor * kind_factors[kind]

    capped at ``cap`` and rounded up. The tenure factor is that of the last
    ``(years, factor)`` step the customer has reached, or 1. An issue that was
    the customer's fault gets ``courtesy`` instead (also capped).
    """

    rates: tuple[Decimal, ...] = attrs.field(converter=_rates)
    floors: tuple[Money, ...] = attrs.field(converter=_floors)
    tier_factors: Mapping[str, Decimal] = attrs.field(converter=_tier_factors)
    tenure_factors: tuple[tuple[int, Decimal], ...] = attrs.field(
        default=(), converter=_tenure_factors
    )
    kind_factors: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_kind_factors)
    cap: Money | None = attrs.field(default=None, converter=_cap)
    courtesy: Money | None = attrs.field(default=None, converter=_courtesy)

    def __attrs_post_init__(self) -> None:
        non_decreasing(
            "goodwill.rates", ((f"[{i}]", r) for i, r in enumerate(self.rates)), "severity"
        )
        non_decreasing(
            "goodwill.floors", ((f"[{i}]", f.amount) for i, f in enumerate(self.floors)), "severity"
        )
        years = [years for years, _ in self.tenure_factors]
        if years != sorted(set(years)):
            raise invalid("goodwill.tenure_factors", self.tenure_factors, "must have rising years")
        non_decreasing(
            "goodwill.tenure_factors",
            [("base", Decimal(1))] + [(f"{y}y", f) for y, f in self.tenure_factors],
            "tenure",
        )
