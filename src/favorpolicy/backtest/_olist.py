"""Tickets from the Olist e-commerce data (see docs/simulate.md for the rules).

The items, payments and reviews are joined by order id in memory (they are the
smaller tables); the orders themselves are streamed.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from .._model import Customer, Fault, Issue
from .._money import CONTEXT, Money
from ..exceptions import BadInput, FavorPolicyError
from ._sources import BadRow, Item, Skip, Ticket

__all__ = ["OLIST_STATUS", "olist_tickets"]


#: Olist order statuses that become tickets, with the kind and fault they get.
OLIST_STATUS = {
    "canceled": ("service_failure", Fault.UNKNOWN),
    "unavailable": ("missing_item", Fault.BUSINESS),
}


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        try:
            yield from csv.DictReader(file)
        except UnicodeDecodeError as error:
            raise BadInput(f"{path}: is not UTF-8 text ({error.reason})") from None
        except csv.Error as error:
            raise BadInput(f"{path}: cannot be read as CSV: {error}") from None


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text.strip() else None


def olist_tickets(directory: str | os.PathLike[str], currency: str = "BRL") -> Iterator[Item]:
    """Tickets from the Olist e-commerce CSVs (see docs/simulate.md for the rules).

    The items, payments and reviews are joined by order id in memory (they are
    the smaller tables); the orders themselves are streamed.
    """
    directory = Path(directory)
    add = CONTEXT.add  # sums in favorpolicy's context, whatever the caller's is
    freight: dict[str, Decimal] = defaultdict(Decimal)
    items_value: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read(directory / "olist_order_items_dataset.csv"):
        order, price, shipping = (
            row["order_id"],
            Decimal(row["price"]),
            Decimal(row["freight_value"]),
        )
        freight[order] = add(freight[order], shipping)
        items_value[order] = add(items_value[order], add(price, shipping))
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read(directory / "olist_order_payments_dataset.csv"):
        paid[row["order_id"]] = add(paid[row["order_id"]], Decimal(row["payment_value"]))
    reviews: dict[str, tuple[int, str]] = {}
    for row in _read(directory / "olist_order_reviews_dataset.csv"):
        words = " ".join(filter(None, (row["review_comment_title"], row["review_comment_message"])))
        if row["review_score"].isdigit():
            reviews[row["order_id"]] = (int(row["review_score"]), words.strip())
    orders = directory / "olist_orders_dataset.csv"
    for number, row in enumerate(_read(orders), 2):
        source = f"{orders}:{number}"
        found = _olist_problem(row)
        if found is None:
            continue
        kind, fault, occurred_at = found
        order = row["order_id"]
        value = paid.get(order) or items_value.get(order)
        if not value:
            yield Skip("order has no payments and no items, so no value", source)
            continue
        # Late: the freight is owed back. Canceled or unavailable: the whole order.
        loss = freight.get(order, Decimal(0)) if kind == "late" else value
        score, words = reviews.get(order, (0, ""))
        severity = 6 - score if score else {"late": 2}.get(kind, 3)
        try:
            issue = Issue(
                order,
                kind,
                fault,
                Money(loss, currency).round_up(),
                order_value=Money(value, currency).round_up(),
                severity=severity,
                conduct=words,
                channel="olist",
                occurred_at=occurred_at,
            )
            customer = Customer(row["customer_id"] or f"unknown-{order}")
        except FavorPolicyError as error:
            yield BadRow(source, str(error))
            continue
        yield Ticket(customer, issue, source)


def _olist_problem(row: dict[str, str]) -> tuple[str, Fault, datetime | None] | None:
    status = row["order_status"]
    purchased = _moment(row["order_purchase_timestamp"])
    if status in OLIST_STATUS:
        kind, fault = OLIST_STATUS[status]
        return kind, fault, purchased
    delivered = _moment(row["order_delivered_customer_date"])
    estimated = _moment(row["order_estimated_delivery_date"])
    if delivered is not None and estimated is not None and delivered.date() > estimated.date():
        return "late", Fault.BUSINESS, delivered
    return None
