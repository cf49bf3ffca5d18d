"""Ticket files carry the facts rules test: the order's dates, regions, category, named facts."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from favorpolicy import Facts, InvalidTicket
from favorpolicy._forms import ticket_from_dict
from favorpolicy.backtest import BadRow, Ticket, file_tickets

ISSUE = {"id": "T-1", "kind": "late", "fault": "business", "loss": "10"}


def _ticket(issue: dict[str, object], customer: dict[str, object] | None = None) -> object:
    return ticket_from_dict({"customer": {"id": "C-1", **(customer or {})}, "issue": issue}, "BRL")


def test_a_json_ticket_reads_every_new_field() -> None:
    customer, issue = ticket_from_dict(
        {
            "customer": {"id": "C-1", "region": "br-sp", "facts": {"segment": "família"}},
            "issue": ISSUE
            | {
                "ordered_at": "2026-03-01",
                "promised_at": "2026-03-05T18:00:00-03:00",
                "delivered_at": "2026-03-09T12:00:00+00:00",
                "region": "BR",
                "category": "móveis",
                "facts": {"durable": True, "distance_km": 1500, "uptime_percent": 99.95},
            },
        },
        "BRL",
    )
    assert ("BR-SP", Facts({"segment": "família"})) == (customer.region, customer.facts)
    assert datetime(2026, 3, 1) == issue.ordered_at  # noqa: DTZ001  # a date is its midnight
    assert ("BR", "móveis") == (issue.region, issue.category)
    assert {"durable": True, "distance_km": 1500, "uptime_percent": Decimal("99.95")} == dict(
        issue.facts
    )
    assert Decimal is type(issue.facts["uptime_percent"])  # never a float


@pytest.mark.parametrize(
    ("issue", "customer", "message"),
    [
        (ISSUE | {"region": "Brasil"}, None, "issue.region: 'Brasil' is not an ISO 3166"),
        (ISSUE, {"region": 55}, "customer.region: 55 is not an ISO 3166"),
        (ISSUE | {"delivered_at": "soon"}, None, "issue.delivered_at: 'soon' is not an ISO"),
        (ISSUE | {"facts": [1, 2]}, None, "issue.facts: [1, 2] is not an object"),
        (ISSUE | {"facts": {"Bad Name": 1}}, None, "issue.facts: the name 'Bad Name'"),
        (ISSUE | {"facts": {"deep": {"a": 1}}}, None, "issue.facts.deep: {'a': 1} is not a fact"),
        (ISSUE | {"facts": {"n": 10**30}}, None, "issue.facts.n: 10000"),
        (ISSUE | {"category": "x" * 2000}, None, "issue.category: 'xxxxx"),
        (ISSUE, {"facts": {"x": None}}, "customer.facts.x: None is a NoneType"),
    ],
)
def test_a_bad_fact_names_its_path_and_value(
    issue: dict[str, object], customer: dict[str, object] | None, message: str
) -> None:
    with pytest.raises(InvalidTicket) as raised:
        _ticket(issue, customer)
    assert str(raised.value).startswith(message)


def test_too_many_facts_are_refused() -> None:
    with pytest.raises(InvalidTicket, match=r"issue\.facts: holds 65 facts; at most 64"):
        _ticket(ISSUE | {"facts": {f"f{n}": n for n in range(65)}})


def test_a_csv_file_reads_the_dates_regions_and_category(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text(
        "customer_id,customer_region,issue_id,kind,fault,loss,ordered_at,delivered_at,region,category\n"
        "C-1,us-ca,T-1,defect,business,12.50,2026-01-02,2026-01-05T10:00:00,US,electronics\n"
        "C-2,Mars,T-2,defect,business,1,,,,\n",
        encoding="utf-8",
    )
    first, second = list(file_tickets(path, "USD"))
    assert isinstance(first, Ticket)
    assert ("US-CA", "US", "electronics") == (
        first.customer.region,
        first.issue.region,
        first.issue.category,
    )
    assert datetime(2026, 1, 5, 10) == first.issue.delivered_at  # noqa: DTZ001
    assert isinstance(second, BadRow)
    assert "customer.region: 'Mars'" in second.error


def test_a_jsonl_file_reads_named_facts(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    line = {"customer": {"id": "C-1"}, "issue": ISSUE | {"facts": {"rerouted": False}}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (ticket,) = list(file_tickets(path, "BRL"))
    assert isinstance(ticket, Ticket)
    assert Facts({"rerouted": False}) == ticket.issue.facts
    assert Facts({"rerouted": 0}) != ticket.issue.facts  # False is not the number 0
