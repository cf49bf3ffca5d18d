"""Tickets from the Olist e-commerce data (see docs/simulate.md for the rules).

The customers, products, items, payments and reviews are joined in memory, one
dict per table (they are the smaller tables); the orders themselves are streamed.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

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

# A Brazilian state's two-letter code, as the customers table writes it.
_STATE: Final = re.compile(r"[A-Z]{2}\Z")
# An item with no number comes after the numbered ones.
_UNNUMBERED: Final = 1 << 62


def _read(path: Path) -> Iterator[dict[str, str]]:
    # utf-8-sig: the release's category translation starts with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as file:
        try:
            yield from csv.DictReader(file)
        except UnicodeDecodeError as error:
            raise BadInput(f"{path}: is not UTF-8 text ({error.reason})") from None
        except csv.Error as error:
            raise BadInput(f"{path}: cannot be read as CSV: {error}") from None


def _read_if_there(path: Path) -> Iterator[dict[str, str]]:
    # Older folders hold only the orders, items, payments and reviews.
    return _read(path) if path.is_file() else iter(())


def _moment(row: dict[str, str], column: str) -> datetime | None:
    """The date and time in *column*, in UTC as the release's are; None when empty."""
    text = row[column] or ""  # a short row leaves its missing fields None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text.strip() else None
    except ValueError:
        raise BadInput(
            f"{column}: {text!r} is not a date and time such as '2018-02-03 20:37:35'"
        ) from None


def _region(state: str | None) -> str | None:
    code = (state or "").strip().upper()
    return f"BR-{code}" if _STATE.match(code) else None


def _categories(directory: Path) -> dict[str, str]:
    """Product id to its category: in English where translated, else in Portuguese."""
    english = {
        row["product_category_name"]: row["product_category_name_english"]
        for row in _read_if_there(directory / "product_category_name_translation.csv")
    }
    named: dict[str, str] = {}
    for row in _read_if_there(directory / "olist_products_dataset.csv"):
        name = row["product_category_name"].strip()
        named[row["product_id"]] = english.get(name) or name
    return named


def _items(
    directory: Path,
) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, int], dict[str, tuple[int, str]]]:
    """Per order: its freight, its items' price plus freight, its number of items, and its
    first item (``order_item_id`` 1, else the lowest) with that item's category."""
    add = CONTEXT.add  # sums in favorpolicy's context, whatever the caller's is
    # Only each order's category is kept, so the products table is let go on return.
    categories = _categories(directory)
    freight: dict[str, Decimal] = defaultdict(Decimal)
    items_value: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    first: dict[str, tuple[int, str]] = {}
    for row in _read(directory / "olist_order_items_dataset.csv"):
        order, price, shipping = (
            row["order_id"],
            Decimal(row["price"]),
            Decimal(row["freight_value"]),
        )
        freight[order] = add(freight[order], shipping)
        items_value[order] = add(items_value[order], add(price, shipping))
        count[order] += 1
        number = int(row["order_item_id"]) if row["order_item_id"].isdigit() else _UNNUMBERED
        if order not in first or number < first[order][0]:
            first[order] = (number, categories.get(row["product_id"], ""))
    return freight, items_value, count, first


def olist_tickets(directory: str | os.PathLike[str], currency: str = "BRL") -> Iterator[Item]:
    """Tickets from the Olist e-commerce CSVs (see docs/simulate.md for the rules).

    The customers, products, items, payments and reviews are joined in memory
    (they are the smaller tables); the orders themselves are streamed. The
    customers and products files are optional: without them a ticket's customer
    is the order's ``customer_id``, with no region, and its issue has no category.
    """
    directory = Path(directory)
    add = CONTEXT.add  # sums in favorpolicy's context, whatever the caller's is
    freight, items_value, count, first = _items(directory)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read(directory / "olist_order_payments_dataset.csv"):
        paid[row["order_id"]] = add(paid[row["order_id"]], Decimal(row["payment_value"]))
    reviews: dict[str, tuple[int, str]] = {}
    for row in _read(directory / "olist_order_reviews_dataset.csv"):
        words = " ".join(filter(None, (row["review_comment_title"], row["review_comment_message"])))
        if row["review_score"].isdigit():
            reviews[row["order_id"]] = (int(row["review_score"]), words.strip())
    # customer_id is one per order; customer_unique_id is the person, so a repeat buyer
    # is one customer.
    people: dict[str, tuple[str, str | None]] = {
        row["customer_id"]: (
            row["customer_unique_id"].strip() or row["customer_id"],
            _region(row["customer_state"]),
        )
        for row in _read_if_there(directory / "olist_customers_dataset.csv")
    }
    orders = directory / "olist_orders_dataset.csv"
    for number, row in enumerate(_read(orders), 2):
        source = f"{orders}:{number}"
        try:
            ordered_at = _moment(row, "order_purchase_timestamp")
            promised_at = _moment(row, "order_estimated_delivery_date")
            delivered_at = _moment(row, "order_delivered_customer_date")
        except BadInput as error:
            yield BadRow(source, str(error))
            continue
        found = _olist_problem(row["order_status"], ordered_at, promised_at, delivered_at)
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
        person, region = people.get(row["customer_id"], (row["customer_id"], None))
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
                ordered_at=ordered_at,
                promised_at=promised_at,
                delivered_at=delivered_at,
                region=region,
                category=first.get(order, (0, ""))[1],
                facts={"items": count.get(order, 0)},
            )
            customer = Customer(person or f"unknown-{order}", region=region)
        except FavorPolicyError as error:
            yield BadRow(source, str(error))
            continue
        yield Ticket(customer, issue, source)


def _olist_problem(
    status: str,
    purchased: datetime | None,
    estimated: datetime | None,
    delivered: datetime | None,
) -> tuple[str, Fault, datetime | None] | None:
    if status in OLIST_STATUS:
        kind, fault = OLIST_STATUS[status]
        return kind, fault, purchased
    if delivered is not None and estimated is not None and delivered.date() > estimated.date():
        return "late", Fault.BUSINESS, delivered
    return None
