#!/usr/bin/env python3
"""Cut this small Olist fixture from the joined subset beside the project.

    python3 tests/data/olist/make_fixture.py ../shared/data/olist-joined tests/data/olist

Rule, with nothing drawn at random: in file order, the first 8 canceled, 8
unavailable, 12 late (delivered on a day after the estimated one) and 4 on-time
orders, with every item, payment and review row of theirs and their customers'
rows; then the items and payments of the first canceled order and of the first
unavailable one are left out, so that the adapter's "no payments and no items"
skip is exercised too. The products are those the kept items name, and the
category translation holds the rows of their categories, with the release's
byte-order mark. Every file keeps its source's row order. Standard library only;
the same source gives the same files, byte for byte.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

ORDERS = "olist_orders_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
TRANSLATION = "product_category_name_translation.csv"
WANTED = {"canceled": 8, "unavailable": 8, "late": 12, "on time": 4}


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        return next(reader), list(reader)


def write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as file:
        file.write(",".join(f'"{name}"' for name in header) + "\n")
        csv.writer(file, lineterminator="\n").writerows(rows)


def group(row: dict[str, str]) -> str | None:
    status = row["order_status"]
    if status in ("canceled", "unavailable"):
        return status
    delivered, estimated = (
        row["order_delivered_customer_date"],
        row["order_estimated_delivery_date"],
    )
    if status != "delivered" or not delivered or not estimated:
        return None
    late = datetime.fromisoformat(delivered).date() > datetime.fromisoformat(estimated).date()
    return "late" if late else "on time"


def main(source: Path, out: Path) -> None:
    header, orders = read(source / ORDERS)
    taken: dict[str, list[str]] = {name: [] for name in WANTED}
    kept = []
    for row in orders:
        name = group(dict(zip(header, row, strict=True)))
        if name is not None and len(taken[name]) < WANTED[name]:
            taken[name].append(row[0])
            kept.append(row)
    write(out / ORDERS, header, kept)
    ids = {row[0] for row in kept}
    bare = {taken["canceled"][0], taken["unavailable"][0]}
    head, rows = read(source / ITEMS)
    items = [r for r in rows if r[0] in ids - bare]
    write(out / ITEMS, head, items)
    head, rows = read(source / PAYMENTS)
    write(out / PAYMENTS, head, [r for r in rows if r[0] in ids - bare])
    head, rows = read(source / REVIEWS)
    write(out / REVIEWS, head, [r for r in rows if r[1] in ids])
    customers = {row[1] for row in kept}
    head, rows = read(source / CUSTOMERS)
    write(out / CUSTOMERS, head, [r for r in rows if r[0] in customers])
    named = {row[2] for row in items}
    head, rows = read(source / PRODUCTS)
    products = [r for r in rows if r[0] in named]
    write(out / PRODUCTS, head, products)
    categories = {row[1] for row in products}
    head, rows = read(source / TRANSLATION)
    write(out / TRANSLATION, head, [r for r in rows if r[0] in categories], "utf-8-sig")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
