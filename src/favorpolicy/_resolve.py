"""resolve(): decide what makes an issue right, leaning toward the customer.

The steps run in a fixed order and each leaves a :class:`Reason`:

1. owed: the loss, unless the customer caused it;
2. goodwill: the policy's table, capped, rounded up;
3. candidates: each offered package sized to reach the total;
4. choice: among the close calls, the customer's side wins;
5. authority: owed always now, goodwill up to the role's limit now, the rest escalated.

The arithmetic runs on plain Decimals in the private Money context and reads
the policy's precomputed :class:`~favorpolicy._tables.Tables`; Money objects
are made only for what the Resolution holds.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final, NamedTuple

from . import _reasons as reasons
from ._canon import key_of, utc
from ._model import (
    NO_VERDICT,
    Customer,
    Explanation,
    Fault,
    Issue,
    Level,
    Reason,
    Remedy,
    RemedyKind,
    Resolution,
    ScreenVerdict,
    explained,
    handed_over,
    unchecked,
)
from ._money import CONTEXT, MAX_AMOUNT, MIN_AMOUNT, total_of, trusted_money
from ._packages import choose, packages_of, sized
from ._plugins import Calls, PluginManager, default_manager
from ._policy import Offer, Policy, tables_of
from ._reasons import Note, written
from ._rule_facts import whole_years
from ._rules import Rule, matching
from ._ruling import (
    NOT_REQUIRED,
    choices_of,
    kept,
    raised_terms,
    recommended_first,
    required_first,
    review,
    reviewer_of,
    ruled_amount,
    ruled_offers,
)
from ._show import show
from ._tables import Package, Tables
from ._versions import AnyPolicy, in_force
from .exceptions import (
    CurrencyMismatch,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPlugins,
    InvalidPolicy,
    UnknownRole,
    UnknownTier,
)

__all__ = [
    "Decision",
    "check_inputs",
    "decide",
    "decision_key",
    "plugins_or_default",
    "resolution_for",
    "resolution_with",
    "resolve",
]

_ZERO: Final = Decimal(0)
# Every sum in favorpolicy's own context, never the caller's (decimal.getcontext()).
_add: Final = CONTEXT.add
_ONE: Final = Decimal(1)
# Enum members as plain names: reading ``Level.RESTRICT`` costs a class attribute
# lookup through the enum machinery, ten times a global's cost, on every ticket.
_WARN: Final = Level.WARN
_RESTRICT: Final = Level.RESTRICT
_REFUSE: Final = Level.REFUSE
_CUSTOMER: Final = Fault.CUSTOMER
_REFUND_ONLY: Final = (Offer(RemedyKind.REFUND),)
_CASH_OR_REPLACEMENT: Final = (Offer(RemedyKind.REFUND), Offer(RemedyKind.REPLACEMENT))


def resolve(
    issue: Issue,
    customer: Customer,
    policy: AnyPolicy,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
    as_of: date | datetime | None = None,
) -> Resolution:
    """Decide how to make *issue* right for *customer* under *policy*, acting as *role*.

    *plugins* is a manager from :func:`~favorpolicy.make_plugin_manager`; None
    means the built-in plugins only. *policy* may be a
    :class:`~favorpolicy.PolicyVersions`: the version in force on *as_of*, or
    else on the issue's ``occurred_at`` day, decides. The answer explains
    itself in ``Resolution.reasons`` and never gives the customer less than
    the bias contract promises (see docs/bias-contract.md), whatever the
    plugins do.
    """
    policy = in_force(policy, getattr(issue, "occurred_at", None), as_of)
    check_inputs(issue, customer, policy, role)
    manager = plugins_or_default(plugins)
    resolution = resolution_with(issue, customer, policy, role, manager, defer=True)
    if manager.delivery.emit_for(resolution, policy):
        # Its events are on their way; a ledger that records it must not send them again.
        handed_over(resolution)
    return resolution


def plugins_or_default(plugins: PluginManager | None) -> PluginManager:
    """*plugins*, checked; None means the built-in plugins only."""
    if plugins is None:
        return default_manager()
    if not isinstance(plugins, PluginManager):
        raise InvalidPlugins(
            f"plugins: {show(plugins)} is not a manager from favorpolicy.make_plugin_manager()"
        )
    return plugins


def resolution_for(
    issue: Issue,
    customer: Customer,
    policy: AnyPolicy,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
    as_of: date | datetime | None = None,
) -> Resolution:
    """:func:`resolve` without handing the events to the in-memory delivery.

    The ledger uses it: it writes the events to its outbox instead, in the
    same transaction as the resolution, and its relay delivers them.
    """
    policy = in_force(policy, getattr(issue, "occurred_at", None), as_of)
    check_inputs(issue, customer, policy, role)
    return resolution_with(issue, customer, policy, role, plugins_or_default(plugins), defer=True)


def resolution_with(
    issue: Issue,
    customer: Customer,
    policy: Policy,
    role: str,
    plugins: PluginManager,
    *,
    key: str | None = None,
    defer: bool = False,
) -> Resolution:
    """Decide, with inputs already checked; *key*, if given, is this decision's key.

    The steps leave notes, each a reason still to be written. With *defer*,
    writing them, the alternatives and the key is left to an
    :class:`_Explanation` that does it when one of them is first read. The
    ledger, which stores all of them at once, does not defer.
    """
    calls = Calls(plugins, policy)
    years = _tenure_years(issue, customer)
    currency = policy.currency
    notes: list[Note] = []
    steps = _decision(issue, customer, policy, role, calls, years, notes)
    verdict, owed, goodwill, ranked, granted_now, escalate_to, choices, keep_item = steps
    explanation: _Explanation | None = None
    if defer and not choices and _writable(notes, ranked):
        # Written when read: the three fields wait in the explanation, not in the slots.
        explanation = _Explanation(notes, ranked, issue, customer, policy, role, years, key)
        reasons: tuple[Reason, ...] = ()
        alternatives: tuple[tuple[Remedy, ...], ...] = ()
        known = "" if key is None else key
    else:
        reasons = written(notes)
        alternatives = _alternatives(ranked, currency)
        known = decision_key(issue, customer, policy, role, years) if key is None else key
    made = _new_resolution(
        issue_id=issue.id,
        customer_id=customer.id,
        role=role,
        remedies=_remedies(ranked[0], currency),
        owed=trusted_money(owed, currency),
        goodwill=trusted_money(goodwill, currency),
        total=trusted_money(_add(owed, goodwill), currency),
        granted_now=trusted_money(granted_now, currency),
        escalate_to=escalate_to,
        alternatives=alternatives,
        reasons=reasons,
        policy_fingerprint=policy.fingerprint,
        key=known,
        screen=verdict,
        faults=tuple(calls.faults),
        choices=tuple([_remedies(package, currency) for package in choices]) if choices else (),
        keep_item=keep_item,
    )
    return made if explanation is None else explained(made, explanation)


# resolve() made every value: the makers set them straight into the slots, by name.
_new_resolution: Final = unchecked(Resolution)
_new_remedy: Final = unchecked(Remedy)
_new_reason: Final = unchecked(Reason)


def _writable(notes: list[Note], ranked: list[Package]) -> bool:
    """Whether every amount the explanation names is one Money can hold.

    If one is not, writing the explanation raises :class:`InvalidMoney`, and it
    must do so now, from resolve(), as it would without deferring; so the
    Resolution is then written at once.
    """
    for _, facts in notes:
        for fact in facts:
            if type(fact) is Decimal and not MIN_AMOUNT < fact < MAX_AMOUNT:
                return False
    return all(
        value < MAX_AMOUNT and cost < MAX_AMOUNT
        for parts, *_ in ranked
        for _, value, cost, _ in parts
    )


def _alternatives(ranked: list[Package], currency: str) -> tuple[tuple[Remedy, ...], ...]:
    return tuple([_remedies(package, currency) for package in ranked[1:]])


class _Explanation(Explanation):
    """A Resolution's reasons, alternatives and key, written when one is first read.

    It holds what the decision found: the notes of its steps, the ranked
    packages and, for the key, the inputs and the tenure in years the decision
    used (so a decision made just before a customer's anniversary keeps its
    key after it). Nothing is decided again and no plugin is called again; a
    property test holds the result equal to writing it all at once.
    """

    __slots__ = ("customer", "issue", "key", "notes", "policy", "ranked", "role", "years")

    def __init__(  # noqa: PLR0917  # what one decision found and was made from
        self,
        notes: list[Note],
        ranked: list[Package],
        issue: Issue,
        customer: Customer,
        policy: Policy,
        role: str,
        years: int,
        key: str | None,
    ) -> None:
        super().__init__()
        self.key = key  # known already when the ledger worked it out to look it up
        self.notes = notes
        self.ranked = ranked
        self.issue = issue
        self.customer = customer
        self.policy = policy
        self.role = role
        self.years = years

    def write(self, name: str) -> object:
        if name == "reasons":
            return written(self.notes)
        if name == "alternatives":
            return _alternatives(self.ranked, self.policy.currency)
        if self.key is not None:
            return self.key
        return decision_key(self.issue, self.customer, self.policy, self.role, self.years)


class Decision(NamedTuple):
    """The figures of a decision, without its explanation: what a backtest adds up.

    Equal to the matching fields of the :class:`Resolution` that
    :func:`resolve` gives for the same inputs, as plain Decimals.
    """

    owed: Decimal
    goodwill: Decimal
    granted_now: Decimal
    escalate_to: str | None
    #: what the chosen remedies cost the business
    cost: Decimal
    level: Level
    faults: int

    @property
    def total(self) -> Decimal:
        return _add(self.owed, self.goodwill)


def decide(
    issue: Issue,
    customer: Customer,
    policy: AnyPolicy,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
    as_of: date | datetime | None = None,
) -> Decision:
    """:func:`resolve`'s figures, for a backtest: no reasons, no key, no events.

    It skips everything that only explains the decision, so ``favorpolicy
    simulate`` runs several times faster than with resolve(); the figures are
    the same (a property test holds it to that).
    """
    policy = in_force(policy, getattr(issue, "occurred_at", None), as_of)
    check_inputs(issue, customer, policy, role)
    calls = Calls(plugins_or_default(plugins), policy)
    years = _tenure_years(issue, customer)
    steps = _decision(issue, customer, policy, role, calls, years, None)
    verdict, owed, goodwill, ranked, granted_now, escalate_to = steps[:6]
    total = _add(owed, goodwill)
    if not total < MAX_AMOUNT:
        # resolve() cannot hold it in Money and raises; the figures must not differ.
        raise InvalidMoney(
            f"total: {total} for issue {show(issue.id)} is beyond what Money holds (10**18)"
        )
    return Decision(
        owed, goodwill, granted_now, escalate_to, ranked[0][2], verdict.level, len(calls.faults)
    )


#: What the steps of one decision found: the screen's verdict, owed, goodwill, the remedy
#: packages ranked (the one given first), granted now, the role escalated to, the
#: customer's choices ranked (none unless a matching rule lets them choose), and whether
#: they keep the item. A plain tuple: it is made once a decision.
_Steps = tuple[
    ScreenVerdict, Decimal, Decimal, list[Package], Decimal, str | None, list[Package], bool
]


def _decision(  # noqa: PLR0917  # the steps of one decision, shared by both paths
    issue: Issue,
    customer: Customer,
    policy: Policy,
    role: str,
    calls: Calls,
    years: int,
    notes: list[Note] | None,
) -> _Steps:
    """Run the steps, each noting its reason in *notes*.

    With *notes* None, explain nothing and rank only the first package.
    """
    tables = tables_of(policy)  # the policy's own precomputed view
    plan = calls.manager.plan()
    screened = plan.screen and (issue.conduct or not plan.conduct_only)
    verdict = calls.screen(issue, customer) if screened else NO_VERDICT
    hits = matching(tables.rules_for(issue.kind), issue, customer) if policy.rules else _NO_HITS
    owed = _owed(issue, tables, notes)
    ruled = ruled_amount(hits, issue, customer, tables, notes) if hits else _ZERO
    owed = max(owed, ruled)
    if verdict.level >= _RESTRICT:
        goodwill = _ZERO
        if notes is not None:
            notes.append((reasons.withheld, (verdict, policy.currency)))
    else:
        if verdict.level is _WARN and notes is not None:
            notes.append((reasons.warned, (verdict,)))
        goodwill = _goodwill(
            issue, customer, tables, years, notes, hits, CONTEXT.subtract(owed, ruled)
        )
        if plan.goodwill and _plugin_goodwill_applies(issue):
            goodwill = _plugin_goodwill(calls, issue, customer, tables, goodwill, notes=notes)
    offers = _offers(policy, issue, verdict)
    required = NOT_REQUIRED
    if hits:
        offers, required = ruled_offers(offers, hits, verdict.level >= _RESTRICT)
    candidates = plan.candidates and verdict.level < _RESTRICT
    if notes is None and not plan.own_cost and not candidates:
        # The policy's own remedies only, and no explanation: only the first choice
        # matters, and a repeat ranks just after its twin, so the repeats may stay.
        packages = sized(tables, offers, owed, goodwill)
    else:
        packages = packages_of(tables, offers, owed, goodwill)
        if plan.own_cost:
            packages = [_recosted(calls, tables, package, issue, customer) for package in packages]
        if candidates:
            packages += _plugin_packages(
                calls, tables, issue, customer, _add(owed, goodwill), first_order=len(packages)
            )
    ranked: list[Package] = (
        required_first(packages, required, customer, policy, tables, notes)
        if required[0]
        else choose(packages, customer, policy, tables, notes)
    )
    # A right of choice and keeping the item, where a matching rule gives them.
    choices, keep_item = (
        _rule_extras(calls, tables, hits, issue, customer, verdict, (owed, goodwill), ranked, notes)
        if hits
        else _NO_EXTRAS
    )
    # The recommended choice is given until the customer picks.
    ranked = recommended_first(choices, ranked) if choices else ranked
    reviewer = reviewer_of(policy, tables, role, hits, goodwill) if hits else None
    if reviewer is None:
        granted_now, escalate_to = _authority(policy, tables, role, owed, goodwill, notes=notes)
    else:
        granted_now, escalate_to = review(hits, role, owed, reviewer, goodwill, policy, notes)
    return (verdict, owed, goodwill, ranked, granted_now, escalate_to, choices, keep_item)


_NO_EXTRAS: Final[tuple[list[Package], bool]] = ([], False)


def _rule_extras(  # noqa: PLR0917  # what the rules' choice and keep read
    calls: Calls,
    tables: Tables,
    hits: list[Rule],
    issue: Issue,
    customer: Customer,
    verdict: ScreenVerdict,
    amounts: tuple[Decimal, Decimal],
    ranked: list[Package],
    notes: list[Note] | None,
) -> tuple[list[Package], bool]:
    """The customer's choices, ranked, and whether they keep the item."""
    own_cost = calls.manager.plan().own_cost
    recost = (lambda p: _recosted(calls, tables, p, issue, customer)) if own_cost else None
    currency = issue.loss.currency
    choices = choices_of(hits, tables, customer, amounts, ranked[0], recost, currency, notes)
    return choices, kept(hits, verdict.level >= _RESTRICT, notes)


def _offers(policy: Policy, issue: Issue, verdict: ScreenVerdict) -> tuple[Offer, ...]:
    if verdict.level is _REFUSE:
        return _REFUND_ONLY
    if verdict.level is _RESTRICT:
        return _CASH_OR_REPLACEMENT
    return policy.candidates_for(issue.kind)


_NO_HITS: Final[list[Rule]] = []


def _plugin_goodwill_applies(issue: Issue) -> bool:
    return issue.fault is not _CUSTOMER and not _is_honoured_pricing_error(issue)


def _plugin_goodwill(
    calls: Calls,
    issue: Issue,
    customer: Customer,
    tables: Tables,
    goodwill: Decimal,
    *,
    notes: list[Note] | None,
) -> Decimal:
    currency = issue.loss.currency
    for plugin, suggestion in calls.goodwill(issue, customer):
        amount = suggestion.amount
        if tables.cap is not None and amount > tables.cap:
            amount = tables.cap
        amount = tables.round_up(amount)
        if amount > goodwill:
            goodwill = amount
            if notes is not None:
                notes.append(
                    (reasons.raised, (plugin, amount, amount != suggestion.amount, currency))
                )
    return goodwill


def _cost(
    calls: Calls, tables: Tables, remedy: Remedy, issue: Issue, customer: Customer
) -> Decimal:
    cost = calls.cost(remedy, issue, customer)
    if cost is None:  # no cost plugin answered: the policy's own valuation
        return tables.valuation_cost(remedy.kind, remedy.value.amount)
    return tables.round_up(cost.amount)


def _recosted(
    calls: Calls, tables: Tables, package: Package, issue: Issue, customer: Customer
) -> Package:
    currency = issue.loss.currency
    parts = tuple(
        (
            kind,
            value,
            _cost(calls, tables, Remedy(kind, trusted_money(value, currency)), issue, customer),
            note,
        )
        for kind, value, _, note in package[0]
    )
    return (parts, package[1], total_of(part[2] for part in parts), package[3])


def _plugin_packages(
    calls: Calls,
    tables: Tables,
    issue: Issue,
    customer: Customer,
    total: Decimal,
    *,
    first_order: int,
) -> list[Package]:
    packages = []
    offered = calls.candidates(issue, customer, trusted_money(total, issue.loss.currency))
    for order, (_, remedies) in enumerate(offered, first_order):
        parts = tuple(
            (
                remedy.kind,
                remedy.value.amount,
                remedy.cost.amount
                if remedy.cost is not None
                else _cost(calls, tables, remedy, issue, customer),
                remedy.note,
            )
            for remedy in remedies
        )
        value = total_of(part[1] for part in parts)
        packages.append((parts, value, total_of(part[2] for part in parts), order))
    return packages


def decision_key(
    issue: Issue, customer: Customer, policy: Policy, role: str, years: int | None = None
) -> str:
    """A deterministic key for one decision: equal inputs give an equal key.

    It covers every field of the issue and the customer, the role, the
    policy's fingerprint and the tenure in whole years the decision used.
    """
    if years is None:
        years = _tenure_years(issue, customer)
    return key_of(issue, customer, policy.terms_fingerprint, role, years)


def check_inputs(issue: Issue, customer: Customer, policy: Policy, role: str) -> None:
    """Refuse what resolve() cannot decide on: wrong types, currency, role or tier."""
    if not isinstance(issue, Issue):
        raise InvalidIssue(f"issue: {show(issue)} is a {type(issue).__name__}, not an Issue")
    if not isinstance(customer, Customer):
        raise InvalidCustomer(
            f"customer: {show(customer)} is a {type(customer).__name__}, not a Customer"
        )
    if not isinstance(policy, Policy):
        raise InvalidPolicy(f"policy: {show(policy)} is a {type(policy).__name__}, not a Policy")
    if issue.loss.currency != policy.currency:
        raise CurrencyMismatch(
            f"issue.loss: {issue.loss} is not in the policy's currency {policy.currency!r}"
        )
    if not isinstance(role, str) or policy.role_index(role) is None:
        known = ", ".join(r.name for r in policy.roles)
        raise UnknownRole(f"role: {show(role)} is not a role of this policy ({known})")
    if customer.tier not in policy.goodwill.tier_factors:
        raise UnknownTier(
            f"customer.tier: {show(customer.tier)} is not a tier of this policy "
            f"({', '.join(policy.tiers)})"
        )


def _is_honoured_pricing_error(issue: Issue) -> bool:
    return issue.kind == "pricing_error" and issue.loss.amount == 0


def _owed(issue: Issue, tables: Tables, notes: list[Note] | None) -> Decimal:
    if _is_honoured_pricing_error(issue) or issue.fault is _CUSTOMER:
        owed = _ZERO
    else:
        owed = tables.round_up(issue.loss.amount)
    if notes is not None:
        notes.append((reasons.owed_reason, (issue, owed, _is_honoured_pricing_error(issue))))
    return owed


def _tenure_years(issue: Issue, customer: Customer) -> int:
    since = customer.since
    if since is None:
        return 0
    # Without a date on the issue, tenure counts to today.
    # The day in UTC, as the key writes the instant: one instant, one tenure, in any zone.
    as_of = utc(issue.occurred_at).date() if issue.occurred_at is not None else date.today()  # noqa: DTZ011
    return whole_years(since, as_of)


def _goodwill(  # noqa: PLR0917  # what the goodwill step reads
    issue: Issue,
    customer: Customer,
    tables: Tables,
    years: int,
    notes: list[Note] | None,
    hits: list[Rule],
    made_whole: Decimal,
) -> Decimal:
    """The goodwill; *made_whole* is what is owed beyond what the rules owe (the loss part)."""
    currency = issue.loss.currency
    if _is_honoured_pricing_error(issue):
        return _ZERO
    if issue.fault is _CUSTOMER:
        goodwill = tables.courtesy
        if notes is not None:
            notes.append((reasons.courtesy, (goodwill, currency)))
    else:
        goodwill = _table_goodwill(issue, customer, tables, years, notes, hits)
        # The same case with the customer at fault gets the rules' amounts and the courtesy:
        # a fault of the business's never gets less.
        lifted = CONTEXT.subtract(tables.courtesy, made_whole)
        if goodwill < lifted:
            goodwill = lifted
            if notes is not None:
                notes.append((reasons.lifted_to_courtesy, (tables.courtesy, lifted, currency)))
    if tables.cap is not None and goodwill > tables.cap:
        goodwill = tables.cap
        if notes is not None:
            notes.append((reasons.capped, (goodwill, currency)))
    rounded = tables.round_up(goodwill)
    if notes is not None and rounded != goodwill:
        notes.append((reasons.rounded, (goodwill, rounded, currency)))
    return rounded


def _table_goodwill(  # noqa: PLR0917  # what the table reads
    issue: Issue,
    customer: Customer,
    tables: Tables,
    years: int,
    notes: list[Note] | None,
    hits: list[Rule],
) -> Decimal:
    """The goodwill table's amount; a matching rule's rate, floor or factor only raises it."""
    rate = tables.rates[issue.severity - 1]
    floor = tables.floors[issue.severity - 1]
    tier = tables.tier_factors[customer.tier]
    tenure = _ONE
    for threshold, factor in tables.tenure_factors:
        if years >= threshold:
            tenure = factor
    kind = tables.kind_factors.get(issue.kind, _ONE)
    raising: tuple[Rule, ...] = ()
    if hits:
        rate, floor, kind, raising = raised_terms(hits, rate, floor, kind)
    multiply, add = CONTEXT.multiply, CONTEXT.add
    goodwill = multiply(
        add(multiply(issue.loss.amount, rate), floor), multiply(multiply(tier, tenure), kind)
    )
    if notes is not None:
        if raising:
            notes.append((reasons.rule_goodwill, (raising, rate, floor, kind)))
        notes.append(
            (
                reasons.table_goodwill,
                (issue, customer, tables, years, tier, tenure, kind, goodwill),
            )
        )
    return goodwill


def _remedies(package: Package, currency: str) -> tuple[Remedy, ...]:
    return tuple(
        [
            _new_remedy(
                kind=kind,
                value=trusted_money(value, currency),
                cost=trusted_money(cost, currency),
                note=note,
            )
            for kind, value, cost, note in package[0]
        ]
    )


def _authority(
    policy: Policy,
    tables: Tables,
    role: str,
    owed: Decimal,
    goodwill: Decimal,
    *,
    notes: list[Note] | None,
) -> tuple[Decimal, str | None]:
    in_limit = tables.limits_up[tables.role_index[role]]
    if in_limit is None or goodwill <= in_limit:
        granted = _add(owed, goodwill)
        if notes is not None:
            notes.append((reasons.granted_all, (role, granted, policy.currency)))
        return granted, None
    granted = _add(owed, in_limit)
    above = policy.roles[tables.covering(goodwill, above=tables.role_index[role])].name
    if notes is not None:
        currency = policy.currency
        notes.append((reasons.granted_part, (role, granted, owed, in_limit, currency)))
        notes.append((reasons.escalated, (above, CONTEXT.subtract(goodwill, in_limit), currency)))
    return granted, above
