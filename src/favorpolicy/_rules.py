"""Rules: conditions on any fact of a ticket, and what a matching rule gives.

A :class:`Rule` has a name, conditions (``when``, and ``unless`` groups that
exclude), and actions: an amount owed (:class:`Owe`), goodwill settings and
offers. Every matching rule applies; where two set the same thing, the one
that gives the customer more wins (see docs/policy-rules.md, "The hit
policy"). ``_rule_checks`` refuses, when a policy is built, a rule that could
give less as a case gets worse.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from ._canon import canonical, utc
from ._facts import checked_fact
from ._model import Customer, Fault, Issue, RemedyKind, check_text
from ._money import CONTEXT, Money
from ._policy_parts import Offer, instances_at, invalid, rate_at, sequence_at
from ._rule_facts import FACTS, MISSING, Fact, fact_of, fact_value, named_fact
from ._show import show
from .exceptions import InvalidPolicy

__all__ = [
    "DOWN_OPS",
    "FACTS",
    "MISSING",
    "ORDER_OPS",
    "SET_OPS",
    "UP_OPS",
    "Band",
    "Basis",
    "Condition",
    "Fact",
    "Op",
    "Owe",
    "Rule",
    "Table",
    "by_kind",
    "fact_of",
    "family_of",
    "fact_value",
    "matching",
    "named_fact",
]


class Op(enum.StrEnum):
    """How a condition tests a fact."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    #: The ticket does not have the fact at all.
    MISSING = "missing"


class Basis(enum.StrEnum):
    """Why a rule gives what it gives: the business's own policy, or the law."""

    POLICY = "policy"
    LAW = "law"


SET_OPS: Final = frozenset({Op.IN, Op.NOT_IN})
ORDER_OPS: Final = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
UP_OPS: Final = frozenset({Op.GT, Op.GE})
DOWN_OPS: Final = frozenset({Op.LT, Op.LE})


# ---- conditions ------------------------------------------------------------------------------


def _number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _family(value: object) -> str:
    """Values compare only within a family: a bool is not the number 1, a date not a text."""
    if isinstance(value, bool):
        return "bool"
    if _number(value):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, Fault):
        return "fault"
    return "text"


def _fact_name(value: object) -> str:
    if not isinstance(value, str) or fact_of(value) is None:
        known = ", ".join(FACTS)
        raise InvalidPolicy(
            f"fact: {show(value)} is not a fact; use one of {known}, "
            "facts.NAME or customer.facts.NAME"
        )
    return value


def _op(value: object) -> Op:
    try:
        return Op(value)  # type: ignore[arg-type]  # ValueError covers the rest
    except ValueError:
        raise invalid("op", value, f"is not one of {', '.join(Op)}") from None


def _one_value(fact: Fact, value: object) -> object:
    if fact.kind == "fault":
        try:
            return Fault(value.strip().lower() if isinstance(value, str) else value)
        except ValueError:
            faults = ", ".join(f.value for f in Fault)
            raise invalid("value", value, f"is not a fault ({faults})") from None
    if fact.kind in {"money", "number"}:
        if isinstance(value, str):
            return rate_at("value", value) if not value.strip().startswith("-") else _neg(value)
        if not _number(value):
            raise invalid("value", value, "is not a number (an int or a Decimal)")
        return checked_fact("value", value, InvalidPolicy)
    if fact.kind in {"text", "tier"}:
        if not isinstance(value, str):
            raise invalid("value", value, "is not text")
        check_text("value", value, InvalidPolicy, 1_000)
        return value
    # Any other fact: a value as a fact could hold it, under the same bounds.
    return checked_fact("value", value, InvalidPolicy)


def _plain(value: object) -> object:
    """One form for one value: a whole Decimal is an int (so ``5`` and ``Decimal(5)`` are
    one condition, with one fingerprint), a datetime is in UTC (a naive one taken as UTC,
    as everywhere), and a subclass of a plain type is the plain type."""
    if isinstance(value, bool | Fault):
        return value
    if isinstance(value, Decimal):
        # Checked first (checked_fact): finite and below 10**18, so int() is cheap.
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime):
        return utc(datetime.combine(value.date(), value.timetz()))
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return value


def _typed(value: object) -> object:
    """What a condition's value is compared by: each with its family, so True is not 1."""
    if isinstance(value, tuple):
        return tuple((_family(item), item) for item in value)
    return (_family(value), value)


def _neg(text: str) -> Decimal:
    return -rate_at("value", text.strip()[1:])


def _sort_key(value: object) -> tuple[str, str]:
    return (_family(value), str(canonical(value)))


_MAX_SET: Final = 1_000


@attrs.frozen
class Condition:
    """One test of one fact: ``Condition("days_since_delivery", "le", 7)``.

    *op* is ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge`` or
    ``missing``; ``in`` and ``not_in`` take a collection. A fact the ticket
    does not have never matches (except ``missing``), nor does a value of
    another type: the fact ``True`` is not the number 1.
    """

    fact: str = attrs.field(converter=_fact_name)
    op: Op = attrs.field(converter=_op)
    value: Any = attrs.field(default=None, eq=False)
    # The value with its family: what equality and the hash compare (True is not 1).
    _compared: object = attrs.field(init=False, repr=False, default=None)
    _test: Callable[[object], bool] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _read: Callable[[Issue, Customer], object] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        fact = fact_of(self.fact)
        assert fact is not None  # the converter checked it
        object.__setattr__(self, "_read", fact.read)
        op = self.op
        if op is Op.MISSING:
            if self.value is not None:
                raise invalid("value", self.value, "is given, but 'missing' tests no value")
            object.__setattr__(self, "_test", _is_missing)
            return
        if op in SET_OPS:
            if isinstance(self.value, str | bytes) or not isinstance(self.value, Iterable):
                raise invalid("value", self.value, f"is not a collection, as {op!r} needs")
            # Never more than one past the limit is taken: range(10**9) costs nothing.
            items = list(itertools.islice(self.value, _MAX_SET + 1))
            if not items or len(items) > _MAX_SET:
                raise invalid("value", self.value, f"must hold 1 to {_MAX_SET} values")
            # Unique by family and value: True and 1 are two members, 1 and Decimal(1) one.
            unique = {(_family(v), v): v for v in (_plain(_one_value(fact, i)) for i in items)}
            values = tuple(sorted(unique.values(), key=_sort_key))
            object.__setattr__(self, "value", values)
        else:
            value = _plain(_one_value(fact, self.value))
            if op in ORDER_OPS and _family(value) not in {"number", "date", "datetime"}:
                raise invalid("value", self.value, f"cannot be ordered; {op!r} needs a number")
            object.__setattr__(self, "value", value)
        object.__setattr__(self, "_test", _tester(op, self.value))
        object.__setattr__(self, "_compared", _typed(self.value))

    def matches(self, issue: Issue, customer: Customer) -> bool:
        """Whether this ticket passes the test."""
        return self._test(self._read(issue, customer))

    def test_parts(self) -> _Test:
        """How the condition reads its fact, and how it tests the value."""
        return (self._read, self._test)


#: A condition's reader of its fact and its test of the value.
_Test = tuple[Callable[[Issue, Customer], object], Callable[[object], bool]]


def _is_missing(value: object) -> bool:
    return value is MISSING


#: The exact types each family of values holds (the facts normalise subclasses away).
_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "bool": (bool,),
    "number": (int, Decimal),
    "datetime": (datetime,),
    "date": (date,),
    "fault": (Fault,),
    "text": (str,),
}
_FAMILY_OF_TYPE: Final[Mapping[type, str]] = {
    kind: family for family, kinds in _TYPES.items() for kind in kinds
}


def family_of(value: object) -> str | None:
    """The family of a fact's value (``number``, ``text``, ...), or None for MISSING."""
    return _FAMILY_OF_TYPE.get(type(value))


_COMPARE: Final[Mapping[Op, Callable[[Any, Any], bool]]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
}


def _tester(op: Op, wanted: Any) -> Callable[[object], bool]:
    if op in SET_OPS:
        # Each value with its family: True is not in {1}, though True == 1; and 7 is in
        # {Decimal("7.0")}, since equal numbers hash equal.
        members = frozenset((_family(item), item) for item in wanted)
        inside = op is Op.IN

        def in_set(value: object) -> bool:
            family = _FAMILY_OF_TYPE.get(type(value))
            return family is not None and ((family, value) in members) is inside

        return in_set
    allowed = _TYPES[_family(wanted)]
    compare = _COMPARE[op]

    def test(value: object) -> bool:
        return type(value) in allowed and compare(value, wanted)

    return test


# ---- what a rule owes ------------------------------------------------------------------------


def _non_negative(path: str, value: object) -> Money | None:
    """*value*, a non-negative Money, or None."""
    if value is None:
        return None
    if not isinstance(value, Money) or value.amount < 0:
        raise invalid(path, value, "is not a non-negative Money")
    return value


def _optional_money(value: object) -> Money | None:
    return _non_negative("amount", value)


def _band_upto(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().startswith("-"):
        return _neg(value)
    if _number(value):
        # NaN or Infinity would make the table unreadable; 1E+999999999 would overflow.
        return Decimal(checked_fact("upto", value, InvalidPolicy))  # type: ignore[arg-type]
    return rate_at("upto", value)


def _band_amount(value: object) -> Money:
    money = _non_negative("owe", value)
    if money is None:
        raise invalid("owe", value, "is not a non-negative Money")
    return money


@attrs.frozen
class Band:
    """One row of a table of amounts: *owe* when the fact is at most *upto* (None: no end)."""

    owe: Money = attrs.field(converter=_band_amount)
    upto: Decimal | None = attrs.field(default=None, converter=_band_upto)


def _bands(value: object) -> tuple[Band, ...]:
    return instances_at("bands", value, Band, limit=_MAX_SET)


def _optional_share(value: object) -> Decimal | None:
    if value is None:
        return None
    share = rate_at("share", value)
    if share > 100:
        raise invalid("share", value, "is more than 100 times the amount")
    return share


def _of(value: object) -> str:
    fact = _fact_name(value)
    if fact_of(fact).kind not in {"money", "number", "any"}:  # type: ignore[union-attr]
        raise invalid("of", value, "is not an amount: use loss, order_value or a fact")
    return fact


def _by(value: object) -> str | None:
    return None if value is None else _of(value)


@attrs.frozen
class Owe:
    """What a matching rule owes: one of a fixed *amount*, a *share* of a named amount
    (*of*: ``loss``, ``order_value`` or a fact), or *bands*: a table of amounts by the
    fact *by*, the first band whose ``upto`` the fact does not pass."""

    amount: Money | None = attrs.field(default=None, converter=_optional_money)
    share: Decimal | None = attrs.field(default=None, converter=_optional_share)
    of: str = attrs.field(default="loss", converter=_of)
    bands: tuple[Band, ...] = attrs.field(default=(), converter=_bands)
    by: str | None = attrs.field(default=None, converter=_by)

    def __attrs_post_init__(self) -> None:
        given = [self.amount is not None, self.share is not None, bool(self.bands)]
        if sum(given) != 1:
            raise InvalidPolicy(f"owe: {self!r} needs exactly one of amount, share or bands")
        if self.bands and self.by is None:
            raise invalid("by", None, "is missing; bands need the fact they are read by")
        if not self.bands and self.by is not None:
            raise invalid("by", self.by, "is given without bands")
        uptos = [band.upto for band in self.bands]
        if None in uptos[:-1]:
            raise invalid("bands", uptos, "has a band without upto before the last")
        closed = [upto for upto in uptos if upto is not None]
        if any(later <= earlier for earlier, later in itertools.pairwise(closed)):
            raise invalid("bands", closed, "is not in rising order of upto")

    def owed(self, issue: Issue, customer: Customer) -> Decimal | None:
        """What this owes for the ticket, before rounding; None when it does not apply."""
        if self.amount is not None:
            return self.amount.amount
        if self.share is not None:
            base = fact_value(self.of, issue, customer)
            if not _number(base) or base < 0:  # type: ignore[operator]  # a number
                return None
            return CONTEXT.multiply(self.share, base)  # type: ignore[arg-type]  # a number
        value = fact_value(self.by, issue, customer)  # type: ignore[arg-type]  # bands have by
        if not _number(value):
            return None
        for band in self.bands:
            if band.upto is None or value <= band.upto:  # type: ignore[operator]  # a number
                return band.owe.amount
        return None


# ---- rules -----------------------------------------------------------------------------------


def _rule_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("name", value, "is not a non-empty str")
    check_text("name", value, InvalidPolicy, 200)
    return value


def _conditions(path: str, value: object) -> tuple[Condition, ...]:
    if isinstance(value, Condition):
        value = (value,)
    conditions = instances_at(path, value, Condition, limit=100)
    unique = tuple(sorted(set(conditions), key=lambda c: (c.fact, c.op.value, repr(c.value))))
    for first, second in itertools.pairwise(unique):
        if (first.fact, first.op) == (second.fact, second.op):
            raise invalid(
                path,
                f"{first.fact} {first.op}",
                "is tested twice with one operator; keep the one you mean "
                "(together they are the stricter one, or never match)",
            )
    return unique


def _when(value: object) -> tuple[Condition, ...]:
    return _conditions("when", value)


def _as_given(path: str, item: object) -> object:
    return item


def _unless(value: object) -> tuple[tuple[Condition, ...], ...]:
    # One group of conditions, or several: a ticket matching every condition of any group
    # is excluded.
    if isinstance(value, Condition):
        return ((value,),)
    groups = sequence_at("unless", value, _as_given, limit=100)
    if groups and all(isinstance(item, Condition) for item in groups):
        return (_conditions("unless", groups),)
    checked = tuple(_conditions(f"unless[{i}]", group) for i, group in enumerate(groups))
    for index, group in enumerate(checked):
        if not group:
            raise invalid(f"unless[{index}]", [], "is empty, so it would leave out every ticket")
    return checked


def _optional_rate(value: object) -> Decimal | None:
    return None if value is None else rate_at("goodwill_rate", value)


def _optional_factor(value: object) -> Decimal | None:
    return None if value is None else rate_at("goodwill_factor", value)


def _optional_floor(value: object) -> Money | None:
    return _non_negative("goodwill_floor", value)


def _rule_offers(value: object) -> tuple[Offer, ...]:
    if isinstance(value, Offer):
        value = (value,)
    return tuple(sorted(set(instances_at("offers", value, Offer)), key=Offer.sort_key))


def _flag(path: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid(path, value, "is not true or false")
    return value


def _review(value: object) -> bool:
    return _flag("review", value)


def _choose(value: object) -> bool:
    return _flag("choose", value)


def _keep_item(value: object) -> bool:
    return _flag("keep_item", value)


def _require(value: object) -> RemedyKind | None:
    if value is None:
        return None
    try:
        kind = RemedyKind(value)  # type: ignore[arg-type]  # ValueError covers the rest
    except ValueError:
        kinds = ", ".join(kind for kind in RemedyKind if kind is not RemedyKind.APOLOGY)
        raise invalid("require", value, f"is not a remedy kind ({kinds})") from None
    if kind is RemedyKind.APOLOGY:
        raise invalid("require", value, "is what is given when nothing is due; require a remedy")
    return kind


def _basis(value: object) -> Basis:
    try:
        return Basis(value)  # type: ignore[arg-type]  # ValueError covers the rest
    except ValueError:
        raise invalid("basis", value, "is not 'policy' or 'law'") from None


def _cite(value: object) -> str:
    if not isinstance(value, str):
        raise invalid("cite", value, "is not text")
    check_text("cite", value, InvalidPolicy, 200)
    return value


def _owe(value: object) -> Owe | None:
    if value is not None and not isinstance(value, Owe):
        raise invalid("owe", value, "is not an Owe")
    return value


@attrs.frozen
class Rule:
    """A named rule: when its conditions match a ticket, its actions apply.

    ``when`` holds conditions that must all match; ``unless`` holds one group of
    conditions, or several, and a ticket matching every condition of any group
    is left out. The actions: ``owe`` an amount, raise goodwill
    (``goodwill_rate``, ``goodwill_floor``, ``goodwill_factor``: each can only
    raise what the policy's table gives), add ``offers``, with ``choose`` let
    the customer choose among them, and with ``keep_item`` let the customer
    keep the item. A rule with
    ``basis="law"`` is a legal floor and names its ``cite``.
    """

    name: str = attrs.field(converter=_rule_name)
    when: tuple[Condition, ...] = attrs.field(default=(), converter=_when)
    unless: tuple[tuple[Condition, ...], ...] = attrs.field(default=(), converter=_unless)
    owe: Owe | None = attrs.field(default=None, converter=_owe)
    goodwill_rate: Decimal | None = attrs.field(default=None, converter=_optional_rate)
    goodwill_floor: Money | None = attrs.field(default=None, converter=_optional_floor)
    goodwill_factor: Decimal | None = attrs.field(default=None, converter=_optional_factor)
    offers: tuple[Offer, ...] = attrs.field(default=(), converter=_rule_offers)
    basis: Basis = attrs.field(default=Basis.POLICY, converter=_basis)
    cite: str = attrs.field(default="", converter=_cite)
    #: Send a matching ticket to review: its goodwill waits for a role above the acting
    #: one; what is owed is still paid on the spot. A review rule does nothing else.
    review: bool = attrs.field(default=False, converter=_review)
    #: The customer chooses among this rule's offers (a law's right of choice): each is
    #: worth the whole total, and the customer's first (preferred kind, then value) is
    #: recommended.
    choose: bool = attrs.field(default=False, converter=_choose)
    #: The customer keeps the item: nothing is to be sent back (perishable goods, or an
    #: item not worth the return).
    keep_item: bool = attrs.field(default=False, converter=_keep_item)
    #: The kind of remedy given for what the ticket is owed (a law's "full refund"): the
    #: packages that begin with it come first, whatever the others cost. It changes no
    #: amount. Where several matching rules require, any of their kinds will do; a law's
    #: requirement sets aside a policy's.
    require: RemedyKind | None = attrs.field(default=None, converter=_require)

    _when_tests: tuple[_Test, ...] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _unless_tests: tuple[tuple[_Test, ...], ...] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        # Each condition's reader and test, taken out once: matching runs on every ticket.
        object.__setattr__(self, "_when_tests", tuple(c.test_parts() for c in self.when))
        unless = tuple(tuple(c.test_parts() for c in group) for group in self.unless)
        object.__setattr__(self, "_unless_tests", unless)
        gives = (self.owe, self.goodwill_rate, self.goodwill_floor, self.goodwill_factor)
        gives_something = (
            any(item is not None for item in gives)
            or bool(self.offers)
            or self.keep_item
            or self.require is not None
        )
        if self.review and gives_something:
            raise invalid(
                "rule",
                self.name,
                "both reviews and gives; a review rule only sends a ticket to review "
                "(write the giving as a rule of its own)",
            )
        if not gives_something and not self.review:
            raise invalid(
                "rule",
                self.name,
                "does nothing; give it owe, goodwill, offers, require, keep_item or review",
            )
        if self.choose and len(self.offers) < 2:  # a choice of two at least
            raise invalid(
                "rule",
                self.name,
                "lets the customer choose, but offers fewer than two remedies to choose from",
            )
        if self.basis is Basis.LAW and (self.owe is None or not self.cite.strip()):
            raise invalid(
                "rule",
                self.name,
                "has basis 'law' but no owe and cite; a legal floor owes an amount and "
                "names the law (cite = 'CDC art. 49')",
            )

    def matches(self, issue: Issue, customer: Customer) -> bool:
        """Whether every ``when`` condition matches and no ``unless`` group does."""
        for read, test in self._when_tests:
            if not test(read(issue, customer)):
                return False
        for group in self._unless_tests:
            for read, test in group:
                if not test(read(issue, customer)):
                    break
            else:
                return False
        return True


def _rule_named(path: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, value, "is not a rule's name")
    check_text(path, value, InvalidPolicy, 200)
    return value


def _table_rules(value: object) -> tuple[str, ...]:
    names = sequence_at("rules", value, _rule_named, limit=_MAX_SET)
    if not names:
        raise invalid("rules", [], "is empty; a table holds one rule at least")
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise invalid(f"rules[{index}]", name, "is named twice")
        seen.add(name)
    return names


@attrs.frozen
class Table:
    """A decision table declared complete: the rules named in *rules* together match
    every ticket that passes *when* and no group of *unless* (the table's scope).

    A table decides nothing; it is what ``favorpolicy check`` and
    :func:`~favorpolicy.analyse_tables` hold the rules to, reporting each gap (tickets in
    the scope that no rule matches) and each overlap (tickets two or more rules match),
    as DMN's decision-table analysis does.
    """

    name: str = attrs.field(converter=_rule_name)
    rules: tuple[str, ...] = attrs.field(converter=_table_rules)
    when: tuple[Condition, ...] = attrs.field(default=(), converter=_when)
    unless: tuple[tuple[Condition, ...], ...] = attrs.field(default=(), converter=_unless)


def matching(rules: tuple[Rule, ...], issue: Issue, customer: Customer) -> list[Rule]:
    """The rules that apply to this ticket, in the policy's order."""
    return [rule for rule in rules if rule.matches(issue, customer)]


def by_kind(rules: tuple[Rule, ...]) -> tuple[Mapping[str, tuple[Rule, ...]], tuple[Rule, ...]]:
    """The rules each issue kind can match, in the policy's order, and those for any other kind.

    A rule whose ``when`` tests ``kind`` with ``eq`` or ``in`` can match only those
    kinds; resolve() tries only the rules a ticket's kind can match.
    """
    kinds_of: list[frozenset[str] | None] = []
    for rule in rules:
        kinds: frozenset[str] | None = None
        for condition in rule.when:
            if condition.fact == "kind" and condition.op in {Op.EQ, Op.IN}:
                named = frozenset(condition.value if condition.op is Op.IN else (condition.value,))
                kinds = named if kinds is None else kinds & named
        kinds_of.append(kinds)
    named_kinds = {kind for kinds in kinds_of if kinds is not None for kind in kinds}
    any_kind = tuple(rule for rule, kinds in zip(rules, kinds_of, strict=True) if kinds is None)
    per_kind = {
        kind: tuple(
            rule
            for rule, kinds in zip(rules, kinds_of, strict=True)
            if kinds is None or kind in kinds
        )
        for kind in named_kinds
    }
    return per_kind, any_kind
