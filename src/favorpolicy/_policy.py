"""Policy: the business's rules for making things right, checked when built.

A Policy that could break the bias contract cannot be built: a goodwill table
where more severity, a higher tier or a longer tenure gives less is refused,
and so is a set of roles where no one may approve the largest goodwill.
"""

from __future__ import annotations

import decimal
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from ._canon import LATE, digest
from ._model import RemedyKind
from ._money import Money, minor_units
from ._show import show
from .exceptions import FavorPolicyError, InvalidPolicy

__all__ = [
    "BUDGET_PERIODS",
    "Budget",
    "GoodwillRules",
    "Offer",
    "Policy",
    "Role",
    "Tables",
    "Valuation",
]

SEVERITIES: Final = 5
#: The periods a goodwill budget can run over; each starts at midnight UTC.
BUDGET_PERIODS: Final = ("day", "week", "month")

_T = TypeVar("_T")


def _fail(path: str, value: object, problem: str) -> InvalidPolicy:
    return InvalidPolicy(f"{path}: {show(value)} {problem}")


def _rate(path: str, value: object) -> Decimal:
    """Convert a non-negative rate or factor, refusing floats like Money does."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _fail(path, value, "is not a str, int or Decimal rate")
    try:
        rate = Decimal(value)
    except (decimal.InvalidOperation, ValueError):
        raise _fail(path, value, "is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > 1_000_000:
        raise _fail(path, value, "must be a finite number from 0 to 1000000")
    return rate


def _money(path: str, value: object, *, optional: bool = False) -> Money | None:
    if value is None and optional:
        return None
    if not isinstance(value, Money):
        raise _fail(path, value, "is not Money")
    if value.amount < 0:
        raise _fail(path, value, "is negative")
    return value


def _sequence(path: str, value: object, convert: Callable[[str, object], _T]) -> tuple[_T, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _fail(path, value, "is not a sequence")
    return tuple(convert(f"{path}[{index}]", item) for index, item in enumerate(value))


def _mapping(
    path: str,
    value: object,
    convert_key: Callable[[str, object], Any],
    convert_value: Callable[[str, object], Any],
) -> types.MappingProxyType[Any, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, value, "is not a mapping")
    return types.MappingProxyType(
        {
            convert_key(path, key): convert_value(f"{path}.{key}", item)
            for key, item in value.items()
        }
    )


def _name(path: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, value, "is not a non-empty str")
    return value


def _remedy_kind(path: str, value: object) -> RemedyKind:
    try:
        return RemedyKind(value)  # type: ignore[arg-type]  # ValueError covers non-str too
    except ValueError:
        allowed = ", ".join(kind.value for kind in RemedyKind)
        raise _fail(path, value, f"is not a remedy kind ({allowed})") from None


def _non_decreasing(path: str, values: Iterable[tuple[str, Any]], what: str) -> None:
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
    return _name("roles.name", value)


def _role_limit(value: object) -> Money | None:
    return _money("roles.limit", value, optional=True)


def _bonus(value: object) -> Decimal:
    return _rate("valuations.bonus", value)


def _cost_rate(value: object) -> Decimal:
    return _rate("valuations.cost_rate", value)


def _offer_whole(value: object) -> RemedyKind:
    return _remedy_kind("offers.whole", value)


def _offer_extra(value: object) -> RemedyKind | None:
    return None if value is None else _remedy_kind("offers.extra", value)


def _severity_table(
    path: str, value: object, convert: Callable[[str, object], _T]
) -> tuple[_T, ...]:
    table = _sequence(path, value, convert)
    if len(table) != SEVERITIES:
        raise _fail(path, value, f"needs exactly {SEVERITIES} entries, one per severity 1 to 5")
    return table


def _floor(path: str, value: object) -> Money:
    money = _money(path, value)
    assert money is not None  # only optional money may be None
    return money


def _rates(value: object) -> tuple[Decimal, ...]:
    return _severity_table("goodwill.rates", value, _rate)


def _floors(value: object) -> tuple[Money, ...]:
    return _severity_table("goodwill.floors", value, _floor)


def _tier_factors(value: object) -> Mapping[str, Decimal]:
    return _mapping("goodwill.tier_factors", value, _name, _rate)


def _tenure_factors(value: object) -> tuple[tuple[int, Decimal], ...]:
    return _sequence("goodwill.tenure_factors", value, _tenure_step)


def _kind_factors(value: object) -> Mapping[str, Decimal]:
    return _mapping("goodwill.kind_factors", value, _name, _rate)


def _cap(value: object) -> Money | None:
    return _money("goodwill.cap", value, optional=True)


def _courtesy(value: object) -> Money | None:
    return _money("goodwill.courtesy", value, optional=True)


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


def _budget_limit(value: object) -> Money:
    money = _money("budgets.limit", value)
    assert money is not None  # a required amount is never None
    return money


def _budget_period(value: object) -> str:
    if not isinstance(value, str) or value not in BUDGET_PERIODS:
        raise _fail("budgets.period", value, f"is not one of {', '.join(BUDGET_PERIODS)}")
    return value


def _budget_role(value: object) -> str | None:
    return None if value is None else _name("budgets.role", value)


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
        raise _fail(path, value, "is not a (years, factor) pair")
    step = tuple(value)
    if len(step) != 2 or isinstance(step[0], bool) or not isinstance(step[0], int) or step[0] < 0:
        raise _fail(path, value, "is not a (years, factor) pair with whole years of 0 or more")
    return (step[0], _rate(f"{path}.factor", step[1]))


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
        _non_decreasing(
            "goodwill.rates", ((f"[{i}]", r) for i, r in enumerate(self.rates)), "severity"
        )
        _non_decreasing(
            "goodwill.floors", ((f"[{i}]", f.amount) for i, f in enumerate(self.floors)), "severity"
        )
        years = [years for years, _ in self.tenure_factors]
        if years != sorted(set(years)):
            raise _fail("goodwill.tenure_factors", self.tenure_factors, "must have rising years")
        _non_decreasing(
            "goodwill.tenure_factors",
            [("base", Decimal(1))] + [(f"{y}y", f) for y, f in self.tenure_factors],
            "tenure",
        )


_REFUND_OFFER: Final = Offer(RemedyKind.REFUND)
_NO_SETTINGS: Final[Mapping[str, object]] = types.MappingProxyType({})


def _offers(path: str, value: object) -> tuple[Offer, ...]:
    def offer(item_path: str, item: object) -> Offer:
        if not isinstance(item, Offer):
            raise _fail(item_path, item, "is not an Offer")
        if RemedyKind.APOLOGY in item.kinds:
            raise _fail(item_path, item, "offers an apology for money; apologies are free")
        return item

    return _sequence(path, value, offer)


def _full_valuations(value: object) -> Mapping[RemedyKind, Valuation]:
    def valuation(path: str, item: object) -> Valuation:
        if not isinstance(item, Valuation):
            raise _fail(path, item, "is not a Valuation")
        return item

    given = _mapping("valuations", value, _remedy_kind, valuation)
    # An apology is free and worth nothing in money; it is the package when nothing is due.
    return types.MappingProxyType(
        {kind: given.get(kind, Valuation()) for kind in RemedyKind}
        | {RemedyKind.APOLOGY: Valuation(0, 0)}
    )


def _currency(value: object) -> str:
    if not isinstance(value, str):
        raise _fail("currency", value, "is not an ISO 4217 code such as 'USD'")
    code = value.strip().upper()
    try:
        minor_units(code)
    except FavorPolicyError:
        raise _fail("currency", value, "is not a known ISO 4217 code") from None
    return code


def _role(path: str, value: object) -> Role:
    if not isinstance(value, Role):
        raise _fail(path, value, "is not a Role")
    return value


def _with_refund(offers: tuple[Offer, ...]) -> tuple[Offer, ...]:
    unique = tuple(dict.fromkeys(offers))
    return unique if _REFUND_OFFER in unique else (*unique, _REFUND_OFFER)


@attrs.frozen
class Tables:
    """A policy's rules as plain Decimals and dicts, computed once when it is built.

    resolve() reads these instead of the public fields, so its hot path does
    no conversion, validation or repeated lookup.
    """

    quantum: Decimal
    role_index: Mapping[str, int]
    limits: tuple[Decimal | None, ...]
    candidates: Mapping[str, tuple[Offer, ...]]
    default_candidates: tuple[Offer, ...]
    #: per remedy kind: (1 + bonus, cost rate), None for a factor of exactly one
    scaling: Mapping[RemedyKind, tuple[Decimal | None, Decimal | None]]
    rates: tuple[Decimal, ...]
    floors: tuple[Decimal, ...]
    tier_factors: Mapping[str, Decimal]
    tenure_factors: tuple[tuple[int, Decimal], ...]
    kind_factors: Mapping[str, Decimal]
    cap: Decimal | None
    courtesy: Decimal
    #: 1 + favor_margin
    close_call: Decimal
    #: per role: its limit rounded up to the minor unit (None: unlimited)
    limits_up: tuple[Decimal | None, ...]
    #: what the reasons print, formatted once: per severity, the rate and the floor
    rate_texts: tuple[str, ...]
    floor_texts: tuple[str, ...]
    margin_text: str

    @classmethod
    def of(cls, policy: Policy) -> Tables:
        rules = policy.goodwill
        quantum = Money.minor(policy.currency).amount
        return cls(
            quantum=quantum,
            role_index={role.name: position for position, role in enumerate(policy.roles)},
            limits=tuple(None if r.limit is None else r.limit.amount for r in policy.roles),
            candidates={kind: _with_refund(offers) for kind, offers in policy.offers.items()},
            default_candidates=_with_refund(policy.default_offers),
            scaling={
                kind: (
                    None if value.bonus == 0 else 1 + value.bonus,
                    None if value.cost_rate == 1 else value.cost_rate,
                )
                for kind, value in policy.valuations.items()
            },
            rates=rules.rates,
            floors=tuple(floor.amount for floor in rules.floors),
            tier_factors=dict(rules.tier_factors),
            tenure_factors=rules.tenure_factors,
            kind_factors=dict(rules.kind_factors),
            cap=None if rules.cap is None else rules.cap.amount,
            courtesy=Decimal(0) if rules.courtesy is None else rules.courtesy.amount,
            close_call=1 + policy.favor_margin,
            limits_up=tuple(
                None if r.limit is None else r.limit.round_up().amount for r in policy.roles
            ),
            rate_texts=tuple(f"{rate:%}" for rate in rules.rates),
            floor_texts=tuple(str(floor) for floor in rules.floors),
            margin_text=f"{policy.favor_margin:%}",
        )


def _tiers(value: object) -> tuple[str, ...]:
    return _sequence("tiers", value, _name)


def _roles(value: object) -> tuple[Role, ...]:
    return _sequence("roles", value, _role)


def _offers_by_kind(value: object) -> Mapping[str, tuple[Offer, ...]]:
    return _mapping("offers", value, _name, _offers)


def _default_offers(value: object) -> tuple[Offer, ...]:
    return _offers("default_offers", value)


def _favor_margin(value: object) -> Decimal:
    return _rate("favor_margin", value)


def _policy_name(value: object) -> str:
    return _name("name", value)


def _hook_budget(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60_000:
        raise _fail(
            "hook_budget_ms", value, "is not a whole number of milliseconds from 1 to 60000"
        )
    return value


_SETTING_TYPES: Final = (str, int, Decimal, type(None))


def _setting(path: str, value: object) -> object:
    if isinstance(value, _SETTING_TYPES):
        return value
    if isinstance(value, list | tuple):
        return tuple(_setting(f"{path}[{index}]", item) for index, item in enumerate(value))
    raise _fail(path, value, "is not a str, int, bool, Decimal, None or a list of them")


def _budgets(value: object) -> tuple[Budget, ...]:
    def budget(path: str, item: object) -> Budget:
        if not isinstance(item, Budget):
            raise _fail(path, item, "is not a Budget")
        return item

    return _sequence("budgets", value, budget)


def _settings(value: object) -> Mapping[str, Mapping[str, object]]:
    def plugin(path: str, item: object) -> Mapping[str, object]:
        return _mapping(path, item, _name, _setting)

    return _mapping("settings", value, _name, plugin)


@attrs.frozen(hash=False)
class Policy:
    """A business's rules for making things right, in one currency.

    Build it in code, or start from :meth:`Policy.default`. It checks itself
    when built and raises :class:`~favorpolicy.exceptions.InvalidPolicy`
    naming the key path and the bad value.
    """

    currency: str = attrs.field(converter=_currency)
    tiers: tuple[str, ...] = attrs.field(converter=_tiers)
    roles: tuple[Role, ...] = attrs.field(converter=_roles)
    goodwill: GoodwillRules = attrs.field()
    offers: Mapping[str, tuple[Offer, ...]] = attrs.field(factory=dict, converter=_offers_by_kind)
    default_offers: tuple[Offer, ...] = attrs.field(
        default=(_REFUND_OFFER,), converter=_default_offers
    )
    valuations: Mapping[RemedyKind, Valuation] = attrs.field(
        factory=dict, converter=_full_valuations
    )
    favor_margin: Decimal = attrs.field(default=Decimal("0.25"), converter=_favor_margin)
    name: str = attrs.field(default="policy", converter=_policy_name)
    hook_budget_ms: int = attrs.field(default=250, converter=_hook_budget)
    settings: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict, converter=_settings)
    budgets: tuple[Budget, ...] = attrs.field(default=(), converter=_budgets, metadata=LATE)

    fingerprint: str = attrs.field(init=False, eq=False, repr=False)
    _tables: Tables = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._check_tiers()
        self._check_roles()
        self._check_goodwill()
        self._check_budgets()
        object.__setattr__(self, "_tables", Tables.of(self))
        object.__setattr__(self, "fingerprint", digest(self))

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def _check_tiers(self) -> None:
        if not self.tiers:
            raise _fail("tiers", self.tiers, "is empty; name at least one tier")
        if len(set(self.tiers)) != len(self.tiers):
            raise _fail("tiers", self.tiers, "names a tier twice")

    def _check_roles(self) -> None:
        if not self.roles:
            raise _fail("roles", self.roles, "is empty; name at least one role")
        names = [role.name for role in self.roles]
        if len(set(names)) != len(names):
            raise _fail("roles", names, "names a role twice")
        for role in self.roles[:-1]:
            if role.limit is None:
                raise _fail(
                    f"roles.{role.name}.limit", None, "is unlimited; only the last role may be"
                )
        for role in self.roles:
            if role.limit is not None:
                self._check_currency(f"roles.{role.name}.limit", role.limit)
        _non_decreasing(
            "roles",
            ((f"{role.name}.limit", role.limit.amount) for role in self.roles if role.limit),
            "seniority",
        )

    def _check_goodwill(self) -> None:
        rules = self.goodwill
        if not isinstance(rules, GoodwillRules):
            raise _fail("goodwill", rules, "is not GoodwillRules")
        for severity, floor in enumerate(rules.floors, 1):
            self._check_currency(f"goodwill.floors[{severity - 1}]", floor)
        if rules.cap is not None:
            self._check_currency("goodwill.cap", rules.cap)
        if rules.courtesy is not None:
            self._check_currency("goodwill.courtesy", rules.courtesy)
        missing = [tier for tier in self.tiers if tier not in rules.tier_factors]
        if missing:
            raise _fail(
                "goodwill.tier_factors", dict(rules.tier_factors), f"has no factor for {missing}"
            )
        unknown = [tier for tier in rules.tier_factors if tier not in self.tiers]
        if unknown:
            raise _fail(
                "goodwill.tier_factors", dict(rules.tier_factors), f"names unknown tiers {unknown}"
            )
        _non_decreasing(
            "goodwill.tier_factors",
            ((tier, rules.tier_factors[tier]) for tier in self.tiers),
            "tier",
        )
        top = self.roles[-1].limit
        if top is not None:
            if rules.cap is None:
                raise _fail(
                    "goodwill.cap",
                    None,
                    f"leaves goodwill unbounded but the top role {self.roles[-1].name!r} "
                    "has a limit; set a cap or make the top role unlimited",
                )
            if rules.cap > top:
                raise _fail(
                    "goodwill.cap",
                    rules.cap,
                    f"is above what the top role {self.roles[-1].name!r} may grant ({top})",
                )

    def _check_budgets(self) -> None:
        seen: set[tuple[str | None, str]] = set()
        top = self.roles[-1].name
        for index, budget in enumerate(self.budgets):
            path = f"budgets[{index}]"
            self._check_currency(f"{path}.limit", budget.limit)
            if not budget.limit.is_whole():
                raise _fail(f"{path}.limit", budget.limit, "is not a whole number of minor units")
            if budget.role is not None and budget.role not in self._role_names():
                raise _fail(
                    f"{path}.role", budget.role, f"is not a role ({', '.join(self._role_names())})"
                )
            if budget.role == top:
                raise _fail(
                    f"{path}.role",
                    budget.role,
                    "is the top role, where escalations end; someone must always be able to "
                    "grant, so the top role cannot have a budget",
                )
            if (budget.role, budget.period) in seen:
                raise _fail(path, budget.label, "is a second budget for the same role and period")
            seen.add((budget.role, budget.period))

    def _role_names(self) -> list[str]:
        return [role.name for role in self.roles]

    def budgets_for(self, role: str) -> tuple[Budget, ...]:
        """The budgets that hold back *role*'s on-the-spot goodwill: its own and the overall ones.

        The top role has none: escalations end there.
        """
        if role == self.roles[-1].name:
            return ()
        return tuple(budget for budget in self.budgets if budget.role in (None, role))

    def _check_currency(self, path: str, amount: Money) -> None:
        if amount.currency != self.currency:
            raise _fail(path, amount, f"is not in the policy's currency {self.currency!r}")

    @property
    def zero(self) -> Money:
        """Nothing, in the policy's currency."""
        return Money(0, self.currency)

    def role_index(self, name: str) -> int | None:
        """Return the position of the role called *name*, lowest first, or None."""
        return self._tables.role_index.get(name)

    def candidates_for(self, kind: str) -> tuple[Offer, ...]:
        """The offers considered for an issue *kind*, always ending with a cash refund."""
        return self._tables.candidates.get(kind, self._tables.default_candidates)

    def settings_for(self, plugin: str) -> Mapping[str, object]:
        """The settings for the plugin called *plugin*; empty when there are none."""
        return self.settings.get(plugin, _NO_SETTINGS)

    def valuation(self, kind: RemedyKind) -> Valuation:
        """How a remedy of *kind* is sized and costed under this policy."""
        return self.valuations[kind]

    @classmethod
    def default(cls, currency: str = "USD") -> Policy:
        """A sensible starting policy in *currency*.

        Amounts are written for a two-decimal currency such as USD or BRL and
        scaled by ``10 ** (2 - minor units)``: 50 USD is 5000 JPY and 5 KWD.
        """
        code = _currency(currency)
        scale = Decimal(10) ** (2 - minor_units(code))

        def money(amount: int) -> Money:
            return Money(Decimal(amount) * scale, code)

        replace_then_credit = Offer(RemedyKind.REPLACEMENT, RemedyKind.STORE_CREDIT)
        refund = Offer(RemedyKind.REFUND)
        credit = Offer(RemedyKind.STORE_CREDIT)
        return cls(
            currency=code,
            tiers=("standard", "plus", "vip"),
            roles=(
                Role("agent", money(50)),
                Role("lead", money(250)),
                Role("owner", None),
            ),
            goodwill=GoodwillRules(
                rates=("0.05", "0.10", "0.15", "0.20", "0.25"),
                floors=tuple(money(amount) for amount in (0, 2, 5, 10, 20)),
                tier_factors={"standard": 1, "plus": "1.25", "vip": "1.5"},
                tenure_factors=((1, "1.1"), (3, "1.25"), (5, "1.5")),
                kind_factors={"pricing_error": "0.5", "miscommunication": "0.5"},
                cap=money(500),
                courtesy=money(5),
            ),
            offers={
                "damaged": (replace_then_credit, refund, credit),
                "defect": (replace_then_credit, refund, credit),
                "missing_item": (replace_then_credit, refund),
                "late": (Offer(RemedyKind.WAIVE_FEE, RemedyKind.STORE_CREDIT), refund, credit),
                "pricing_error": (refund, Offer(RemedyKind.DISCOUNT)),
                "miscommunication": (credit, Offer(RemedyKind.DISCOUNT), refund),
                "service_failure": (Offer(RemedyKind.EXPEDITE, RemedyKind.STORE_CREDIT), refund),
            },
            default_offers=(refund, credit),
            valuations={
                RemedyKind.REFUND: Valuation(0, 1),
                RemedyKind.REPLACEMENT: Valuation(0, "0.6"),
                RemedyKind.STORE_CREDIT: Valuation("0.10", "0.6"),
                RemedyKind.DISCOUNT: Valuation("0.05", "0.6"),
                RemedyKind.KEEP_ITEM: Valuation(0, "0.6"),
                RemedyKind.WAIVE_FEE: Valuation(0, 1),
                RemedyKind.EXPEDITE: Valuation(0, "0.8"),
            },
            favor_margin="0.25",
            name=f"default-{code}",
            settings={"conduct_filter": {"enabled": True}},
        )
