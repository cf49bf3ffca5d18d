"""Where a backtest's tickets come from, and the items a source yields.

Every source is a generator, so a run streams its input: memory stays flat
however many rows there are. A row that cannot be read becomes a
:class:`BadRow` naming the file and line; the caller decides whether that
stops the run or is counted. This module reads ticket files (CSV and JSON
Lines); ``_olist`` reads the Olist e-commerce data, ``_examples`` makes
seeded example tickets.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from .._forms import ticket_from_dict
from .._model import Customer, Issue
from ..exceptions import FavorPolicyError

__all__ = ["CSV_COLUMNS", "MAX_LINE", "BadRow", "Item", "Skip", "Ticket", "file_tickets"]

#: The longest line of a JSON Lines ticket file, in bytes.
MAX_LINE: Final = 1 << 20


#: The columns of a CSV ticket file; only customer_id, issue_id, kind, fault and loss are required.
CSV_COLUMNS = (
    "customer_id", "tier", "since", "lifetime_value", "prior_remedies", "preference",
    "customer_region",
    "issue_id", "kind", "fault", "loss", "order_value", "severity", "conduct", "channel",
    "occurred_at", "ordered_at", "promised_at", "delivered_at", "region", "category",
)  # fmt: skip
_CUSTOMER_COLUMNS = {
    "customer_id": "id", "tier": "tier", "since": "since", "lifetime_value": "lifetime_value",
    "prior_remedies": "prior_remedies", "preference": "preference", "customer_region": "region",
}  # fmt: skip
_INT_COLUMNS = frozenset({"prior_remedies", "severity"})


@attrs.frozen
class Ticket:
    """One customer and one issue to resolve, and where they came from."""

    customer: Customer
    issue: Issue
    source: str


@attrs.frozen
class Skip:
    """An input that is not a ticket, for a known reason (counted, never silently dropped)."""

    reason: str
    source: str


@attrs.frozen
class BadRow:
    """A malformed row: the run stops here unless told to skip bad rows."""

    source: str
    error: str


Item = Ticket | Skip | BadRow


def file_tickets(path: str | os.PathLike[str], currency: str) -> Iterator[Item]:
    """Tickets from a ``.csv`` file (see :data:`CSV_COLUMNS`) or a ``.jsonl`` file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        yield from _csv_tickets(path, currency)
    else:
        yield from _jsonl_tickets(path, currency)


def _jsonl_tickets(path: Path, currency: str) -> Iterator[Item]:
    with path.open("rb") as lines:
        number = 0
        while raw := lines.readline(MAX_LINE + 1):
            number += 1
            source = f"{path}:{number}"
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                yield BadRow(source, f"is longer than a ticket may be ({MAX_LINE} bytes)")
                while (rest := lines.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    pass  # the rest of that line
                continue
            yield from _jsonl_ticket(raw, source, currency)


def _jsonl_ticket(raw: bytes, source: str, currency: str) -> Iterator[Item]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        yield BadRow(source, f"is not UTF-8 text (byte {error.start})")
        return
    if not line.strip():
        return
    try:
        # A JSON number is read exactly: 0.10000000000000000001 is not 0.1.
        customer, issue = ticket_from_dict(json.loads(line, parse_float=Decimal), currency)
    except json.JSONDecodeError as error:
        yield BadRow(source, f"not valid JSON: {error.msg}")
    except FavorPolicyError as error:
        yield BadRow(source, str(error))
    except (ValueError, RecursionError) as error:  # a 5,000-digit number; nested too deep
        yield BadRow(source, "nested too deep" if isinstance(error, RecursionError) else str(error))
    else:
        yield Ticket(customer, issue, source)


def _csv_tickets(path: Path, currency: str) -> Iterator[Item]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        try:
            yield from _csv_rows(path, reader, currency)
        except UnicodeDecodeError as error:
            yield BadRow(f"{path}:{reader.line_num + 1}", f"is not UTF-8 text ({error.reason})")
        except csv.Error as error:  # a field longer than the csv module's limit, say
            yield BadRow(f"{path}:{reader.line_num}", f"cannot be read as CSV: {error}")


def _csv_rows(path: Path, reader: csv.DictReader[str], currency: str) -> Iterator[Item]:
    unknown = sorted(set(reader.fieldnames or ()) - set(CSV_COLUMNS))
    if unknown:
        yield BadRow(f"{path}:1", f"unknown column {unknown[0]!r}")
        return
    for row in reader:
        source = f"{path}:{reader.line_num}"
        if None in row:
            yield BadRow(source, "has more fields than the header names")
            continue
        customer: dict[str, Any] = {}
        issue: dict[str, Any] = {}
        for column, value in row.items():
            if value in (None, ""):
                continue
            whole = column in _INT_COLUMNS and value.isascii() and value.isdigit()
            text: Any = int(value) if whole and len(value) <= 9 else value
            if column in _CUSTOMER_COLUMNS:
                customer[_CUSTOMER_COLUMNS[column]] = text
            else:
                issue["id" if column == "issue_id" else column] = text
        try:
            made = ticket_from_dict({"customer": customer, "issue": issue}, currency)
        except FavorPolicyError as error:
            yield BadRow(source, str(error))
        else:
            yield Ticket(*made, source=source)
