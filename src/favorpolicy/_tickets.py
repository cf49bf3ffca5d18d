"""Tickets and resolutions as JSON data, for the command line and other tools.

A ticket is one customer and one issue::

    {"customer": {"id": "C-1", "tier": "vip", "since": "2021-04-01"},
     "issue": {"id": "T-1", "kind": "late", "fault": "unknown", "loss": "25.00",
               "severity": 3, "occurred_at": "2026-03-14T10:00:00+00:00"}}

Amounts are numbers or strings in the policy's currency, or strings with a
code ("25.00 EUR"). A Resolution becomes JSON with :func:`resolution_to_dict`
and comes back, equal, with :func:`resolution_from_dict`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from json.encoder import encode_basestring as _json_text  # C-accelerated, as json.dumps uses
from typing import TYPE_CHECKING, Any, TypeVar

from ._model import Customer, Issue, Level, PluginFault, Remedy, Resolution, ScreenVerdict
from ._money import Money, parse_amount
from ._plugins import Event, EventKind
from ._policy import Policy
from .exceptions import FavorPolicyError, InvalidIssue, _show

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "InvalidTicket",
    "event_from_dict",
    "event_to_dict",
    "resolution_from_dict",
    "resolution_to_dict",
    "ticket_from_dict",
]

_T = TypeVar("_T")

_CUSTOMER_KEYS = frozenset(
    {"id", "tier", "since", "lifetime_value", "prior_remedies", "preference"}
)
_ISSUE_KEYS = frozenset(
    {"id", "kind", "fault", "loss", "order_value", "severity", "conduct", "channel", "occurred_at"}
)


class InvalidTicket(InvalidIssue):
    """A ticket that is not shaped like one, or holds a bad value."""


def _money(path: str, value: object, currency: str) -> Money:
    try:
        return parse_amount(value, currency)
    except FavorPolicyError as error:
        raise InvalidTicket(f"{path}: {error}") from None


def _when(path: str, value: object, kind: type[date]) -> Any:
    if value is None or isinstance(value, kind):
        return value
    if not isinstance(value, str):
        raise InvalidTicket(f"{path}: {_show(value)} is not an ISO {kind.__name__} text")
    try:
        return kind.fromisoformat(value)
    except ValueError:
        raise InvalidTicket(f"{path}: {value!r} is not an ISO {kind.__name__}") from None


def _key(key: object) -> str:
    return key if isinstance(key, str) else _show(key)


def _section(data: Mapping[str, Any], name: str, allowed: frozenset[str]) -> dict[str, Any]:
    section = data.get(name)
    if not isinstance(section, Mapping):
        raise InvalidTicket(f"{name}: {_show(section)} is not an object")
    unknown = [key for key in section if key not in allowed]
    if unknown:
        raise InvalidTicket(f"{name}.{_key(unknown[0])}: unknown key")
    return dict(section)


def ticket_from_dict(data: object, currency: str) -> tuple[Customer, Issue]:
    """Read one ticket; errors name the key path, prefixed ``customer.`` or ``issue.``."""
    if not isinstance(data, Mapping):
        raise InvalidTicket(f"ticket: {_show(data)} is not an object with customer and issue")
    unknown = [key for key in data if key not in ("customer", "issue")]
    if unknown:
        raise InvalidTicket(f"{_key(unknown[0])}: unknown key; a ticket has customer and issue")
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
    if "occurred_at" in issue:
        issue["occurred_at"] = _when("issue.occurred_at", issue["occurred_at"], datetime)
    return (
        _build("customer", Customer, customer, required=("id",)),
        _build("issue", Issue, issue, required=("id", "kind", "fault", "loss")),
    )


def _build(name: str, kind: type[_T], fields: dict[str, Any], *, required: tuple[str, ...]) -> _T:
    missing = [key for key in required if key not in fields]
    if missing:
        raise InvalidTicket(f"{name}.{missing[0]}: required key missing")
    try:
        return kind(**fields)
    except FavorPolicyError as error:
        # The model's messages start with the field: "severity: 9 is out of range ...".
        raise InvalidTicket(f"{name}.{error}") from None


@functools.cache
def _converter() -> cattrs.Converter:
    # Made on first use: cattrs is slow to load, and reading tickets does not need it.
    import cattrs  # noqa: PLC0415

    converter = cattrs.Converter()
    converter.register_unstructure_hook(Money, str)
    converter.register_structure_hook(Money, lambda text, _: Money(*text.rsplit(" ", 1)))
    converter.register_unstructure_hook(Level, str)
    converter.register_structure_hook(Level, lambda text, _: Level[text.upper()])
    return converter


def _unreadable() -> tuple[type[Exception], ...]:
    """What reading JSON data back can raise; evaluated only once something was raised."""
    import cattrs  # noqa: PLC0415

    return (cattrs.BaseValidationError, FavorPolicyError, ValueError, TypeError, KeyError)


def resolution_to_dict(resolution: Resolution) -> dict[str, Any]:
    """The resolution as JSON data: amounts as ``"12.50 USD"``, kinds and levels as text.

    Written out by hand for speed (the ledger stores one per decision); it
    gives exactly what the cattrs converter gives, which a property test
    checks, and :func:`resolution_from_dict` structures it back through cattrs.
    """
    screen = resolution.screen
    return {
        "issue_id": resolution.issue_id,
        "customer_id": resolution.customer_id,
        "role": resolution.role,
        "remedies": [_remedy_to_dict(remedy) for remedy in resolution.remedies],
        "owed": str(resolution.owed),
        "goodwill": str(resolution.goodwill),
        "total": str(resolution.total),
        "granted_now": str(resolution.granted_now),
        "escalate_to": resolution.escalate_to,
        "alternatives": [
            [_remedy_to_dict(remedy) for remedy in package] for package in resolution.alternatives
        ],
        "reasons": [
            {
                "code": reason.code,
                "message": reason.message,
                "amount": None if reason.amount is None else str(reason.amount),
            }
            for reason in resolution.reasons
        ],
        "policy_fingerprint": resolution.policy_fingerprint,
        "key": resolution.key,
        "screen": {"level": str(screen.level), "reason": screen.reason, "plugin": screen.plugin},
        "faults": [
            {"plugin": fault.plugin, "hook": fault.hook, "error": fault.error}
            for fault in resolution.faults
        ],
    }


def resolution_json(resolution: Resolution) -> str:
    """``json.dumps(resolution_to_dict(resolution))``, compact and not ASCII-escaped, made directly.

    The ledger stores one per decision, so it skips the dictionaries in
    between; a property test holds it equal to encoding the dictionary.
    """
    text = _json_text  # strings from outside are escaped; amounts and levels need not be
    screen = resolution.screen
    remedies = ",".join(map(_remedy_json, resolution.remedies))
    alternatives = ",".join(
        f"[{','.join(map(_remedy_json, package))}]" for package in resolution.alternatives
    )
    reasons = ",".join(
        f'{{"code":{text(reason.code)},"message":{text(reason.message)},'
        f'"amount":{"null" if reason.amount is None else text(str(reason.amount))}}}'
        for reason in resolution.reasons
    )
    faults = ",".join(
        f'{{"plugin":{text(fault.plugin)},"hook":{text(fault.hook)},"error":{text(fault.error)}}}'
        for fault in resolution.faults
    )
    escalate_to = resolution.escalate_to
    return (
        f'{{"issue_id":{text(resolution.issue_id)},"customer_id":{text(resolution.customer_id)},'
        f'"role":{text(resolution.role)},"remedies":[{remedies}],'
        f'"owed":"{resolution.owed}","goodwill":"{resolution.goodwill}",'
        f'"total":"{resolution.total}","granted_now":"{resolution.granted_now}",'
        f'"escalate_to":{"null" if escalate_to is None else text(escalate_to)},'
        f'"alternatives":[{alternatives}],"reasons":[{reasons}],'
        f'"policy_fingerprint":{text(resolution.policy_fingerprint)},'
        f'"key":{text(resolution.key)},'
        f'"screen":{{"level":"{screen.level}","reason":{text(screen.reason)},'
        f'"plugin":{text(screen.plugin)}}},"faults":[{faults}]}}'
    )


def _remedy_json(remedy: Remedy) -> str:
    # Amounts ("12.50 USD") and kinds are plain ASCII with nothing to escape.
    cost = "null" if remedy.cost is None else f'"{remedy.cost}"'
    return (
        f'{{"kind":"{remedy.kind.value}","value":"{remedy.value}","cost":{cost},'
        f'"note":{_json_text(remedy.note)}}}'
    )


def _remedy_to_dict(remedy: Remedy) -> dict[str, Any]:
    cost = remedy.cost
    return {
        "kind": remedy.kind,
        "value": str(remedy.value),
        "cost": None if cost is None else str(cost),
        "note": remedy.note,
    }


def resolution_from_dict(data: Mapping[str, Any]) -> Resolution:
    """Structure :func:`resolution_to_dict`'s output back to an equal Resolution."""
    try:
        return _converter().structure(dict(data), Resolution)
    except _unreadable() as error:
        raise InvalidTicket(f"resolution: cannot be read back: {error}") from None


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
        data["verdict"] = {
            "level": str(event.verdict.level),
            "reason": event.verdict.reason,
            "plugin": event.verdict.plugin,
        }
    if event.fault is not None:
        data["fault"] = _converter().unstructure(event.fault)
    if event.resolution is not None and with_resolution:
        data["resolution"] = resolution_to_dict(event.resolution)
    return data


def event_from_dict(data: Mapping[str, Any], policy: Policy | None = None) -> Event:
    """Structure :func:`event_to_dict`'s output back into an equal Event, with *policy*."""
    try:
        verdict, fault, resolution = data.get("verdict"), data.get("fault"), data.get("resolution")
        return Event(
            kind=EventKind(data["kind"]),
            id=data["id"],
            key=data["key"],
            issue_id=data["issue_id"],
            customer_id=data["customer_id"],
            role=data.get("role"),
            verdict=None if verdict is None else _converter().structure(verdict, ScreenVerdict),
            fault=None if fault is None else _converter().structure(fault, PluginFault),
            resolution=None if resolution is None else resolution_from_dict(resolution),
            policy=policy,
        )
    except _unreadable() as error:
        raise InvalidTicket(f"event: cannot be read back: {error}") from None
