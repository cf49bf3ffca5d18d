"""A canonical JSON form of favorpolicy's values, for fingerprints and decision keys.

Equal values give equal text: ``Money("12.5", "USD")`` and ``Money("12.50",
"USD")`` are equal, so both become ``"12.5 USD"``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, cast

import attrs

from ._model import Customer, Fault, Issue, RemedyKind
from ._money import CONTEXT, Money

__all__ = ["LATE", "canonical", "digest", "key_of", "utc"]


def _decimal(value: Decimal) -> str:
    return format(value.normalize(CONTEXT), "f")


def canonical(value: object) -> object:
    """Turn *value* into plain JSON data in one stable way."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Money):
        return f"{_decimal(value.amount)} {value.currency}"
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(canonical(key)): canonical(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [canonical(item) for item in value]
    if attrs.has(type(value)):
        fields = attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
        return {
            field.name: canonical(getattr(value, field.name))
            for field in fields
            if field.init and not _unset_late_field(field, value)
        }
    raise TypeError(f"no canonical form for {type(value).__name__}")  # a bug, not bad input


#: Field metadata for fields added after fingerprints were first published: while such a
#: field holds its default it is left out, so every fingerprint and decision key already
#: stored (in a ledger, say) stays valid after an upgrade.
LATE: dict[str, bool] = {"favorpolicy_late": True}


def _unset_late_field(field: attrs.Attribute[object], value: object) -> bool:
    if not field.metadata.get("favorpolicy_late"):
        return False
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs' Factory is a class
        default = default.factory()  # type: ignore[attr-defined]
    return bool(getattr(value, field.name) == default)


# The one canonical JSON text, for fingerprints and keys alike. json.dumps() would build an
# encoder anew on every call.
_ENCODE: Final = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_FAULT_TEXT: Final = {fault: fault.value for fault in Fault}
_KIND_TEXT: Final = {kind: kind.value for kind in RemedyKind}


def digest(value: object) -> str:
    """Return the SHA-256 hex digest of *value*'s canonical JSON."""
    return hashlib.sha256(_ENCODE(canonical(value)).encode("utf-8")).hexdigest()


def utc(moment: datetime) -> datetime:
    """*moment* in UTC: the same instant in any time zone is one; a naive one is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _later_fields(issue: Issue, customer: Customer) -> dict[str, object]:
    later: dict[str, object] = {}
    for name in ("ordered_at", "promised_at", "delivered_at"):
        moment = getattr(issue, name)
        if moment is not None:
            later[name] = utc(moment).isoformat()
    if issue.region is not None:
        later["region"] = issue.region
    if issue.category:
        later["category"] = issue.category
    if issue.facts:
        later["facts"] = _facts(issue.facts)
    if customer.region is not None:
        later["customer.region"] = customer.region
    if customer.facts:
        later["customer.facts"] = _facts(customer.facts)
    return later


def _facts(facts: Mapping[str, object]) -> list[list[object]]:
    # Each value with its type: the fact True is not the number 1, nor the text "1".
    return [[name, type(value).__name__, canonical(value)] for name, value in facts.items()]


def key_of(issue: Issue, customer: Customer, fingerprint: str, role: str, years: int) -> str:
    """The decision key: the digest of every field of the issue and the customer, the policy's
    terms *fingerprint*, the *role* and the tenure in whole *years* the decision used.

    Equal values give equal keys: ``0.00`` and ``0.000``, and the same instant
    written in any time zone.

    Written out field by field rather than through :func:`canonical`, since
    it is made once per decision; the text is the same canonical form.
    """
    order_value = issue.order_value
    lifetime = customer.lifetime_value
    fields = [
        # The key format: 2 since instants are written in UTC and the policy's settings
        # left out; a future change gets a new number, so it cannot collide with these.
        2,
        issue.id,
        issue.kind,
        _FAULT_TEXT[issue.fault],
        _decimal(issue.loss.amount),
        issue.loss.currency,
        None if order_value is None else _decimal(order_value.amount),
        issue.severity,
        issue.conduct,
        issue.channel,
        None if issue.occurred_at is None else utc(issue.occurred_at).isoformat(),
        customer.id,
        customer.tier,
        None if customer.since is None else customer.since.isoformat(),
        None if lifetime is None else f"{_decimal(lifetime.amount)} {lifetime.currency}",
        customer.prior_remedies,
        None if customer.preference is None else _KIND_TEXT[customer.preference],
        fingerprint,
        role,
        years,
    ]
    later = _later_fields(issue, customer)
    if later:
        # Fields added after key format 2: only when set, so every stored key stays valid.
        fields.append(later)
    return hashlib.sha256(_ENCODE(fields).encode("utf-8")).hexdigest()
