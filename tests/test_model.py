from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest

from favorpolicy import (
    BUILTIN_KINDS,
    CurrencyMismatch,
    Customer,
    Fault,
    InvalidCustomer,
    InvalidIssue,
    InvalidRemedy,
    Issue,
    Money,
    Remedy,
    RemedyKind,
)

USD = "USD"


def usd(amount: str) -> Money:
    return Money(amount, USD)


class TestEnums:
    def test_fault_members(self) -> None:
        assert ["BUSINESS", "CUSTOMER", "SHARED", "UNKNOWN"] == [f.name for f in Fault]

    def test_remedy_kind_is_a_str_enum_with_the_documented_values(self) -> None:
        assert [
            "refund", "replacement", "store_credit", "discount",
            "keep_item", "waive_fee", "expedite", "apology",
        ] == [str(kind) for kind in RemedyKind]  # fmt: skip

    @pytest.mark.parametrize("fault", list(Fault))
    def test_issue_takes_every_fault_by_member_value_or_name(self, fault: Fault) -> None:
        for given in (fault, fault.value, fault.name):
            assert fault == Issue("i", "late", given, usd("1")).fault

    @pytest.mark.parametrize("kind", list(RemedyKind))
    def test_remedy_and_preference_take_every_kind(self, kind: RemedyKind) -> None:
        assert kind == Remedy(kind.value, usd("1")).kind
        assert kind == Customer("c", preference=kind.value).preference


class TestCustomer:
    def test_defaults(self) -> None:
        customer = Customer("c-1")
        assert ("standard", None, None, 0, None) == (
            customer.tier, customer.since, customer.lifetime_value,
            customer.prior_remedies, customer.preference,
        )  # fmt: skip

    def test_since_keeps_only_the_day_of_a_datetime(self) -> None:
        moment = datetime(2020, 5, 17, 13, 0, tzinfo=UTC)
        assert date(2020, 5, 17) == Customer("c", since=moment).since

    def test_unicode_ids_are_fine(self) -> None:
        assert "João 🙂" == Customer("João 🙂").id

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", ""),
            ("id", "   "),
            ("id", 7),
            ("tier", ""),
            ("since", "2020-01-01"),
            ("lifetime_value", usd("-1")),
            ("lifetime_value", 10),
            ("prior_remedies", -1),
            ("prior_remedies", True),
            ("prior_remedies", 1.0),
            ("preference", "bribe"),
        ],
    )
    def test_bad_fields_name_field_and_value(self, field: str, value: object) -> None:
        fields = {"id": "c", field: value}
        with pytest.raises(InvalidCustomer, match=f"^{field}: ") as info:
            Customer(**fields)  # type: ignore[arg-type]
        assert repr(value) in str(info.value) or str(value) in str(info.value)

    def test_is_frozen(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            Customer("c").tier = "vip"  # type: ignore[misc]


class TestIssue:
    def test_builtin_kinds_are_documented(self) -> None:
        assert {
            "damaged", "defect", "late", "missing_item",
            "pricing_error", "miscommunication", "service_failure",
        } == set(BUILTIN_KINDS)  # fmt: skip

    def test_kind_is_an_open_vocabulary(self) -> None:
        assert "wrong_colour" == Issue("i", "wrong_colour", Fault.BUSINESS, usd("1")).kind

    @pytest.mark.parametrize("conduct", ["", "Não recebi o produto 😡", "x" * 10_000])
    def test_conduct_takes_any_text(self, conduct: str) -> None:
        assert conduct == Issue("i", "late", Fault.UNKNOWN, usd("0"), conduct=conduct).conduct

    @pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
    def test_every_severity(self, severity: int) -> None:
        assert severity == Issue("i", "late", Fault.UNKNOWN, usd("0"), severity=severity).severity

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", ""),
            ("kind", ""),
            ("fault", "nobody"),
            ("loss", usd("-0.01")),
            ("loss", "10"),
            ("severity", 0),
            ("severity", 9),
            ("severity", "3"),
            ("conduct", None),
            ("channel", 5),
            ("occurred_at", "yesterday"),
            ("order_value", usd("-1")),
        ],
    )
    def test_bad_fields_name_field_and_value(self, field: str, value: object) -> None:
        fields: dict[str, object] = {
            "id": "i", "kind": "late", "fault": Fault.BUSINESS, "loss": usd("1"), field: value,
        }  # fmt: skip
        with pytest.raises(InvalidIssue, match=f"^{field}: ") as info:
            Issue(**fields)  # type: ignore[arg-type]
        assert repr(value) in str(info.value) or str(value) in str(info.value)

    def test_order_value_must_share_the_loss_currency(self) -> None:
        with pytest.raises(CurrencyMismatch, match="order_value"):
            Issue("i", "late", Fault.BUSINESS, usd("1"), order_value=Money(5, "EUR"))


class TestRemedy:
    def test_str_reads_well(self) -> None:
        assert "store_credit worth 11.00 USD (bonus)" == str(
            Remedy(RemedyKind.STORE_CREDIT, usd("11"), note="bonus")
        )

    @pytest.mark.parametrize(
        ("field", "value"),
        [("kind", "hug"), ("value", usd("-1")), ("cost", Money(1, "EUR")), ("note", None)],
    )
    def test_bad_fields(self, field: str, value: object) -> None:
        fields: dict[str, object] = {"kind": "refund", "value": usd("1"), field: value}
        with pytest.raises((InvalidRemedy, CurrencyMismatch), match=f"^{field}: "):
            Remedy(**fields)  # type: ignore[arg-type]
