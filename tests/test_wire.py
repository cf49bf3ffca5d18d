"""The wire format: tickets, resolutions and events as dicts and JSON text, and their
JSON Schemas. Every generated ticket round-trips and validates; every document the
ticket schema allows parses; a document that breaks it gets favorpolicy's own error,
naming the field path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
import schemathesis
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from favorpolicy import (
    MAX_JSON_BYTES,
    Customer,
    Fault,
    FavorPolicyError,
    InvalidTicket,
    Issue,
    Money,
    Policy,
    event_from_dict,
    event_from_json,
    event_to_dict,
    event_to_json,
    json_schema,
    resolution_from_dict,
    resolution_from_json,
    resolution_to_dict,
    resolution_to_json,
    resolve,
    ticket_from_dict,
    ticket_from_json,
    ticket_to_dict,
    ticket_to_json,
)
from favorpolicy._events import events_for
from favorpolicy.cli import main
from favorpolicy.testing import customers, issues, scenarios

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def valid(document: object, name: str, **options: Any) -> bool:
    validator = jsonschema.Draft202012Validator(
        json_schema(name, **options), format_checker=FORMATS
    )
    return validator.is_valid(document)


TICKET = {
    "customer": {"id": "C-1", "tier": "vip", "since": "2021-04-01"},
    "issue": {
        "id": "T-1",
        "kind": "late",
        "fault": "unknown",
        "loss": "25.00",
        "severity": 3,
        "occurred_at": "2026-03-14T10:00:00+00:00",
    },
}


# ---- tickets ---------------------------------------------------------------------------------


@given(st.data())
def test_every_generated_ticket_round_trips_and_validates(data: st.DataObject) -> None:
    currency = data.draw(st.sampled_from(["USD", "JPY", "KWD", "BRL"]))
    customer = data.draw(customers(Policy.default(currency)))
    issue = data.draw(issues(currency))
    document = ticket_to_dict(customer, issue)
    assert valid(document, "ticket", currency=currency), document
    assert (customer, issue) == ticket_from_dict(document, currency)
    text = ticket_to_json(customer, issue)
    assert valid(json.loads(text), "ticket", currency=currency)
    assert (customer, issue) == ticket_from_json(text, currency)
    assert (customer, issue) == ticket_from_json(text.encode("utf-8"), currency)


def _too_fine(value: object) -> bool:
    """Whether a JSON document holds a number with more than 18 decimal places: the one
    limit of the wire format that JSON Schema cannot write."""
    if isinstance(value, dict):
        return any(_too_fine(item) for item in value.values())
    if isinstance(value, list):
        return any(_too_fine(item) for item in value)
    if isinstance(value, float):
        exponent = Decimal(repr(value)).as_tuple().exponent
        return isinstance(exponent, int) and exponent < -18
    return False


def documents(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents that *schema* allows, drawn by schemathesis (ECMA-262 patterns, formats),
    as the body of one operation of a minimal OpenAPI 3.1 document."""
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    operation = {"requestBody": body, "responses": {"200": {"description": "ok"}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "tickets", "version": "1"},
        "paths": {"/tickets": {"post": operation}},
    }
    cases = schemathesis.openapi.from_dict(spec)["/tickets"]["POST"].as_strategy()
    return cases.map(lambda case: case.body)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents(json_schema("ticket", currency="USD")))
def test_every_document_the_ticket_schema_allows_parses(document: dict[str, Any]) -> None:
    assert valid(document, "ticket", currency="USD")
    text = json.dumps(document)
    if _too_fine(document):
        with pytest.raises(InvalidTicket, match=r"^(customer|issue)\.[a-z0-9_.]+: .*18 decimal"):
            ticket_from_json(text, "USD")
        return
    customer, issue = ticket_from_json(text, "USD")
    assert (customer.id, issue.id) == (
        document["customer"]["id"].strip() or document["customer"]["id"],
        document["issue"]["id"].strip() or document["issue"]["id"],
    )
    assert issue.fault is Fault(document["issue"]["fault"])


#: Ways to break a valid ticket, and the path the error must name.
BREAKS: list[tuple[str, Any, str]] = [
    ("customer", None, "customer"),
    ("issue.loss", "lots", "issue.loss"),
    ("issue.loss", -1, "issue.loss"),
    ("issue.loss", True, "issue.loss"),
    ("issue.loss", "5 EUR", "issue.loss"),
    ("issue.severity", 9, "issue.severity"),
    ("issue.severity", "3", "issue.severity"),
    ("issue.fault", "nobody", "issue.fault"),
    ("issue.kind", "", "issue.kind"),
    ("issue.kind", 7, "issue.kind"),
    ("issue.occurred_at", "yesterday", "issue.occurred_at"),
    ("issue.occurred_at", 1700000000, "issue.occurred_at"),
    ("issue.facts", {"Bad-Name": 1}, "issue.facts"),
    ("issue.facts", {"d": {"date": "2026-02-30"}}, "issue.facts.d"),
    ("issue.facts", {"d": {"when": "2026-02-01"}}, "issue.facts.d"),
    ("issue.facts", {"x": [1, 2]}, "issue.facts"),
    ("issue.region", "Brazil", "issue.region"),
    ("issue.typo", 1, "issue.typo"),
    ("customer.since", "2021-13-01", "customer.since"),
    ("customer.prior_remedies", -1, "customer.prior_remedies"),
    ("customer.preference", "cash", "customer.preference"),
    ("customer.id", "   ", "customer.id"),
    ("extra", {}, "extra"),
]


@pytest.mark.parametrize(("where", "value", "path"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_document_that_breaks_the_schema_gets_an_error_naming_the_path(
    where: str, value: Any, path: str
) -> None:
    document = json.loads(json.dumps(TICKET))
    *parents, last = where.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    target[last] = value
    assert not valid(document, "ticket", currency="USD")
    with pytest.raises(InvalidTicket) as raised:
        ticket_from_json(json.dumps(document), "USD")
    assert str(raised.value).startswith(f"{path}"), str(raised.value)
    with pytest.raises(InvalidTicket, match=rf"^{path}"):
        ticket_from_dict(document, "USD")


@given(st.sampled_from(BREAKS), customers(Policy.default("USD")), issues("USD"))
def test_every_generated_ticket_broken_one_way_is_refused_with_its_path(
    broken: tuple[str, Any, str], customer: Customer, issue: Issue
) -> None:
    where, value, path = broken
    document = ticket_to_dict(customer, issue)
    *parents, last = where.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    target[last] = value
    assert not valid(document, "ticket", currency="USD")
    with pytest.raises(InvalidTicket, match=rf"^{path}"):
        ticket_from_json(ticket_json(document), "USD")


def ticket_json(document: dict[str, Any]) -> str:
    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(value)

    return json.dumps(document, default=plain)


class TestNumbers:
    def test_a_json_number_is_read_exactly(self) -> None:
        text = json.dumps(TICKET).replace('"25.00"', "0.1")
        _, issue = ticket_from_json(text, "USD")
        assert Money(Decimal("0.1"), "USD") == issue.loss
        assert Decimal("0.1") == issue.loss.amount

    @pytest.mark.parametrize(
        ("written", "currency", "amount"),
        [
            ("0", "USD", "0"),
            ("0.01", "USD", "0.01"),
            ("1", "JPY", "1"),
            ("0.001", "KWD", "0.001"),
            ("999999999999999999", "USD", "999999999999999999"),
            ('"12.345 KWD"', "KWD", "12.345"),
            ('"12.345 kwd"', "KWD", "12.345"),
            ("1e2", "JPY", "100"),
        ],
    )
    def test_amounts_as_numbers_or_text(self, written: str, currency: str, amount: str) -> None:
        text = json.dumps(TICKET).replace('"25.00"', written)
        _, issue = ticket_from_json(text, currency)
        assert Money(amount, currency) == issue.loss

    def test_a_number_with_more_than_18_places_names_its_path(self) -> None:
        text = json.dumps(TICKET).replace('"25.00"', "0.0000000000000000001")
        with pytest.raises(InvalidTicket, match=r"^issue\.loss: .*more than 18 decimal places"):
            ticket_from_json(text, "USD")

    def test_a_fact_number_is_a_decimal_and_a_huge_one_is_refused(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["facts"] = {"uptime": 99.95}
        _, issue = ticket_from_json(json.dumps(document), "USD")
        assert Decimal("99.95") == issue.facts["uptime"]
        document["issue"]["facts"] = {"uptime": 1e30}
        with pytest.raises(InvalidTicket, match=r"^issue\.facts.*uptime"):
            ticket_from_json(json.dumps(document), "USD")

    def test_dated_facts_round_trip(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["facts"] = {
            "bought": {"date": "2026-03-01"},
            "seen": {"datetime": "2026-03-01T10:00:00+00:00"},
        }
        customer, issue = ticket_from_json(json.dumps(document), "USD")
        assert date(2026, 3, 1) == issue.facts["bought"]
        assert datetime(2026, 3, 1, 10, tzinfo=UTC) == issue.facts["seen"]
        assert (customer, issue) == ticket_from_json(ticket_to_json(customer, issue), "USD")


class TestBadText:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", r"^ticket: not JSON"),
            ("{", r"^ticket: not JSON"),
            ("[1, 2]", r"^ticket: \[1, 2\] is not an object"),
            ("null", r"^ticket: None is not an object"),
            ("[" * 100_000 + "]" * 100_000, r"^ticket: not JSON"),
            ("1" * 5000, r"^ticket: "),
        ],
    )
    def test_text_that_is_not_a_ticket_is_refused(self, text: str, message: str) -> None:
        with pytest.raises(InvalidTicket, match=message):
            ticket_from_json(text, "USD")

    def test_a_document_over_the_limit_is_refused_before_it_is_read(self) -> None:
        text = " " * (MAX_JSON_BYTES + 1)
        with pytest.raises(InvalidTicket, match=r"^ticket: 1,000,001 bytes is more than 1,000,000"):
            ticket_from_json(text, "USD")

    def test_what_is_not_text_is_refused(self) -> None:
        with pytest.raises(InvalidTicket, match=r"^ticket: a dict is not JSON text"):
            ticket_from_json(TICKET, "USD")  # type: ignore[arg-type]

    def test_unicode_and_empty_text_fields(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["conduct"] = ""
        document["issue"]["category"] = "roupas e acessórios 🙂"
        document["customer"]["id"] = "Ünïcødé"
        customer, issue = ticket_from_json(json.dumps(document, ensure_ascii=False), "USD")
        assert ("Ünïcødé", "roupas e acessórios 🙂") == (customer.id, issue.category)
        assert valid(document, "ticket")

    def test_every_fault_is_in_the_schema(self) -> None:
        for fault in Fault:
            document = json.loads(json.dumps(TICKET))
            document["issue"]["fault"] = fault.value
            assert valid(document, "ticket")
            assert fault is ticket_from_dict(document, "USD")[1].fault


# ---- resolutions and events ------------------------------------------------------------------


@given(scenarios())
def test_every_resolution_and_event_round_trips_and_validates(
    scenario: tuple[Policy, Customer, Issue, str],
) -> None:
    policy, customer, issue, role = scenario
    resolution = resolve(issue, customer, policy, role=role)
    assert valid(resolution_to_dict(resolution), "resolution")
    text = resolution_to_json(resolution)
    assert resolution == resolution_from_json(text)
    for event in events_for(resolution, policy):
        assert valid(event_to_dict(event), "event")
        assert event == event_from_json(event_to_json(event), policy)
        assert valid(json.loads(event_to_json(event, with_resolution=False)), "event")


class TestReadingBack:
    def test_a_resolution_with_a_bad_field_names_its_path(self) -> None:
        resolution = resolve(
            Issue("T-1", "late", "business", Money(10, "USD")), Customer("C"), Policy.default("USD")
        )
        data = resolution_to_dict(resolution)
        data["remedies"][0]["value"] = 12
        with pytest.raises(
            InvalidTicket,
            match=r"^resolution\.remedies\[0\]\.value: 12 is not an amount with its code",
        ):
            resolution_from_json(json.dumps(data))
        del data["owed"]
        with pytest.raises(InvalidTicket, match=r"resolution.*owed"):
            resolution_from_json(json.dumps(data))
        with pytest.raises(InvalidTicket, match=r"^resolution: is not a JSON object"):
            resolution_from_json("[]")

    def test_an_event_without_its_kind_names_it(self) -> None:
        with pytest.raises(InvalidTicket, match=r"^event\.kind: required key missing"):
            event_from_json('{"id": "x"}')

    def test_every_error_is_favorpolicys(self) -> None:
        for text in ["{}", '{"kind": "resolved"}', '{"kind": 1, "id": 2}', "7"]:
            with pytest.raises(FavorPolicyError):
                event_from_json(text)
            with pytest.raises(FavorPolicyError):
                resolution_from_json(text)


class TestSchemaCommand:
    @pytest.mark.parametrize("name", ["ticket", "resolution", "event", "policy"])
    def test_each_schema_is_a_valid_draft_2020_12_schema(self, name: str) -> None:
        result = CliRunner().invoke(main, ["schema", name])
        assert 0 == result.exit_code
        schema = json.loads(result.stdout)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema == json_schema(name)

    def test_a_tickets_schema_with_a_currency_allows_only_its_code(self) -> None:
        result = CliRunner().invoke(main, ["schema", "ticket", "--currency", "brl"])
        schema = json.loads(result.stdout)
        document = json.loads(json.dumps(TICKET))
        document["issue"]["loss"] = "5.00 USD"
        assert not jsonschema.Draft202012Validator(schema).is_valid(document)
        document["issue"]["loss"] = "5.00 BRL"
        assert jsonschema.Draft202012Validator(schema).is_valid(document)

    def test_an_unknown_schema_is_refused(self) -> None:
        with pytest.raises(InvalidTicket, match=r"^schema: 'ledger' is not a schema"):
            json_schema("ledger")
        result = CliRunner().invoke(main, ["schema", "event", "--currency", "USD"])
        assert 2 == result.exit_code


class TestFoundByAttack:
    """Cases an attack on the wire format found: each a crash, a leak or an unequal round
    trip before it was mended."""

    def test_a_dated_fact_out_of_range_in_utc_is_refused_with_its_path(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["facts"] = {"d": {"datetime": "0001-01-01T00:00:00+01:00"}}
        with pytest.raises(InvalidTicket, match=r"^issue\.facts\.d: .* out of range in UTC"):
            ticket_from_json(json.dumps(document), "USD")

    def test_a_lower_case_z_is_utc_and_a_long_moment_is_refused(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["occurred_at"] = "2026-03-14T10:00:00z"
        _, issue = ticket_from_json(json.dumps(document), "USD")
        assert datetime(2026, 3, 14, 10, tzinfo=UTC) == issue.occurred_at
        document["issue"]["occurred_at"] = "2026-03-14T10:00:00." + "1" * 50 + "Z"
        assert not valid(document, "ticket")
        with pytest.raises(InvalidTicket, match=r"^issue\.occurred_at: "):
            ticket_from_json(json.dumps(document), "USD")

    @pytest.mark.parametrize("value", [Decimal(5), Decimal("-0"), Decimal("100"), Decimal("1E+3")])
    def test_a_whole_decimal_fact_comes_back_a_decimal(self, value: Decimal) -> None:
        customer = Customer("C", facts={"n": value})
        issue = Issue("T", "late", "unknown", Money(1, "USD"), facts={"n": value})
        back = ticket_from_json(ticket_to_json(customer, issue), "USD")
        assert (customer, issue) == back
        assert Decimal is type(back[1].facts["n"])
        assert (
            resolve(issue, customer, Policy.default("USD")).key
            == resolve(back[1], back[0], Policy.default("USD")).key
        )

    def test_the_size_limit_counts_bytes_not_characters(self) -> None:
        document = json.loads(json.dumps(TICKET))
        document["issue"]["conduct"] = "🙂" * 300_000  # 300,000 characters, 1.2 MB
        text = json.dumps(document, ensure_ascii=False)
        assert len(text) < MAX_JSON_BYTES
        with pytest.raises(InvalidTicket, match=r"^ticket: 1,200,\d{3} bytes is more than"):
            ticket_from_json(text, "USD")

    def test_a_count_of_prior_remedies_is_bounded(self) -> None:
        with pytest.raises(FavorPolicyError, match=r"^prior_remedies: .* out of range"):
            Customer("C", prior_remedies=10**5000)
        document = json.loads(json.dumps(TICKET))
        document["customer"]["prior_remedies"] = 10**9 + 1
        assert not valid(document, "ticket")
        with pytest.raises(InvalidTicket, match=r"^customer\.prior_remedies: "):
            ticket_from_dict(document, "USD")

    EVENT: dict[str, Any] = {  # noqa: RUF012  # read, never changed
        "id": "e",
        "kind": "resolved",
        "key": "k",
        "issue_id": "T",
        "customer_id": "C",
        "role": None,
    }

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"verdict": "x"}, r"^event\.verdict: 'x' is not an object"),
            ({"fault": 5}, r"^event\.fault: 5 is not an object"),
            ({"fault": {"plugin": "p"}}, r"^event\.fault\.hook: required field missing"),
            ({"verdict": {"level": "bogus"}}, r"^event\.verdict\.level: 'bogus' is not one of"),
            ({"id": 5}, r"^event\.id: 5 is not text"),
            ({"surprise": 1}, r"^event\.surprise: unknown key"),
            ({"kind": "sent"}, r"^event\.kind: 'sent' is not one of resolved"),
            ({"resolution": [1]}, r"^event\.resolution: \[1\] is not an object"),
        ],
    )
    def test_a_bad_event_names_the_path(self, change: dict[str, Any], message: str) -> None:
        with pytest.raises(InvalidTicket, match=message):
            event_from_json(json.dumps(self.EVENT | change))

    @pytest.mark.parametrize("data", [None, [], "text", 5])
    def test_what_is_not_an_object_is_refused(self, data: Any) -> None:
        with pytest.raises(InvalidTicket, match=r"^event: .* is not an object"):
            event_from_dict(data)
        with pytest.raises(InvalidTicket, match=r"^resolution: .* is not an object"):
            resolution_from_dict(data)

    def test_a_resolutions_text_is_text_and_its_level_a_level(self) -> None:
        resolution = resolve(
            Issue("T-1", "late", "business", Money(10, "USD")), Customer("C"), Policy.default("USD")
        )
        data = resolution_to_dict(resolution)
        with pytest.raises(InvalidTicket, match=r"^resolution\.issue_id: 123 is not text"):
            resolution_from_dict(data | {"issue_id": 123})
        bad_screen = data | {"screen": data["screen"] | {"level": "bogus"}}
        with pytest.raises(InvalidTicket, match=r"^resolution\.screen\.level: 'bogus' is not one"):
            resolution_from_dict(bad_screen)
