"""The edge: tickets, resolutions and events as JSON data, through one cattrs converter.

The value classes know nothing of their file forms; this module does. A
ticket is one customer and one issue::

    {"customer": {"id": "C-1", "tier": "vip", "since": "2021-04-01"},
     "issue": {"id": "T-1", "kind": "late", "fault": "unknown", "loss": "25.00",
               "severity": 3, "occurred_at": "2026-03-14T10:00:00+00:00"}}

Amounts are numbers or strings in the policy's currency, or strings with a
code (``"25.00 EUR"``). A resolution becomes JSON data with
:func:`resolution_to_dict` (amounts as ``"12.50 USD"``, kinds and levels as
text) and comes back, equal, with :func:`resolution_from_dict`. The policy
file (``_policy_file``) uses the same converter.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from ._events import Event, EventKind
from ._model import Customer, Issue, Level, PluginFault, Resolution, ScreenVerdict
from ._money import CONTEXT, Money
from ._policy import Policy
from ._show import one_line, show
from .exceptions import CurrencyMismatch, FavorPolicyError, InvalidTicket

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "MOMENTS",
    "Amount",
    "converter",
    "key_text",
    "event_from_dict",
    "event_to_dict",
    "parse_amount",
    "resolution_from_dict",
    "resolution_json",
    "resolution_to_dict",
    "shape_messages",
    "ticket_from_dict",
    "ticket_to_dict",
]

_T = TypeVar("_T")

#: An amount in a file: a number in the policy's currency, or text like "150.00 BRL".
Amount = Decimal | str

_CUSTOMER_KEYS: Final = frozenset(
    {"id", "tier", "since", "lifetime_value", "prior_remedies", "preference", "region", "facts"}
)
MOMENTS: Final = ("occurred_at", "ordered_at", "promised_at", "delivered_at")
_ISSUE_KEYS: Final = frozenset(
    {"id", "kind", "fault", "loss", "order_value", "severity", "conduct", "channel", *MOMENTS}
    | {"region", "category", "facts"}
)
# Compact and not ASCII-escaped: what the ledger stores and the sinks send.
_ENCODE: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def parse_amount(value: object, currency: str) -> Money:
    """Read an amount written in a file: a number in *currency*, or text like ``"25.00 BRL"``.

    Text with another currency's code raises :class:`CurrencyMismatch`. JSON
    floats are read as written (``0.1`` is one tenth), never as binary fractions.
    """
    if isinstance(value, str) and " " in value.strip():
        amount, code = value.strip().rsplit(" ", 1)
        if code.upper() != currency:
            raise CurrencyMismatch(
                f"{show(value)} is in {code!r}, not the policy's currency {currency!r}"
            )
        value = amount
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Money(value, currency)  # type: ignore[arg-type]  # Money refuses what it cannot read


@functools.cache
def converter() -> cattrs.Converter:
    """favorpolicy's one cattrs converter, made on first use (cattrs is slow to load).

    It refuses unknown keys (a typo must not pass silently); amounts are
    ``"12.50 USD"`` text, levels their names, numbers in files Decimals.
    """
    import cattrs  # noqa: PLC0415  # reading a ticket or deciding never needs it

    made = cattrs.Converter(forbid_extra_keys=True)
    made.register_unstructure_hook(Money, str)
    made.register_structure_hook(Money, _money_text)
    made.register_unstructure_hook(Level, str)
    made.register_structure_hook(Level, _level)
    made.register_structure_hook(Decimal, _decimal)
    made.register_unstructure_hook(Decimal, lambda value: value)
    made.register_structure_hook(Amount, _amount)
    made.register_structure_hook(Amount | None, lambda v, _: None if v is None else _amount(v, _))
    made.register_structure_hook(Any, lambda value, _: value)
    made.register_structure_hook(int, _whole)
    made.register_structure_hook(bool, _flag)
    made.register_structure_hook(str, _text)
    return made


def _level(value: object, _: object) -> Level:
    names = {level.name.lower(): level for level in Level}
    if not isinstance(value, str) or value.lower() not in names:
        raise ValueError(f"{show(value)} is not one of {', '.join(names)}")
    return names[value.lower()]


def _text(value: object, _: object) -> str:
    # str(5) is "5": a file's text is text as written, and nothing else.
    if not isinstance(value, str):
        raise TypeError(f"{show(value)} is not text")  # cattrs adds the key path
    return value


def _money_text(value: object, _: object) -> Money:
    if not isinstance(value, str) or " " not in value:
        raise TypeError(f"{show(value)} is not an amount with its code, such as '12.50 USD'")
    return Money(*value.rsplit(" ", 1))


def _decimal(value: object, _: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{show(value)} is not a number")  # cattrs adds the key path
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{show(value)} is not a number") from None


def _whole(value: object, _: object) -> int:
    # int(True) is 1 and int(Decimal("1e999999")) takes half a minute: a file's whole
    # number is an int as written, and nothing else.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{show(value)} is not a whole number")  # cattrs adds the key path
    return value


def _flag(value: object, _: object) -> bool:
    # bool("no") is True: a file's flag is true or false as written, and nothing else.
    if not isinstance(value, bool):
        raise TypeError(f"{show(value)} is not true or false")  # cattrs adds the key path
    return value


def _amount(value: object, _: object) -> Amount:
    return value if isinstance(value, str) else _decimal(value, None)


def _path(cattrs_path: str) -> str:
    # cattrs writes "$.roles['agent'].limit"; favorpolicy writes "roles.agent.limit".
    path = cattrs_path.removeprefix("$").removeprefix(".")
    return path.replace("['", ".").replace("']", "").lstrip(".")


#: Between the unknown keys cattrs reports together, until each is named by its own path.
_KEYS: Final = "\x00"


def _describe(error: BaseException, expected: type | None) -> str:
    import cattrs  # noqa: PLC0415  # only an error needs it here
    from cattrs.v import format_exception  # noqa: PLC0415  # as above

    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        keys = sorted(key_text(key) for key in error.extra_fields)
        return f"unknown key(s) {_KEYS.join(keys)}"
    if isinstance(error, ValueError | TypeError | FavorPolicyError) and not isinstance(
        error, KeyError
    ):
        # Python's own messages name the value: "invalid literal for int() ...: 'soon'".
        return str(error)
    return format_exception(error, expected)


def shape_messages(error: cattrs.BaseValidationError, prefix: str = "") -> list[str]:
    """What cattrs found wrong, one message per field, each starting with its path
    (``roles.agent.limit: ...``) under *prefix*; an unknown key is named by its own."""
    import cattrs  # noqa: PLC0415  # only an error needs it here

    messages: list[str] = []
    for message in cattrs.transform_error(error, format_exception=_describe):
        text, _, where = message.rpartition(" @ ")
        path = ".".join(part for part in (prefix, _path(where)) if part)
        if text.startswith("unknown key(s) "):
            keys = text.removeprefix("unknown key(s) ").split(_KEYS)
            messages.extend(
                f"{path}.{key}: unknown key" if path else f"{key}: unknown key" for key in keys
            )
        else:
            messages.append(f"{path or '(top level)'}: {text}")
    return messages


def _unreadable() -> tuple[type[Exception], ...]:
    """What reading JSON data back can raise; evaluated only once something was raised."""
    import cattrs  # noqa: PLC0415  # cattrs is slow to load, and only an error needs it here

    return (cattrs.BaseValidationError, FavorPolicyError, ValueError, TypeError, KeyError)


# ---- tickets ---------------------------------------------------------------------------------


def _money(path: str, value: object, currency: str) -> Money:
    try:
        return parse_amount(value, currency)
    except FavorPolicyError as error:
        raise InvalidTicket(f"{path}: {error}") from None


def _when(path: str, value: object, kind: type[date]) -> Any:
    if value is None or isinstance(value, kind):
        return value
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidTicket(f"{path}: {show(value)} is not an ISO {kind.__name__} text")
    # RFC 3339 allows a lower-case "z"; Python's reader takes only "Z".
    text = value[:-1] + "Z" if value.endswith("z") else value
    try:
        return kind.fromisoformat(text)
    except ValueError:
        raise InvalidTicket(f"{path}: {value!r} is not an ISO {kind.__name__}") from None


def _facts(path: str, value: object) -> object:
    """Named facts as JSON writes them: a number with a fraction is a Decimal, never a
    float; ``{"date": "2026-03-01"}`` and ``{"datetime": "..."}`` are a date and a moment."""
    if not isinstance(value, Mapping):
        raise InvalidTicket(f"{path}: {show(value)} is not an object of named facts")
    return {name: _fact(f"{path}.{key_text(name)}", item) for name, item in value.items()}


def _fact(path: str, item: object) -> object:
    if isinstance(item, float):
        return Decimal(repr(item))
    if isinstance(item, Mapping):
        tag = next(iter(item), None) if len(item) == 1 else None
        if not isinstance(tag, str) or tag not in _DATED:
            raise InvalidTicket(
                f'{path}: {show(item)} is not a fact; a date is {{"date": "2026-03-01"}}, '
                'a moment {"datetime": "2026-03-01T10:00:00+00:00"}'
            )
        return _when(f"{path}.{tag}", item[tag], _DATED[tag])
    return item


#: The tagged forms of a dated fact: JSON has no dates.
_DATED: Final[Mapping[str, type[date]]] = {"date": date, "datetime": datetime}


def _fact_out(value: object) -> object:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return {"datetime": moment.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal) and value.as_tuple().exponent >= 0:  # type: ignore[operator]  # a checked fact is finite
        # A whole Decimal written "5" would come back an int: "5.0" comes back a Decimal.
        return value.quantize(_TENTH, context=CONTEXT)
    return value


_TENTH: Final = Decimal("0.1")


def key_text(key: object) -> str:
    """A key of the caller's data, for a path: as written when it is short, printable text."""
    return key if isinstance(key, str) and key.isprintable() and len(key) <= 80 else show(key)


def _section(data: Mapping[str, Any], name: str, allowed: frozenset[str]) -> dict[str, Any]:
    section = data.get(name)
    if not isinstance(section, Mapping):
        raise InvalidTicket(f"{name}: {show(section)} is not an object")
    unknown = [key for key in section if key not in allowed]
    if unknown:
        raise InvalidTicket(f"{name}.{key_text(unknown[0])}: unknown key")
    return dict(section)


def ticket_from_dict(data: object, currency: str) -> tuple[Customer, Issue]:
    """Read one ticket; errors name the key path, prefixed ``customer.`` or ``issue.``."""
    if not isinstance(data, Mapping):
        raise InvalidTicket(f"ticket: {show(data)} is not an object with customer and issue")
    unknown = [key for key in data if key not in ("customer", "issue")]
    if unknown:
        raise InvalidTicket(f"{key_text(unknown[0])}: unknown key; a ticket has customer and issue")
    customer = _section(data, "customer", _CUSTOMER_KEYS)
    issue = _section(data, "issue", _ISSUE_KEYS)
    if "since" in customer:
        customer["since"] = _when("customer.since", customer["since"], date)
    if customer.get("lifetime_value") is not None:
        customer["lifetime_value"] = _money(
            "customer.lifetime_value", customer["lifetime_value"], currency
        )
    for key in ("loss", "order_value"):
        if issue.get(key) is not None:
            issue[key] = _money(f"issue.{key}", issue[key], currency)
    for key in MOMENTS:
        if key in issue:
            issue[key] = _when(f"issue.{key}", issue[key], datetime)
    for section, key in ((customer, "prior_remedies"), (issue, "severity")):
        if key in section:
            section[key] = _whole_number(section[key])
    for name, section in (("customer", customer), ("issue", issue)):
        if "facts" in section:
            section["facts"] = _facts(f"{name}.facts", section["facts"])
    return (
        _build("customer", Customer, customer, required=("id",)),
        _build("issue", Issue, issue, required=("id", "kind", "fault", "loss")),
    )


def ticket_to_dict(customer: Customer, issue: Issue) -> dict[str, Any]:
    """The ticket as JSON data, as :func:`ticket_from_dict` reads it back, equal.

    Amounts are text with their code (``"25.00 USD"``), moments and days ISO text,
    Decimal facts Decimals (JSON numbers, written exactly by the ``*_json`` functions),
    and dated facts ``{"date": ...}`` or ``{"datetime": ...}``. A field left at its
    default of None is left out.
    """
    return {
        "customer": _fields_out(customer, _CUSTOMER_KEYS),
        "issue": _fields_out(issue, _ISSUE_KEYS),
    }


def _fields_out(value: Customer | Issue, keys: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        if field.name not in keys:
            continue
        item = getattr(value, field.name)
        if item is None:
            continue
        if isinstance(item, Money):
            item = str(item)
        elif isinstance(item, date):  # a datetime too
            item = item.isoformat()
        elif isinstance(item, enum.Enum):
            item = item.value
        elif field.name == "facts":
            item = {name: _fact_out(fact) for name, fact in item.items()}
        out[field.name] = item
    return out


def _whole_number(value: object) -> object:
    """A JSON number with no fraction (``3.0``, read as a Decimal) is the whole number it
    is, as JSON Schema's ``integer`` says; anything else is left for the model to refuse."""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        exact = Decimal(repr(value)) if isinstance(value, float) else value
        if exact.is_finite() and exact.copy_abs() < 10**18 and exact == exact.to_integral_value():
            return int(exact)
    return value


def _build(name: str, kind: type[_T], fields: dict[str, Any], *, required: tuple[str, ...]) -> _T:
    missing = [key for key in required if key not in fields]
    if missing:
        raise InvalidTicket(f"{name}.{missing[0]}: required key missing")
    try:
        return kind(**fields)
    except FavorPolicyError as error:
        # The model's messages start with the field: "severity: 9 is out of range ...".
        raise InvalidTicket(f"{name}.{error}") from None


# ---- resolutions and events ------------------------------------------------------------------


def resolution_to_dict(resolution: Resolution) -> dict[str, Any]:
    """The resolution as JSON data: amounts as ``"12.50 USD"``, kinds and levels as text.

    This is what ``favorpolicy resolve --json`` prints, what the ledger stores
    and what the sinks send; :func:`resolution_from_dict` reads it back.
    """
    data: dict[str, Any] = converter().unstructure(resolution)
    return data


def resolution_json(resolution: Resolution) -> str:
    """:func:`resolution_to_dict` as compact JSON text, not ASCII-escaped."""
    return _ENCODE(resolution_to_dict(resolution))


def resolution_from_dict(data: Mapping[str, Any]) -> Resolution:
    """Structure :func:`resolution_to_dict`'s output back to an equal Resolution."""
    if not isinstance(data, Mapping):
        raise InvalidTicket(f"resolution: {show(data)} is not an object")
    try:
        return converter().structure(dict(data), Resolution)
    except _unreadable() as error:
        raise InvalidTicket(_read_back("resolution", error)) from None


def event_to_dict(event: Event, *, with_resolution: bool = True) -> dict[str, Any]:
    """The event as JSON data, as the sinks send it (its policy is left out).

    Without *with_resolution*, its resolution is left out too.
    """
    data: dict[str, Any] = {
        "id": event.id,
        "kind": event.kind.value,
        "key": event.key,
        "issue_id": event.issue_id,
        "customer_id": event.customer_id,
        "role": event.role,
    }
    if event.verdict is not None:
        data["verdict"] = converter().unstructure(event.verdict)
    if event.fault is not None:
        data["fault"] = converter().unstructure(event.fault)
    if event.resolution is not None and with_resolution:
        data["resolution"] = resolution_to_dict(event.resolution)
    return data


def event_from_dict(data: Mapping[str, Any], policy: Policy | None = None) -> Event:
    """Structure :func:`event_to_dict`'s output back into an equal Event, with *policy*."""
    if not isinstance(data, Mapping):
        raise InvalidTicket(f"event: {show(data)} is not an object")
    unknown = [key for key in data if key not in _EVENT_KEYS]
    if unknown:
        raise InvalidTicket(f"event.{key_text(unknown[0])}: unknown key")
    if "kind" not in data:
        raise InvalidTicket("event.kind: required key missing")
    try:
        kind = EventKind(data.get("kind"))  # type: ignore[arg-type]  # ValueError covers the rest
    except ValueError:
        kinds = ", ".join(kind.value for kind in EventKind)
        raise InvalidTicket(f"event.kind: {show(data.get('kind'))} is not one of {kinds}") from None
    texts: dict[str, Any] = {}
    for name in ("id", "key", "issue_id", "customer_id", "role"):
        value = data.get(name)
        if name not in data and name != "role":
            raise InvalidTicket(f"event.{name}: required key missing")
        if not isinstance(value, str) and not (name == "role" and value is None):
            raise InvalidTicket(f"event.{name}: {show(value)} is not text")
        texts[name] = value
    resolution = data.get("resolution")
    return Event(
        kind=kind,
        verdict=_part_of("event.verdict", data.get("verdict"), ScreenVerdict),
        fault=_part_of("event.fault", data.get("fault"), PluginFault),
        resolution=None if resolution is None else _resolution_in_event(resolution),
        policy=policy,
        **texts,
    )


_EVENT_KEYS: Final = frozenset(
    {"id", "kind", "key", "issue_id", "customer_id", "role", "verdict", "fault", "resolution"}
)


def _part_of(path: str, value: object, kind: type[_T]) -> _T | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidTicket(f"{path}: {show(value)} is not an object")
    try:
        return converter().structure(dict(value), kind)
    except _unreadable() as error:
        raise InvalidTicket(_read_back(path, error)) from None


def _resolution_in_event(value: object) -> Resolution:
    try:
        return resolution_from_dict(value)  # type: ignore[arg-type]  # checked there
    except InvalidTicket as error:
        raise InvalidTicket(f"event.{error}") from None


def _read_back(what: str, error: Exception) -> str:
    import cattrs  # noqa: PLC0415  # only an error needs it here

    if isinstance(error, cattrs.BaseValidationError):
        return one_line("; ".join(shape_messages(error, what)))
    if isinstance(error, KeyError):
        return f"{what}.{key_text(error.args[0])}: required key missing"
    return one_line(f"{what}: cannot be read back: {error}")
