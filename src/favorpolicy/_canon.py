"""A canonical JSON form of favorpolicy's values, for fingerprints and decision keys.

Equal values give equal text: ``Money("12.5", "USD")`` and ``Money("12.50",
"USD")`` are equal, so both become ``"12.5 USD"``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import cast

import attrs

from ._money import CONTEXT, Money

__all__ = ["LATE", "canonical", "digest"]


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


def digest(value: object) -> str:
    """Return the SHA-256 hex digest of *value*'s canonical JSON."""
    text = json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
