"""favorpolicy simulate: the backtest, on files, the real Olist sample and the seeded example."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from favorpolicy import Facts, Money, fact_value, policy_from_toml
from favorpolicy.backtest import CSV_COLUMNS, BadRow, Ticket, example_tickets, olist_tickets
from favorpolicy.backtest._examples import ExampleBlock
from favorpolicy.cli import main

ROOT = Path(__file__).parent.parent
POLICY = ROOT / "examples" / "policy.toml"
#: The small fixture shipped with the tests (tests/data/olist/README.md), in any checkout.
OLIST = ROOT / "tests" / "data" / "olist"
#: The joined Olist subset beside the project, where there is one (or FAVORPOLICY_OLIST).
SHARED_OLIST = Path(
    os.environ.get("FAVORPOLICY_OLIST", ROOT.parent / "shared" / "data" / "olist-joined")
)
OLIST_FOLDERS = [
    pytest.param(OLIST, id="fixture"),
    pytest.param(
        SHARED_OLIST,
        id="shared",
        marks=pytest.mark.skipif(
            not (SHARED_OLIST / "olist_orders_dataset.csv").is_file(),
            reason=f"needs the shared Olist data at {SHARED_OLIST}, not beside this checkout",
        ),
    ),
]
ENV = {"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"}
ORDERS = "olist_orders_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
#: What a folder held before the customers and products files were read.
OLDER_OLIST_FILES = (
    ORDERS,
    "olist_order_items_dataset.csv",
    "olist_order_payments_dataset.csv",
    "olist_order_reviews_dataset.csv",
)


def simulate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["simulate", "--policy", str(POLICY), *args], env=ENV)
    return result.exit_code, result.stdout, result.stderr


def simulate_json(*args: str) -> dict[str, object]:
    code, out, err = simulate("--json", *args)
    assert (0, "") == (code, err)
    data: dict[str, object] = json.loads(out)
    return data


@pytest.fixture
def tighter(tmp_path: Path) -> Path:
    text = POLICY.read_text().replace(
        "rates = [0.05, 0.10, 0.15, 0.20, 0.30]", "rates = [0.02, 0.05, 0.10, 0.15, 0.20]"
    )
    path = tmp_path / "tighter.toml"
    path.write_text(text.replace('name = "loja-da-esquina"', 'name = "tighter"'))
    return path


class TestExample:
    def test_resolves_every_ticket_and_reports_json(self) -> None:
        data = simulate_json("--example", "300")
        assert 300 == data["resolved"]
        assert {} == data["skipped"]
        totals = data["totals"]
        assert isinstance(totals, dict)
        assert 300 == totals["tickets"]
        for key in ("owed", "goodwill", "cost", "granted_on_the_spot_share", "escalated"):
            assert key in totals
        by_kind = data["by_kind"]
        assert isinstance(by_kind, dict)
        assert 300 == sum(group["tickets"] for group in by_kind.values())

    @pytest.mark.parametrize("currency", ["BRL", "JPY", "KWD"])
    def test_example_tickets_pass_the_checks_they_skip(self, currency: str) -> None:
        # The generator builds its tickets without re-running the validators;
        # rebuilding each through __init__ runs them, and must give the same ticket.
        for ticket in example_tickets(500, currency, ("standard", "plus", "vip")):
            assert ticket.customer == attrs.evolve(ticket.customer)
            assert ticket.issue == attrs.evolve(
                ticket.issue, loss=Money(ticket.issue.loss.amount, currency)
            )
            assert ticket.issue.loss.is_whole()
            assert 0 <= ticket.issue.loss.amount.scaleb(ticket.issue.loss.minor_units) <= 40_000

    def test_a_block_made_alone_is_the_same_as_in_the_whole_set(self) -> None:
        # Workers make their own blocks: each must be exactly its slice of the set.
        examples = example_tickets(1234, "BRL", ("standard", "vip"), seed=5)
        whole = list(examples)
        blocks = list(examples.blocks())
        assert [block.count for block in blocks] == [500, 500, 234]
        made_backwards = {block.first: list(block.tickets()) for block in reversed(blocks)}
        assert whole == [
            ticket for first in sorted(made_backwards) for ticket in made_backwards[first]
        ]
        alone = ExampleBlock(examples, 500, 500)
        assert list(alone.tickets()) == whole[500:1000]
        assert [t.issue.id for t in whole] == [f"EX-{n}" for n in range(1, 1235)]
        other = example_tickets(1234, "BRL", ("standard", "vip"), seed=6)
        assert list(other) != whole

    def test_is_seeded(self) -> None:
        tiers = policy_from_toml(POLICY).tiers
        first = [t.issue for t in example_tickets(50, "BRL", tiers)]
        assert first == [t.issue for t in example_tickets(50, "BRL", tiers)]
        assert simulate("--example", "200")[1] == simulate("--example", "200")[1]

    def test_two_workers_add_up_to_the_same(self) -> None:
        one = simulate_json("--example", "1200")
        two = simulate_json("--example", "1200", "--workers", "2")
        assert one == two

    def test_the_table_is_for_people(self) -> None:
        code, out, err = simulate("--example", "100")
        assert (0, "") == (code, err)  # no progress bar when stderr is not a terminal
        assert out.startswith("tickets resolved: 100\nskipped: 0\n")
        assert "policy 'loja-da-esquina' (amounts in BRL)" in out
        assert "by kind" in out
        assert "by fault" in out


class TestCompareAndPlot:
    def test_compare_counts_customers_who_get_more_or_less(self, tighter: Path) -> None:
        data = simulate_json("--example", "400", "--compare", str(tighter))
        compare = data["compare"]
        assert isinstance(compare, dict)
        assert 0 == compare["customers_get_more"]
        assert compare["customers_get_less"] > 0
        assert 400 == sum(compare[key] for key in (
            "customers_get_more", "customers_get_less", "customers_get_the_same"))  # fmt: skip
        assert "tighter" == compare["policy"]["policy"]
        _, out, _ = simulate("--example", "400", "--compare", str(tighter))
        assert f"{compare['customers_get_less']} customer(s) would get less" in out

    def test_plot_writes_a_png(self, tighter: Path, tmp_path: Path) -> None:
        target = tmp_path / "out.png"
        code, _, err = simulate(
            "--example", "300", "--compare", str(tighter), "--plot", str(target)
        )
        assert (0, "") == (code, err)
        assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert target.stat().st_size > 10_000


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


GOOD = {"customer_id": "c1", "issue_id": "t1", "kind": "late", "fault": "business",
        "loss": "10.00", "severity": "2", "conduct": "Atrasou, que pena.\nDe novo."}  # fmt: skip


class TestFiles:
    def test_csv_with_quoted_newlines(self, tmp_path: Path) -> None:
        path = _csv(tmp_path / "t.csv", [GOOD, {**GOOD, "issue_id": "t2", "tier": "vip"}])
        assert 2 == simulate_json(str(path))["resolved"]

    def test_jsonl(self, tmp_path: Path) -> None:
        path = tmp_path / "t.jsonl"
        tickets = sorted((ROOT / "examples" / "tickets").glob("*.json"))
        path.write_text("\n".join(json.dumps(json.loads(t.read_text())) for t in tickets) + "\n")
        assert len(tickets) == simulate_json(str(path))["resolved"]

    def test_a_bad_row_stops_the_run_naming_file_and_line(self, tmp_path: Path) -> None:
        path = _csv(tmp_path / "t.csv", [GOOD, {**GOOD, "issue_id": "t2", "severity": "9"}, GOOD])
        code, out, err = simulate(str(path))
        assert 2 == code
        assert "" == out
        # The header is line 1 and the first row spans two lines (a quoted newline).
        assert f"favorpolicy: error: {path}:5: issue.severity: 9 is out of range" in err
        assert 1 == err.count("\n")

    def test_skip_bad_counts_and_reports(self, tmp_path: Path) -> None:
        path = _csv(tmp_path / "t.csv", [GOOD, {**GOOD, "issue_id": "t2", "fault": "aliens"}])
        data = simulate_json(str(path), "--skip-bad")
        assert (1, {"bad row": 1}, 1) == (data["resolved"], data["skipped"], data["bad_rows"])
        _, out, _ = simulate(str(path), "--skip-bad")
        assert "bad row: " in out
        assert "fault: 'aliens'" in out

    def test_an_unknown_column_is_a_bad_row(self, tmp_path: Path) -> None:
        path = tmp_path / "t.csv"
        path.write_text("customer_id,isue_id\nc,t\n")
        code, _, err = simulate(str(path))
        assert 2 == code
        assert f"{path}:1: unknown column 'isue_id'" in err

    def test_exactly_one_input(self) -> None:
        code, _, err = simulate()
        assert 2 == code
        assert "give exactly one of TICKETS, --olist DIR or --example N" in err


def _olist_expected(folder: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Count the tickets and skips from the raw CSVs, independently of favorpolicy's adapter."""
    with (folder / "olist_order_payments_dataset.csv").open(newline="", encoding="utf-8") as f:
        paid = {row["order_id"] for row in csv.DictReader(f)}
    with (folder / "olist_order_items_dataset.csv").open(newline="", encoding="utf-8") as f:
        items = {row["order_id"] for row in csv.DictReader(f)}
    kinds: Counter[str] = Counter()
    skipped = 0
    with (folder / "olist_orders_dataset.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            status = row["order_status"]
            delivered, estimated = (
                row["order_delivered_customer_date"],
                row["order_estimated_delivery_date"],
            )
            if status == "canceled":
                kind = "service_failure"
            elif status == "unavailable":
                kind = "missing_item"
            elif (
                delivered
                and estimated
                and datetime.fromisoformat(delivered).date()
                > (datetime.fromisoformat(estimated).date())
            ):
                kind = "late"
            else:
                continue
            if row["order_id"] in paid or row["order_id"] in items:
                kinds[kind] += 1
            else:
                skipped += 1
    return skipped, kinds, Counter({"business": kinds["late"] + kinds["missing_item"],
                                     "unknown": kinds["service_failure"]})  # fmt: skip


class TestOlist:
    @pytest.mark.parametrize("folder", OLIST_FOLDERS)
    def test_ticket_and_skip_counts_match_an_independent_count(self, folder: Path) -> None:
        skipped, kinds, faults = _olist_expected(folder)
        data = simulate_json("--olist", str(folder))
        assert sum(kinds.values()) == data["resolved"]
        reason = "order has no payments and no items, so no value"
        assert ({reason: skipped} if skipped else {}) == data["skipped"]
        by_kind = data["by_kind"]
        by_fault = data["by_fault"]
        assert isinstance(by_kind, dict)
        assert isinstance(by_fault, dict)
        assert dict(kinds) == {kind: group["tickets"] for kind, group in by_kind.items()}
        assert {k: v for k, v in faults.items() if v} == {
            fault: group["tickets"] for fault, group in by_fault.items()
        }

    def test_the_summary_says_plainly_that_some_were_skipped(self) -> None:
        code, out, _ = simulate("--olist", str(OLIST))
        assert 0 == code
        assert out.startswith("note: ")
        assert "were skipped and are not in the totals" in out
        assert "order has no payments and no items, so no value" in out

    @pytest.mark.parametrize("folder", OLIST_FOLDERS)
    def test_reviews_feed_severity_and_conduct(self, folder: Path) -> None:
        tickets = [item for item in olist_tickets(folder) if isinstance(item, Ticket)]
        assert any(ticket.issue.conduct for ticket in tickets)
        assert {ticket.issue.severity for ticket in tickets} <= {1, 2, 3, 4, 5}
        assert all(ticket.issue.order_value is not None for ticket in tickets)


def _rows(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: the release's category translation starts with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def _olist_tickets(folder: Path) -> list[Ticket]:
    return [item for item in olist_tickets(folder) if isinstance(item, Ticket)]


OLIST_FILES = {
    "olist_orders_dataset.csv": (
        "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
        "order_delivered_carrier_date,order_delivered_customer_date,"
        "order_estimated_delivery_date\n"
        "o1,c1,delivered,2018-01-02 10:00:00,,,2018-01-20 09:30:00,2018-01-15 00:00:00\n"
        "o2,c2,canceled,2018-03-04 11:00:00,,,,2018-03-25 00:00:00\n"
        "o3,c3,unavailable,2018-04-05 12:00:00,,,,2018-04-26 00:00:00\n"
    ),
    "olist_order_items_dataset.csv": (
        "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"
        "o1,2,p2,s,2018-01-04 10:00:00,30.00,5.00\n"
        "o1,1,p1,s,2018-01-04 10:00:00,20.00,5.00\n"
        "o2,1,p2,s,2018-03-06 11:00:00,30.00,5.00\n"
        "o3,1,p3,s,2018-04-07 12:00:00,10.00,5.00\n"
    ),
    "olist_order_payments_dataset.csv": (
        "order_id,payment_sequential,payment_type,payment_installments,payment_value\n"
        "o1,1,boleto,1,60.00\no2,1,boleto,1,35.00\no3,1,boleto,1,15.00\n"
    ),
    "olist_order_reviews_dataset.csv": (
        "review_id,order_id,review_score,review_comment_title,review_comment_message,"
        "review_creation_date,review_answer_timestamp\n"
    ),
    "olist_customers_dataset.csv": (
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\n"
        "c1,person,01001,sao paulo,SP\nc2,person,20010,rio de janeiro,rj\n"
        "c3,other,01001,sao paulo,Sao Paulo\n"
    ),
    "olist_products_dataset.csv": (
        "product_id,product_category_name\np1,beleza_saude\np2,portateis_casa\np3,\n"
    ),
    "product_category_name_translation.csv": (
        "\ufeffproduct_category_name,product_category_name_english\r\n"
        "beleza_saude,health_beauty\r\n"
    ),
}


@pytest.fixture
def tiny_olist(tmp_path: Path) -> Path:
    """Three orders: two by one person (under two customer_ids), one with a bad state."""
    for name, text in OLIST_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    return tmp_path


class TestOlistFacts:
    @pytest.mark.parametrize("folder", OLIST_FOLDERS)
    def test_customers_are_keyed_by_unique_id_with_their_state_as_region(
        self, folder: Path
    ) -> None:
        buyer = {row["order_id"]: row["customer_id"] for row in _rows(folder / ORDERS)}
        people = {row["customer_id"]: row for row in _rows(folder / CUSTOMERS)}
        tickets = _olist_tickets(folder)
        for ticket in tickets:
            person = people[buyer[ticket.issue.id]]
            assert person["customer_unique_id"] == ticket.customer.id
            assert f"BR-{person['customer_state']}" == ticket.customer.region
            assert ticket.customer.region == ticket.issue.region
            assert re.fullmatch(r"BR-[A-Z]{2}", ticket.issue.region or "")
        # The fixture's buyers all differ; the shared data has repeat buyers among its tickets.
        repeats = len(tickets) - len({ticket.customer.id for ticket in tickets})
        assert folder == OLIST or repeats > 0

    def test_two_orders_of_one_person_are_one_customer(self, tiny_olist: Path) -> None:
        tickets = {ticket.issue.id: ticket for ticket in _olist_tickets(tiny_olist)}
        assert ["o1", "o2", "o3"] == sorted(tickets)
        assert ("person", "person", "other") == tuple(
            tickets[order].customer.id for order in ("o1", "o2", "o3")
        )
        assert ("BR-SP", "BR-RJ") == (tickets["o1"].customer.region, tickets["o2"].issue.region)
        # "Sao Paulo" is not a state's two letters: no region, and not an error.
        assert (None, None) == (tickets["o3"].customer.region, tickets["o3"].issue.region)

    def test_the_category_is_the_first_items_in_english_else_portuguese(
        self, tiny_olist: Path
    ) -> None:
        tickets = {ticket.issue.id: ticket.issue for ticket in _olist_tickets(tiny_olist)}
        # o1's item 1 is listed after its item 2; the translation starts with a BOM.
        assert "health_beauty" == tickets["o1"].category
        assert "portateis_casa" == tickets["o2"].category
        assert "" == tickets["o3"].category
        assert (Facts({"items": 2}), Facts({"items": 1})) == (
            tickets["o1"].facts,
            tickets["o2"].facts,
        )

    @pytest.mark.parametrize("folder", OLIST_FOLDERS)
    def test_categories_are_english_where_translated(self, folder: Path) -> None:
        english = {
            row["product_category_name"]: row["product_category_name_english"]
            for row in _rows(folder / "product_category_name_translation.csv")
        }
        named = {
            row["product_id"]: row["product_category_name"]
            for row in _rows(folder / "olist_products_dataset.csv")
        }
        first: dict[str, tuple[int, str]] = {}
        items: Counter[str] = Counter()
        for row in _rows(folder / "olist_order_items_dataset.csv"):
            order, number = row["order_id"], int(row["order_item_id"])
            items[order] += 1
            if order not in first or number < first[order][0]:
                first[order] = (number, named[row["product_id"]])
        tickets = _olist_tickets(folder)
        for ticket in tickets:
            portuguese = first.get(ticket.issue.id, (0, ""))[1]
            assert english.get(portuguese, portuguese) == ticket.issue.category
            assert Facts({"items": items[ticket.issue.id]}) == ticket.issue.facts
        translated = {name for name in english.values() if name not in english}
        assert any(ticket.issue.category in translated for ticket in tickets)

    @pytest.mark.parametrize("folder", OLIST_FOLDERS)
    def test_dates_are_filled_and_late_tickets_are_days_late(self, folder: Path) -> None:
        orders = {row["order_id"]: row for row in _rows(folder / ORDERS)}
        tickets = _olist_tickets(folder)
        for ticket in tickets:
            issue, row = ticket.issue, orders[ticket.issue.id]
            for moment, column in (
                (issue.ordered_at, "order_purchase_timestamp"),
                (issue.promised_at, "order_estimated_delivery_date"),
                (issue.delivered_at, "order_delivered_customer_date"),
            ):
                text = row[column]
                assert (
                    datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
                ) == moment
            if issue.kind == "late":
                assert issue.delivered_at == issue.occurred_at
                days_late = fact_value("days_late", issue, ticket.customer)
                assert isinstance(days_late, int)
                assert days_late > 0
        late = [ticket for ticket in tickets if ticket.issue.kind == "late"]
        assert late
        assert all(t.issue.ordered_at and t.issue.promised_at for t in tickets)

    def test_a_folder_without_customers_or_products_works_as_before(self, tmp_path: Path) -> None:
        for name in OLDER_OLIST_FILES:
            shutil.copy(OLIST / name, tmp_path / name)
        buyer = {row["order_id"]: row["customer_id"] for row in _rows(tmp_path / ORDERS)}
        tickets = _olist_tickets(tmp_path)
        assert 26 == len(tickets)
        for ticket in tickets:
            assert buyer[ticket.issue.id] == ticket.customer.id
            assert (None, None, "") == (
                ticket.customer.region,
                ticket.issue.region,
                ticket.issue.category,
            )
            assert ticket.issue.ordered_at is not None
        # The policy has no rules on the new facts, so the figures are the same.
        assert simulate_json("--olist", str(OLIST)) == simulate_json("--olist", str(tmp_path))

    def test_a_date_that_is_not_one_is_a_bad_row_naming_its_column(self, tiny_olist: Path) -> None:
        orders = tiny_olist / ORDERS
        orders.write_text(orders.read_text().replace("2018-03-04 11:00:00", "yesterday"))
        bad = [item for item in olist_tickets(tiny_olist) if isinstance(item, BadRow)]
        assert [f"{orders}:3"] == [item.source for item in bad]
        assert bad[0].error.startswith("order_purchase_timestamp: 'yesterday' is not a date")
