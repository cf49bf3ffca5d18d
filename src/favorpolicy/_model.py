"""The value types: who the customer is, what went wrong, and what makes it right.

Every type is frozen and validates in its constructor, so an invalid object
cannot exist and :func:`~favorpolicy.resolve` never has to re-check one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final, ParamSpec, TypeVar, cast

import attrs

from ._facts import NO_FACTS, Facts, facts_of, region_of
from ._money import Money
from ._show import show
from .exceptions import (
    CurrencyMismatch,
    FavorPolicyError,
    InvalidCustomer,
    InvalidIssue,
    InvalidRemedy,
    InvalidVerdict,
)

__all__ = [
    "BUILTIN_KINDS",
    "Customer",
    "Explanation",
    "Fault",
    "Issue",
    "Level",
    "NO_VERDICT",
    "PluginFault",
    "Reason",
    "Remedy",
    "RemedyKind",
    "Resolution",
    "MAX_PRIOR_REMEDIES",
    "NAME_LIMIT",
    "ScreenVerdict",
    "WORDS_LIMIT",
    "check_text",
    "explained",
    "handed_over",
    "unchecked",
    "was_handed_over",
]


class Fault(enum.Enum):
    """Whose fault the problem was, as far as anyone can tell."""

    #: The business made the mistake: the customer is made whole.
    BUSINESS = "business"
    #: The customer's own doing: only the policy's courtesy goodwill applies.
    CUSTOMER = "customer"
    #: Both sides had a part; a tough call, so it goes to the customer.
    SHARED = "shared"
    #: Nobody knows; the customer gets the benefit of the doubt.
    UNKNOWN = "unknown"


class RemedyKind(enum.StrEnum):
    """The ways a business can make a problem right."""

    REFUND = "refund"
    REPLACEMENT = "replacement"
    STORE_CREDIT = "store_credit"
    DISCOUNT = "discount"
    KEEP_ITEM = "keep_item"
    WAIVE_FEE = "waive_fee"
    EXPEDITE = "expedite"
    APOLOGY = "apology"


#: The issue kinds favorpolicy knows out of the box. ``Issue.kind`` is an open
#: vocabulary: any other non-empty string works and uses the policy's defaults.
BUILTIN_KINDS: Final = (
    "damaged",
    "defect",
    "late",
    "missing_item",
    "pricing_error",
    "miscommunication",
    "service_failure",
)

_E = TypeVar("_E", bound=enum.Enum)
_A = TypeVar("_A")
_P = ParamSpec("_P")
_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _enum_converter(
    enum_type: type[_E], field: str, error: type[FavorPolicyError]
) -> Callable[[object], _E]:
    by_text = {member.value: member for member in enum_type} | {
        member.name.lower(): member for member in enum_type
    }

    def convert(value: object) -> _E:
        if isinstance(value, enum_type):
            return value
        if isinstance(value, str) and value.strip().lower() in by_text:
            return by_text[value.strip().lower()]
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise error(f"{field}: {show(value)} is not one of {allowed}")

    return convert


def _optional_enum_converter(
    enum_type: type[_E], field: str, error: type[FavorPolicyError]
) -> Callable[[object], _E | None]:
    convert = _enum_converter(enum_type, field, error)

    def optional(value: object) -> _E | None:
        return None if value is None else convert(value)

    return optional


#: The longest text a field takes: an id or a name, and a customer's own words.
NAME_LIMIT: Final = 1_000
#: The most remedies a customer can have had before: a count, not a number of any size.
MAX_PRIOR_REMEDIES: Final = 10**9
WORDS_LIMIT: Final = 100_000


def check_text(field: str, value: str, error: type[FavorPolicyError], limit: int) -> None:
    """Refuse text longer than *limit*, or that is not Unicode (a lone surrogate)."""
    if len(value) > limit:
        raise error(f"{field}: {show(value)} is too long; at most {limit} characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as problem:
            raise error(
                f"{field}: {show(value)} holds {problem.object[problem.start]!r} at "
                f"{problem.start}, which is not a character (a lone surrogate)"
            ) from None


def _text(
    error: type[FavorPolicyError], *, required: bool = False, limit: int = NAME_LIMIT
) -> _Validator:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str):
            raise error(f"{attribute.name}: {show(value)} is a {type(value).__name__}, not a str")
        check_text(attribute.name, value, error, limit)
        if required and not value.strip():
            raise error(f"{attribute.name}: {show(value)} is empty; it needs some text")

    return validate


def _amount(
    error: type[FavorPolicyError], *, optional: bool = False, same_as: str | None = None
) -> _Validator:
    """Check a non-negative Money, optionally in the same currency as another field."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, Money):
            raise error(
                f"{attribute.name}: {show(value)} is a {type(value).__name__}, not Money; "
                "write Money('12.50', 'USD')"
            )
        if value.amount < 0:
            raise error(f"{attribute.name}: {value} is negative; it must be zero or more")
        if same_as is not None:
            reference: Money = getattr(instance, same_as)
            if reference.currency != value.currency:
                raise CurrencyMismatch(
                    f"{attribute.name}: {value} is not in {same_as}'s currency "
                    f"{reference.currency!r}"
                )

    return validate


def _int_between(error: type[FavorPolicyError], low: int, high: int | None) -> _Validator:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        shown = f"from {low} to {high}" if high is not None else f"{low} or more"
        if isinstance(value, bool) or not isinstance(value, int):
            raise error(f"{attribute.name}: {show(value)} is not an int {shown}")
        if value < low or (high is not None and value > high):
            raise error(f"{attribute.name}: {show(value)} is out of range; it must be {shown}")

    return validate


def _to_date(value: object) -> object:
    # A datetime is a date too; tenure counts days, so keep only the day.
    return value.date() if isinstance(value, datetime) else value


def _optional_instance(error: type[FavorPolicyError], kind: type) -> _Validator:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            raise error(
                f"{attribute.name}: {show(value)} is a {type(value).__name__}, "
                f"not a {kind.__name__} or None"
            )

    return validate


_FAULT: Final = _enum_converter(Fault, "fault", InvalidIssue)
_REMEDY_KIND: Final = _enum_converter(RemedyKind, "kind", InvalidRemedy)
_PREFERENCE: Final = _optional_enum_converter(RemedyKind, "preference", InvalidCustomer)


# The attrs mypy plugin needs converters that are plain named functions.
def _stripped(value: object) -> Any:
    # An id is an identifier: "T-1 " and "T-1" are one issue, and one claim.
    return (value.strip() or value) if isinstance(value, str) else value


def _to_fault(value: object) -> Fault:
    return _FAULT(value)


def _to_remedy_kind(value: object) -> RemedyKind:
    return _REMEDY_KIND(value)


def _to_preference(value: object) -> RemedyKind | None:
    return _PREFERENCE(value)


def _to_moment(value: object) -> object:
    # A plain date is the start of that day, in UTC as every naive datetime is.
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001  # naive is UTC
    return value


def _customer_region(value: object) -> str | None:
    return region_of(value, "region", InvalidCustomer)


def _issue_region(value: object) -> str | None:
    return region_of(value, "region", InvalidIssue)


def _customer_facts(value: object) -> Facts:
    return facts_of(value, "facts", InvalidCustomer)


def _issue_facts(value: object) -> Facts:
    return facts_of(value, "facts", InvalidIssue)


@attrs.frozen
class Customer:
    """The person with the problem.

    ``tier`` must be one of the policy's tiers; ``since`` is the day they became
    a customer, which gives their tenure; ``preference`` is the remedy they would
    rather have when the call is close.
    """

    id: str = attrs.field(converter=_stripped, validator=_text(InvalidCustomer, required=True))
    tier: str = attrs.field(default="standard", validator=_text(InvalidCustomer, required=True))
    since: date | None = attrs.field(
        default=None, converter=_to_date, validator=_optional_instance(InvalidCustomer, date)
    )
    lifetime_value: Money | None = attrs.field(
        default=None, validator=_amount(InvalidCustomer, optional=True)
    )
    prior_remedies: int = attrs.field(
        default=0, validator=_int_between(InvalidCustomer, 0, MAX_PRIOR_REMEDIES)
    )
    preference: RemedyKind | None = attrs.field(
        default=None,
        converter=_to_preference,
    )
    #: Where the customer lives: an ISO 3166 country, optionally with a subdivision ("BR-SP").
    region: str | None = attrs.field(default=None, converter=_customer_region)
    #: Named extra facts about the customer, for a policy's rules (``customer.facts.NAME``).
    facts: Facts = attrs.field(default=NO_FACTS, converter=_customer_facts)


@attrs.frozen
class Issue:
    """What went wrong.

    ``loss`` is what the problem cost the customer, in the policy's currency.
    ``kind`` is an open vocabulary; :data:`BUILTIN_KINDS` lists the ones the
    default policy knows. ``conduct`` holds the customer's own words, for the
    conduct filters.
    """

    id: str = attrs.field(converter=_stripped, validator=_text(InvalidIssue, required=True))
    kind: str = attrs.field(validator=_text(InvalidIssue, required=True))
    fault: Fault = attrs.field(converter=_to_fault)
    loss: Money = attrs.field(validator=_amount(InvalidIssue))
    order_value: Money | None = attrs.field(
        default=None, validator=_amount(InvalidIssue, optional=True, same_as="loss")
    )
    severity: int = attrs.field(default=1, validator=_int_between(InvalidIssue, 1, 5))
    conduct: str = attrs.field(default="", validator=_text(InvalidIssue, limit=WORDS_LIMIT))
    channel: str = attrs.field(default="", validator=_text(InvalidIssue))
    occurred_at: datetime | None = attrs.field(
        default=None, validator=_optional_instance(InvalidIssue, datetime)
    )
    #: When the order was placed; a plain date is the start of that day (UTC).
    ordered_at: datetime | None = attrs.field(
        default=None, converter=_to_moment, validator=_optional_instance(InvalidIssue, datetime)
    )
    #: When delivery was promised for.
    promised_at: datetime | None = attrs.field(
        default=None, converter=_to_moment, validator=_optional_instance(InvalidIssue, datetime)
    )
    #: When the order was delivered; None while it is not.
    delivered_at: datetime | None = attrs.field(
        default=None, converter=_to_moment, validator=_optional_instance(InvalidIssue, datetime)
    )
    #: Where it happened: an ISO 3166 country, optionally with a subdivision ("BR-SP").
    region: str | None = attrs.field(default=None, converter=_issue_region)
    #: What was bought, in the business's own words ("perishable", "electronics").
    category: str = attrs.field(default="", validator=_text(InvalidIssue))
    #: Named extra facts, for a policy's rules (``facts.NAME``).
    facts: Facts = attrs.field(default=NO_FACTS, converter=_issue_facts)


@attrs.frozen
class Remedy:
    """One thing given to the customer.

    ``value`` is what it is worth to the customer; ``cost`` is what it costs
    the business, when known.
    """

    kind: RemedyKind = attrs.field(converter=_to_remedy_kind)
    value: Money = attrs.field(validator=_amount(InvalidRemedy))
    cost: Money | None = attrs.field(
        default=None, validator=_amount(InvalidRemedy, optional=True, same_as="value")
    )
    note: str = attrs.field(default="", validator=_text(InvalidRemedy))

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.kind.value} worth {self.value}{note}"


@attrs.frozen
class Reason:
    """One step of a decision: a stable ``code``, a sentence, and the amount it concerns."""

    code: str
    message: str
    amount: Money | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def unchecked(cls: Callable[_P, _A]) -> Callable[_P, _A]:
    """A maker of the attrs class *cls* that skips its validators and converters.

    It takes what ``cls()`` takes, by the same names and with the same
    defaults, so mypy checks each call against the class's own fields; call
    it by keyword. Only for values favorpolicy made itself and knows to be
    valid, such as the example tickets: everything that comes from outside
    goes through ``__init__``. Like attrs' own ``__init__``, the maker is
    generated code that sets each slot.
    """
    kind = cast("type[attrs.AttrsInstance]", cls)
    scope: dict[str, Any] = {"new": object.__new__, "cls": kind, "unset": _UNSET}
    parameters, body = [], []
    for field in attrs.fields(kind):
        name, default = field.name, field.default
        scope[f"set_{name}"] = _slot(kind, name).__set__
        made_by = isinstance(default, _FACTORY)
        scope[f"default_{name}"] = default.factory if made_by else default
        fresh = f"default_{name}()" if made_by else f"default_{name}"
        if not field.init:  # not the caller's to give: its default, as attrs' __init__ sets it
            value = fresh
        elif default is attrs.NOTHING:
            parameters.append(field.alias)
            value = field.alias
        elif made_by:
            parameters.append(f"{field.alias}=unset")
            value = f"({fresh} if {field.alias} is unset else {field.alias})"
        else:
            parameters.append(f"{field.alias}={fresh}")
            value = field.alias
        body.append(f"    set_{name}(made, {value})")
    lines = [f"def make({', '.join(parameters)}):", "    made = new(cls)", *body, "    return made"]
    exec("\n".join(lines), scope)  # noqa: S102  # our own field names, as attrs does
    maker: Callable[_P, _A] = scope["make"]
    return maker


def _slot(cls: type, name: str) -> Any:
    """The member descriptor behind the field *name*, under a descriptor that wraps it."""
    slot = cls.__dict__[name]
    return slot.slot if isinstance(slot, _Written) else slot


_UNSET: Final = object()
# attrs.Factory as the class it is at run time; its stubs show it as an overloaded function.
_FACTORY: Final[type[Any]] = attrs.Factory  # type: ignore[assignment]


class Level(enum.IntEnum):
    """How serious a conduct screen's finding is; a higher level wins."""

    NONE = 0
    WARN = 1
    RESTRICT = 2
    REFUSE = 3

    def __str__(self) -> str:
        return self.name.lower()


def _to_level(value: object) -> Level:
    if isinstance(value, Level):
        return value
    if isinstance(value, str) and value.strip().upper() in Level.__members__:
        return Level[value.strip().upper()]
    raise InvalidVerdict(f"level: {show(value)} is not one of none, warn, restrict, refuse")


def _verdict_reason(
    instance: ScreenVerdict, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, str):
        raise InvalidVerdict(f"reason: {show(value)} is a {type(value).__name__}, not a str")
    check_text("reason", value, InvalidVerdict, NAME_LIMIT)
    if instance.level > Level.NONE and not value.strip():
        raise InvalidVerdict(
            f"reason: {show(value)} is empty; a {instance.level} verdict needs one"
        )


@attrs.frozen
class ScreenVerdict:
    """A conduct screen's finding: a level (``none``, ``warn``, ``restrict``, ``refuse``) and why.

    ``plugin`` names the screen that gave it; favorpolicy fills it in.
    """

    level: Level = attrs.field(converter=_to_level)
    reason: str = attrs.field(default="", validator=_verdict_reason)
    plugin: str = attrs.field(default="", validator=_text(InvalidVerdict))


#: The verdict when no screen has anything to say.
NO_VERDICT: Final = ScreenVerdict(Level.NONE)


@attrs.frozen
class PluginFault:
    """One plugin call that favorpolicy ignored, and why."""

    plugin: str
    hook: str
    error: str

    def __str__(self) -> str:
        return f"{self.plugin}.{self.hook}: {self.error}"


class Explanation:
    """Where a :class:`Resolution` made by :func:`~favorpolicy.resolve` gets its
    ``reasons``, ``alternatives`` and ``key``: it writes each the first time it is read.

    The Resolution itself never changes: it holds this explanation from the
    moment it is made, and reading those fields asks it. Each value is written
    once and kept here, so every reading gives the same object.
    """

    __slots__ = ("_written",)

    def __init__(self) -> None:
        self._written: dict[str, Any] = {}

    def write(self, name: str) -> Any:
        """The value of the field *name*, worked out from what the decision noted."""
        raise NotImplementedError

    def get(self, name: str) -> Any:
        """The value of the field *name*; the same object on every call."""
        try:
            return self._written[name]
        except KeyError:
            # Two threads may both write it; both get the same value, and one is kept.
            return self._written.setdefault(name, self.write(name))


class _Written:
    """A field of :class:`Resolution` that its :class:`Explanation`, when it has one, writes.

    It wraps the member descriptor attrs made for the slot, so the field keeps
    its name, its place in ``__init__`` and in ``attrs.fields()``, and every
    method attrs generated reads it through here.
    """

    __slots__ = ("name", "slot")

    def __init__(self, slot: Any, name: str) -> None:
        self.slot = slot
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        explanation = _explanation_of(instance)
        if explanation is None:
            return self.slot.__get__(instance, owner)
        return explanation.get(self.name)

    def __set__(self, instance: object, value: object) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: object) -> None:
        self.slot.__delete__(instance)


@attrs.frozen
class Resolution:
    """What :func:`~favorpolicy.resolve` decided, and why.

    ``total`` is ``owed + goodwill``. ``granted_now`` is what the acting role
    hands over on the spot; when it is less than ``total``, ``escalate_to``
    names the lowest role that may grant the rest.

    A Resolution from :func:`~favorpolicy.resolve` has its ``reasons``,
    ``alternatives`` and ``key`` written the first time each is read
    (directly, or through ``==``, ``repr()``, ``hash()`` or pickling), from
    what the decision noted as it went; it keeps the issue, the customer and
    the policy it was made from. The values are the same either way, no
    plugin is called again, and the Resolution itself never changes.
    """

    issue_id: str
    customer_id: str
    role: str
    remedies: tuple[Remedy, ...]
    owed: Money
    goodwill: Money
    total: Money
    granted_now: Money
    escalate_to: str | None
    alternatives: tuple[tuple[Remedy, ...], ...]
    reasons: tuple[Reason, ...]
    policy_fingerprint: str
    key: str
    screen: ScreenVerdict = NO_VERDICT
    faults: tuple[PluginFault, ...] = ()
    #: What earlier decisions of the same issue (the same claim) granted already; see
    #: ``supersedes``. None for a claim's first decision.
    granted_before: Money | None = None
    #: The key of the earlier decision of the same issue that this one replaces, if any.
    supersedes: str | None = None
    #: What the customer may choose among, where a rule lets them (a law's right of
    #: choice): each package is worth the whole total, the first is recommended, and
    #: ``remedies`` holds the recommended one until the customer picks; see pick().
    choices: tuple[tuple[Remedy, ...], ...] = ()
    #: The index in ``choices`` of the customer's pick, once made; see pick().
    picked: int | None = None
    #: Whether the customer keeps the item (a rule's ``keep_item``): nothing is sent back.
    keep_item: bool = False
    _explanation: Explanation | None = attrs.field(
        default=None, init=False, eq=False, repr=False, hash=False
    )
    # Whether resolve() handed its events to the in-memory delivery; not part of its value.
    _handed_over: bool = attrs.field(default=False, init=False, eq=False, repr=False, hash=False)

    def __reduce__(self) -> tuple[type[Resolution], tuple[Any, ...]]:
        # Pickled as its values, written out: not the explanation, nor what it was made from.
        return (Resolution, tuple(getattr(self, name) for name in _INIT_FIELDS))

    @property
    def pending(self) -> Money:
        """The part of ``total`` waiting for ``escalate_to`` to approve it.

        What an earlier decision of the claim granted already is not waiting.
        """
        waiting = self.total - self.granted_now
        if self.granted_before is not None:
            waiting = waiting - self.granted_before
        return max(waiting, waiting * 0)

    @property
    def value(self) -> Money:
        """What the granted remedies are worth to the customer, together."""
        return Money.total((remedy.value for remedy in self.remedies), self.total.currency)

    def explain(self) -> str:
        """Describe the decision for a person, one fact a line."""
        lines = [
            f"Issue {self.issue_id} for customer {self.customer_id}, decided as {self.role}:",
            "  remedies: " + "; ".join(str(remedy) for remedy in self.remedies),
            f"  owed {self.owed} + goodwill {self.goodwill} = total {self.total}",
            f"  granted now: {self.granted_now}",
        ]
        if self.granted_before is not None:
            lines.insert(3, f"  granted before: {self.granted_before} (decision {self.supersedes})")
        if self.choices:
            lines.append(
                "  the customer chooses: "
                + " | ".join(" + ".join(str(r.kind) for r in choice) for choice in self.choices)
                + (" (not picked yet)" if self.picked is None else f" (picked {self.picked})")
            )
        if self.keep_item:
            lines.append("  the customer keeps the item")
        if self.escalate_to is not None:
            lines.append(f"  escalate {self.pending} to: {self.escalate_to}")
        if self.screen.level > Level.NONE:
            lines.append(f"  conduct: {self.screen.level} ({self.screen.reason})")
        lines.extend(f"  plugin fault: {fault}" for fault in self.faults)
        lines.append("  reasons:")
        lines.extend(f"    {number}. {reason}" for number, reason in enumerate(self.reasons, 1))
        return "\n".join(lines)


_INIT_FIELDS: Final = tuple(field.name for field in attrs.fields(Resolution) if field.init)
_explanation_of: Final = Resolution.__dict__["_explanation"].__get__
_set_explanation: Final = Resolution.__dict__["_explanation"].__set__
# Written by the explanation, when the Resolution has one; see Explanation.
for _name in ("alternatives", "reasons", "key"):
    setattr(Resolution, _name, _Written(Resolution.__dict__[_name], _name))


_set_handed_over: Final = Resolution.__dict__["_handed_over"].__set__
_handed_over_of: Final = Resolution.__dict__["_handed_over"].__get__


def handed_over(resolution: Resolution) -> None:
    """Note that :func:`~favorpolicy.resolve` queued *resolution*'s events for the sinks.

    Only resolve() calls this, before it returns the Resolution to anyone.
    """
    _set_handed_over(resolution, True)


def was_handed_over(resolution: Resolution) -> bool:
    """Whether *resolution*'s events went to the in-memory delivery when it was made."""
    return bool(_handed_over_of(resolution))


def explained(resolution: Resolution, explanation: Explanation) -> Resolution:
    """*resolution*, just made by :func:`unchecked`, with the *explanation* it is written from.

    Only :func:`~favorpolicy.resolve` calls this, on a Resolution no one else
    has seen yet: from then on the Resolution does not change.
    """
    _set_explanation(resolution, explanation)
    return resolution
