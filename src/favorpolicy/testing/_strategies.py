"""Hypothesis strategies for favorpolicy's values.

They generate only *valid* values, including the edges: zero, one minor unit,
amounts near the maximum, zero- and three-decimal currencies, empty and
non-ASCII text, and every enum member.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, TypeVar

from hypothesis import strategies as st

from .._model import BUILTIN_KINDS, Customer, Fault, Issue, RemedyKind
from .._money import MINOR_UNITS, Money
from .._policy import GoodwillRules, Offer, Policy, Role, Valuation

__all__ = [
    "currencies",
    "customers",
    "issues",
    "money",
    "policies",
    "scenarios",
]

#: Currencies the strategies draw from by default: two, zero and three decimals.
EDGE_CURRENCIES: Final = ("USD", "EUR", "BRL", "JPY", "KRW", "KWD", "BHD")

_T = TypeVar("_T")
_MONEY_KINDS: Final = tuple(kind for kind in RemedyKind if kind is not RemedyKind.APOLOGY)
_FIRST_DAY: Final = date(1990, 1, 1)
_LAST_DAY: Final = date(2035, 12, 31)
# Hypothesis wants naive bounds for st.datetimes() and adds the time zone itself.
_FIRST_MOMENT: Final = datetime(2000, 1, 1)  # noqa: DTZ001
_LAST_MOMENT: Final = datetime(2035, 1, 1)  # noqa: DTZ001


def as_strategy(
    value: _T | st.SearchStrategy[_T] | None, default: st.SearchStrategy[_T]
) -> st.SearchStrategy[_T]:
    """*value* as a strategy: a strategy stays, a value becomes ``just(value)``, None *default*."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes, biased toward the edges (JPY, KWD) but covering the whole table."""
    return st.sampled_from(EDGE_CURRENCIES) | st.sampled_from(sorted(MINOR_UNITS))


@st.composite
def _amount(
    draw: st.DrawFn, currency: str, min_value: int, max_value: int, extra_places: int
) -> Decimal:
    places = MINOR_UNITS[currency] + draw(st.integers(0, extra_places))
    scale = 10**places
    units = draw(
        st.one_of(
            st.sampled_from([min_value * scale, min_value * scale + 1, max_value * scale]),
            st.integers(min_value * scale, max(min_value, min(max_value, 1000)) * scale),
            st.integers(min_value * scale, max_value * scale),
        )
    )
    return Decimal(units).scaleb(-places)


def money(
    currency: str | st.SearchStrategy[str] | None = None,
    *,
    min_value: int = 0,
    max_value: int = 10**12,
    extra_places: int = 0,
) -> st.SearchStrategy[Money]:
    """Money in *currency* (a code, a strategy of codes, or any) between the bounds.

    ``extra_places`` allows that many digits beyond the currency's minor unit,
    to exercise rounding.
    """
    codes = as_strategy(currency, currencies())
    return codes.flatmap(
        lambda code: _amount(code, min_value, max_value, extra_places).map(
            lambda amount: Money(amount, code)
        )
    )


def _text() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.text(max_size=40), st.sampled_from(["ação", "Ünïcødé 🙂"]))


def _ids() -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=12).filter(str.strip)


def customers(
    policy: Policy | None = None, *, tiers: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Customer]:
    """Customers whose tier belongs to *policy* (or the default tiers)."""
    tier_names = policy.tiers if policy is not None else ("standard", "plus", "vip")
    return st.builds(
        Customer,
        id=_ids(),
        tier=tiers if tiers is not None else st.sampled_from(tier_names),
        since=st.none() | st.dates(_FIRST_DAY, _LAST_DAY),
        lifetime_value=st.none() | money(policy.currency if policy else None, max_value=10**7),
        prior_remedies=st.integers(0, 50),
        preference=st.none() | st.sampled_from(RemedyKind),
    )


def _kinds() -> st.SearchStrategy[str]:
    return st.sampled_from(BUILTIN_KINDS) | _ids()


def issues(
    currency: str | None = None,
    *,
    kinds: st.SearchStrategy[str] | None = None,
    faults: st.SearchStrategy[Fault] | None = None,
    max_loss: int = 10**9,
) -> st.SearchStrategy[Issue]:
    """Issues in *currency* (or any), with every fault, severity and built-in kind."""
    codes = as_strategy(currency, currencies())

    def build(code: str) -> st.SearchStrategy[Issue]:
        return st.builds(
            Issue,
            id=_ids(),
            kind=kinds if kinds is not None else _kinds(),
            fault=faults if faults is not None else st.sampled_from(Fault),
            loss=money(code, max_value=max_loss, extra_places=3),
            order_value=st.none() | money(code, max_value=max_loss),
            severity=st.integers(1, 5),
            conduct=_text(),
            channel=st.sampled_from(["", "email", "phone", "chat", "loja física"]),
            occurred_at=st.none()
            | st.datetimes(_FIRST_MOMENT, _LAST_MOMENT, timezones=st.just(UTC)),
        )

    return codes.flatmap(build)


def _rising(values: st.SearchStrategy[Decimal], size: int) -> st.SearchStrategy[list[Decimal]]:
    return st.lists(values, min_size=size, max_size=size).map(sorted)


def _rates(low: str, high: str, places: int = 3) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places)


@st.composite
def _policy(draw: st.DrawFn, currency: str) -> Policy:
    def amount(max_value: int) -> Money:
        return draw(money(currency, max_value=max_value))

    tiers = draw(st.lists(_ids(), min_size=1, max_size=4, unique=True))
    role_names = draw(st.lists(_ids(), min_size=1, max_size=4, unique=True))
    limits = sorted(amount(10**6).amount for _ in role_names)
    unlimited_top = draw(st.booleans())
    roles = [
        Role(name, Money(limit, currency)) for name, limit in zip(role_names, limits, strict=True)
    ]
    if unlimited_top:
        roles[-1] = Role(role_names[-1], None)
    top = roles[-1].limit
    if top is None:
        cap = draw(st.none() | money(currency, max_value=10**7))
    else:
        cap = Money(draw(st.decimals(0, top.amount, places=MINOR_UNITS[currency])), currency)
    courtesy = draw(st.none() | money(currency, max_value=100))
    tenure_years = sorted(draw(st.sets(st.integers(0, 30), max_size=3)))
    tenure = list(
        zip(tenure_years, draw(_rising(_rates("1", "3"), len(tenure_years))), strict=True)
    )
    floors = [Money(value, currency) for value in sorted(amount(1000).amount for _ in range(5))]
    goodwill = GoodwillRules(
        rates=draw(_rising(_rates("0", "1"), 5)),
        floors=floors,
        tier_factors=dict(zip(tiers, draw(_rising(_rates("0", "3"), len(tiers))), strict=True)),
        tenure_factors=tenure,
        kind_factors=draw(st.dictionaries(_kinds(), _rates("0", "2"), max_size=3)),
        cap=cap,
        courtesy=courtesy,
    )
    offer = st.builds(
        Offer,
        whole=st.sampled_from(_MONEY_KINDS),
        extra=st.none() | st.sampled_from(_MONEY_KINDS),
    )
    offers = draw(st.dictionaries(_kinds(), st.lists(offer, min_size=1, max_size=4), max_size=4))
    valuations = draw(
        st.dictionaries(
            st.sampled_from(_MONEY_KINDS),
            st.builds(Valuation, bonus=_rates("0", "0.5"), cost_rate=_rates("0", "1.5")),
        )
    )
    return Policy(
        currency=currency,
        tiers=tiers,
        roles=roles,
        goodwill=goodwill,
        offers=offers,
        default_offers=draw(st.lists(offer, max_size=3)),
        valuations=valuations,
        favor_margin=draw(_rates("0", "1", places=2)),
        name=draw(_ids()),
    )


def policies(currency: str | None = None) -> st.SearchStrategy[Policy]:
    """Valid policies: the default one, and arbitrary ones that pass validation."""
    codes = as_strategy(currency, currencies())
    return codes.flatmap(lambda code: st.just(Policy.default(code)) | _policy(code))


@st.composite
def scenarios(
    draw: st.DrawFn, policy: st.SearchStrategy[Policy] | None = None
) -> tuple[Policy, Customer, Issue, str]:
    """A whole decision to make: ``(policy, customer, issue, role)``, all consistent."""
    chosen = draw(policy if policy is not None else policies())
    customer = draw(customers(chosen))
    issue = draw(issues(chosen.currency))
    role = draw(st.sampled_from([role.name for role in chosen.roles]))
    return chosen, customer, issue, role
