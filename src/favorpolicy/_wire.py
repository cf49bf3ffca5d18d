"""The wire format: tickets, resolutions and events as JSON text, for a service to send.

Each ``*_json`` function is its ``*_dict`` twin (in ``_forms``) plus the text, read and
written by msgspec: a JSON number is read exactly, as a Decimal (``0.1`` is one tenth,
never a binary fraction), and a Decimal is written as the number it is. A document is
bounded (:data:`MAX_JSON_BYTES`), and every error is favorpolicy's own, naming the
field path.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from ._events import Event, EventKind
from ._facts import MAX_FACTS
from ._forms import MOMENTS as _MOMENTS
from ._forms import (
    event_from_dict,
    event_to_dict,
    resolution_from_dict,
    resolution_to_dict,
    ticket_from_dict,
    ticket_to_dict,
)
from ._model import (
    MAX_PRIOR_REMEDIES,
    NAME_LIMIT,
    WORDS_LIMIT,
    Customer,
    Fault,
    Issue,
    Level,
    RemedyKind,
    Resolution,
)
from ._policy import Policy
from ._schema import policy_schema
from .exceptions import InvalidTicket

if TYPE_CHECKING:
    import msgspec

__all__ = [
    "MAX_JSON_BYTES",
    "event_from_json",
    "event_schema",
    "event_to_json",
    "json_schema",
    "resolution_from_json",
    "resolution_schema",
    "resolution_to_json",
    "ticket_from_json",
    "ticket_schema",
    "ticket_to_json",
]

#: The most bytes one JSON document may hold. A ticket is a few hundred bytes; a
#: resolution a few thousand. A longer text is refused before it is read.
MAX_JSON_BYTES: Final = 1_000_000


@functools.cache
def _decoder() -> msgspec.json.Decoder[Any]:
    import msgspec  # noqa: PLC0415  # only a service reading JSON text needs it

    return msgspec.json.Decoder(float_hook=Decimal)


@functools.cache
def _encoder() -> msgspec.json.Encoder:
    import msgspec  # noqa: PLC0415  # only a service writing JSON text needs it

    return msgspec.json.Encoder(decimal_format="number")


def _read(text: str | bytes, what: str) -> Any:
    """*text* as JSON data, or InvalidTicket naming *what*."""
    import msgspec  # noqa: PLC0415  # as above

    if not isinstance(text, str | bytes):
        raise InvalidTicket(f"{what}: a {type(text).__name__} is not JSON text")
    # A character is up to 4 bytes of UTF-8: count the bytes only when it could matter.
    size = len(text)
    if isinstance(text, str) and size * 4 > MAX_JSON_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_JSON_BYTES:
        raise InvalidTicket(f"{what}: {size:,} bytes is more than {MAX_JSON_BYTES:,}")
    try:
        return _decoder().decode(text)
    except (msgspec.DecodeError, RecursionError, ValueError) as error:
        raise InvalidTicket(f"{what}: not JSON: {error}") from None


def _write(data: object) -> str:
    return _encoder().encode(data).decode("utf-8")


def ticket_from_json(text: str | bytes, currency: str) -> tuple[Customer, Issue]:
    """Read a ticket from JSON text (see :func:`ticket_from_dict`); numbers are exact."""
    return ticket_from_dict(_read(text, "ticket"), currency)


def ticket_to_json(customer: Customer, issue: Issue) -> str:
    """The ticket as compact JSON text, as :func:`ticket_from_json` reads it back, equal."""
    return _write(ticket_to_dict(customer, issue))


def resolution_to_json(resolution: Resolution) -> str:
    """The resolution as compact JSON text (see :func:`resolution_to_dict`)."""
    return _write(resolution_to_dict(resolution))


def resolution_from_json(text: str | bytes) -> Resolution:
    """Read :func:`resolution_to_json`'s text back into an equal Resolution."""
    data = _read(text, "resolution")
    if not isinstance(data, dict):
        raise InvalidTicket("resolution: is not a JSON object")
    return resolution_from_dict(data)


def event_to_json(event: Event, *, with_resolution: bool = True) -> str:
    """The event as compact JSON text, as the sinks send it (see :func:`event_to_dict`)."""
    return _write(event_to_dict(event, with_resolution=with_resolution))


def event_from_json(text: str | bytes, policy: Policy | None = None) -> Event:
    """Read :func:`event_to_json`'s text back into an equal Event, with *policy*."""
    data = _read(text, "event")
    if not isinstance(data, dict):
        raise InvalidTicket("event: is not a JSON object")
    return event_from_dict(data, policy)


# ---- the JSON Schemas ------------------------------------------------------------------------

#: Where each schema says it lives.
_SCHEMA_BASE: Final = "https://favorpolicy.dev/schema/"
_NAMES: Final = ("ticket", "resolution", "event", "policy")
_TEXT: Final = {"type": "string", "maxLength": NAME_LIMIT}
#: A character that is not blank, as Python's str.strip() sees blanks (written out: the
#: ``\\s`` of ECMA-262 and of Python differ).
_NOT_BLANK: Final = (
    "[^\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0"
    "\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
#: Text that must say something: an id, a kind, a tier.
_SOME_TEXT: Final = {
    "type": "string",
    "minLength": 1,
    "maxLength": NAME_LIMIT,
    "pattern": _NOT_BLANK,
}
_REGION: Final = {
    "description": "an ISO 3166 country, with an optional subdivision: 'BR' or 'BR-SP'",
    "type": "string",
    "pattern": r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$",
}
_MOMENT: Final = {
    "description": "an RFC 3339 moment: '2026-03-14T10:00:00+00:00' (no offset: UTC)",
    "type": ["string", "null"],
    "format": "date-time",
    "maxLength": 64,
}
_DATE: Final = {"description": "an ISO date: '2021-04-01'", "type": "string", "format": "date"}
_BELOW: Final = 10**18
_MONEY_OUT: Final = {
    "description": "an amount and its ISO 4217 code: '12.50 USD'",
    "type": "string",
    "pattern": r"^(0|[1-9][0-9]*)(\.[0-9]+)? [A-Z]{3}$",
}


def _document(name: str, description: str, body: dict[str, Any]) -> dict[str, Any]:
    """A whole schema: its dialect, its id and title, and *body*."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{_SCHEMA_BASE}{name}.json",
        "title": f"favorpolicy {name}",
        "description": f"{description}; see docs/wire-format.md.",
        **body,
    }


def _object(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _amount_in(currency: str | None) -> dict[str, Any]:
    code = currency if currency is not None else "[A-Za-z]{3}"
    return {
        "description": (
            "an amount: a JSON number, read exactly (at most 18 decimal places), or text, "
            "with the policy's currency code or without: '25.00', '25.00 USD'"
        ),
        "anyOf": [
            {"type": "number", "minimum": 0, "exclusiveMaximum": _BELOW},
            {"type": "string", "pattern": rf"^(0|[1-9][0-9]{{0,17}})(\.[0-9]{{1,18}})?( {code})?$"},
        ],
    }


def _facts_schema() -> dict[str, Any]:
    dated = [
        _object({"date": _DATE}, "date"),
        _object({"datetime": {**_MOMENT, "type": "string"}}, "datetime"),
    ]
    value = {
        "description": (
            "text, a whole number, a number (read exactly, at most 18 decimal places), "
            "true or false, or a dated fact: {'date': '2026-03-01'}"
        ),
        "anyOf": [
            {"type": "string", "maxLength": 1000},
            {"type": "boolean"},
            {"type": "number", "exclusiveMinimum": -_BELOW, "exclusiveMaximum": _BELOW},
            *dated,
        ],
    }
    return {
        "type": "object",
        "maxProperties": MAX_FACTS,
        "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{0,63}$"},
        "additionalProperties": value,
    }


def ticket_schema(currency: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ticket, as :func:`ticket_from_dict` reads it.

    With *currency*, a text amount may carry only that code.
    """
    amount = _amount_in(currency)
    kinds = [kind.value for kind in RemedyKind]
    customer = _object(
        {
            "id": _SOME_TEXT,
            "tier": _SOME_TEXT,
            "since": {**_DATE, "type": ["string", "null"]},
            "lifetime_value": {"anyOf": [amount, {"type": "null"}]},
            "prior_remedies": {"type": "integer", "minimum": 0, "maximum": MAX_PRIOR_REMEDIES},
            "preference": {"enum": [*kinds, None]},
            "region": {"anyOf": [_REGION, {"type": "null"}]},
            "facts": _facts_schema(),
        },
        "id",
    )
    issue = _object(
        {
            "id": _SOME_TEXT,
            "kind": _SOME_TEXT,
            "fault": {"enum": [fault.value for fault in Fault]},
            "loss": amount,
            "order_value": {"anyOf": [amount, {"type": "null"}]},
            "severity": {"type": "integer", "minimum": 1, "maximum": 5},
            "conduct": {"type": "string", "maxLength": WORDS_LIMIT},
            "channel": _TEXT,
            **dict.fromkeys(_MOMENTS, _MOMENT),
            "region": {"anyOf": [_REGION, {"type": "null"}]},
            "category": _TEXT,
            "facts": _facts_schema(),
        },
        "id",
        "kind",
        "fault",
        "loss",
    )
    return _document(
        "ticket",
        "One customer and one issue",
        _object({"customer": customer, "issue": issue}, "customer", "issue"),
    )


def _resolution_properties() -> dict[str, Any]:
    nullable_money = {"anyOf": [_MONEY_OUT, {"type": "null"}]}
    remedy = _object(
        {
            "kind": {"enum": [kind.value for kind in RemedyKind]},
            "value": _MONEY_OUT,
            "cost": nullable_money,
            "note": {"type": "string"},
        },
        "kind",
        "value",
        "cost",
        "note",
    )
    package = {"type": "array", "items": remedy}
    reason = _object(
        {"code": {"type": "string"}, "message": {"type": "string"}, "amount": nullable_money},
        "code",
        "message",
        "amount",
    )
    return {
        "issue_id": {"type": "string"},
        "customer_id": {"type": "string"},
        "role": {"type": "string"},
        "remedies": package,
        "owed": _MONEY_OUT,
        "goodwill": _MONEY_OUT,
        "total": _MONEY_OUT,
        "granted_now": _MONEY_OUT,
        "escalate_to": {"type": ["string", "null"]},
        "alternatives": {"type": "array", "items": package},
        "reasons": {"type": "array", "items": reason},
        "policy_fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "key": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "screen": _verdict(),
        "faults": {"type": "array", "items": _fault()},
        "granted_before": nullable_money,
        "supersedes": {"type": ["string", "null"]},
        "choices": {"type": "array", "items": package},
        "picked": {"type": ["integer", "null"], "minimum": 0},
        "keep_item": {"type": "boolean"},
    }


def _verdict() -> dict[str, Any]:
    levels = [level.name.lower() for level in Level]
    return _object(
        {"level": {"enum": levels}, "reason": {"type": "string"}, "plugin": {"type": "string"}},
        "level",
        "reason",
        "plugin",
    )


def _fault() -> dict[str, Any]:
    text = {"type": "string"}
    return _object({"plugin": text, "hook": text, "error": text}, "plugin", "hook", "error")


def resolution_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`resolution_to_dict`'s output."""
    properties = _resolution_properties()
    return _document(
        "resolution", "A decision, as resolve --json prints it", _object(properties, *properties)
    )


def event_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`event_to_dict`'s output."""
    resolution = _object(_resolution_properties(), *_resolution_properties())
    text = {"type": "string"}
    return _document(
        "event",
        "A notification, as the sinks send it",
        _object(
            {
                "id": text,
                "kind": {"enum": [kind.value for kind in EventKind]},
                "key": text,
                "issue_id": text,
                "customer_id": text,
                "role": {"type": ["string", "null"]},
                "verdict": _verdict(),
                "fault": _fault(),
                "resolution": resolution,
            },
            "id",
            "kind",
            "key",
            "issue_id",
            "customer_id",
            "role",
        ),
    )


def json_schema(name: str, *, currency: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) called *name*: ``ticket``, ``resolution``,
    ``event`` or ``policy``; a ticket's with *currency* allows only that code."""
    if name == "ticket":
        return ticket_schema(currency)
    if name == "resolution":
        return resolution_schema()
    if name == "event":
        return event_schema()
    if name == "policy":
        return policy_schema()
    raise InvalidTicket(f"schema: {name!r} is not a schema ({', '.join(_NAMES)})")
