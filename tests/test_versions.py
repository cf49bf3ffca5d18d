"""Versions of a policy: each ticket is decided under the version in force on its day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

from favorpolicy import (
    Condition,
    Customer,
    InvalidPolicy,
    Issue,
    Money,
    Owe,
    Policy,
    PolicyVersions,
    Rule,
    decide,
    load_policy,
    policy_from_toml,
    policy_to_toml,
    policy_versions_from_toml,
    resolve,
)
from favorpolicy.backtest import Ticket, run_backtest
from favorpolicy.ledger import Ledger, resolve_and_record, resolve_and_record_many

BASE = Policy.default("BRL")
REFUND_IN_7 = Rule(
    "cdc-49",
    when=(Condition("kind", "eq", "withdrawal"), Condition("days_since_delivery", "le", 7)),
    owe=Owe(share=1, of="order_value"),
    basis="law",
    cite="CDC art. 49",
)
OLD = attrs.evolve(BASE, effective_from=date(2025, 1, 1))
NEW = attrs.evolve(BASE, effective_from=date(2026, 3, 1), rules=(REFUND_IN_7,))
VERSIONS = PolicyVersions([NEW, OLD])  # any order: they are sorted by day


def _withdrawal(on: datetime) -> Issue:
    return Issue(
        "W-1",
        "withdrawal",
        "customer",
        Money(0, "BRL"),
        order_value=Money("89.90", "BRL"),
        occurred_at=on,
        delivered_at=on - timedelta(days=3),
    )


class TestInForce:
    def test_versions_are_sorted_by_day(self) -> None:
        assert (OLD, NEW) == VERSIONS.versions

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2025, 1, 1), "old"),
            (date(2026, 2, 28), "old"),
            (date(2026, 3, 1), "new"),
            (date(2099, 1, 1), "new"),
            (datetime(2026, 2, 28, 23, 30, tzinfo=timezone(timedelta(hours=-3))), "new"),
            (datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=3))), "old"),
        ],
    )
    def test_the_version_in_force_counts_the_utc_day(self, day: date, expected: str) -> None:
        assert {"old": OLD, "new": NEW}[expected] is VERSIONS.in_force(day)

    def test_a_day_before_the_first_version_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"no version .* is in force on 2024-12-31"):
            VERSIONS.in_force(date(2024, 12, 31))

    def test_an_undated_ticket_takes_todays_version(self) -> None:
        assert NEW is VERSIONS.in_force(None)

    def test_a_bad_as_of_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="as_of: '2026-03-01' is not a date"):
            VERSIONS.in_force("2026-03-01")  # type: ignore[arg-type]


class TestChecked:
    def test_every_version_names_its_day(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"versions\[1\]\.effective_from: None is missing"):
            PolicyVersions([OLD, BASE])

    def test_days_are_unique(self) -> None:
        twin = attrs.evolve(NEW, favor_margin="0.5", effective_from=OLD.effective_from)
        with pytest.raises(InvalidPolicy, match="is the day of another version too"):
            PolicyVersions([OLD, twin])

    def test_one_currency_and_one_name(self) -> None:
        yen = attrs.evolve(Policy.default("JPY"), name=BASE.name, effective_from=date(2026, 1, 1))
        with pytest.raises(InvalidPolicy, match="currency: 'JPY' is not 'BRL'"):
            PolicyVersions([OLD, yen])
        renamed = attrs.evolve(NEW, name="other")
        with pytest.raises(InvalidPolicy, match="name: 'other' is not"):
            PolicyVersions([OLD, renamed])

    def test_empty_and_not_policies_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="versions: \\[\\] is empty"):
            PolicyVersions([])
        with pytest.raises(InvalidPolicy, match=r"versions\[0\]: 'x' is not a Policy"):
            PolicyVersions(["x"])  # type: ignore[list-item]

    def test_effective_from_is_a_day(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"effective_from: .* is a datetime"):
            attrs.evolve(BASE, effective_from=datetime(2026, 1, 1, tzinfo=UTC))

    def test_a_version_is_fingerprinted_apart_and_a_plain_policy_is_unchanged(self) -> None:
        assert OLD.fingerprint != BASE.fingerprint
        assert attrs.evolve(OLD, effective_from=None).fingerprint == BASE.fingerprint
        assert VERSIONS.fingerprint != PolicyVersions([OLD]).fingerprint


class TestDecides:
    def test_resolve_uses_the_version_of_the_tickets_day(self) -> None:
        before = resolve(_withdrawal(datetime(2026, 2, 20, tzinfo=UTC)), Customer("C"), VERSIONS)
        after = resolve(_withdrawal(datetime(2026, 3, 5, tzinfo=UTC)), Customer("C"), VERSIONS)
        assert (Money(0, "BRL"), Money("89.90", "BRL")) == (before.owed, after.owed)
        assert (OLD.fingerprint, NEW.fingerprint) == (
            before.policy_fingerprint,
            after.policy_fingerprint,
        )

    def test_as_of_overrides_the_tickets_day(self) -> None:
        issue = _withdrawal(datetime(2026, 3, 5, tzinfo=UTC))
        assert (
            Money(0, "BRL") == resolve(issue, Customer("C"), VERSIONS, as_of=date(2026, 1, 1)).owed
        )

    def test_the_key_names_the_version(self) -> None:
        issue = _withdrawal(datetime(2026, 3, 5, tzinfo=UTC))
        keys = {
            resolve(issue, Customer("C"), VERSIONS, as_of=day).key
            for day in (OLD.effective_from, NEW.effective_from)
        }
        assert 2 == len(keys)

    def test_decide_agrees_with_resolve(self) -> None:
        for day in (datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)):
            issue = _withdrawal(day)
            made, figures = (
                resolve(issue, Customer("C"), VERSIONS),
                decide(issue, Customer("C"), VERSIONS),
            )
            assert (made.owed.amount, made.goodwill.amount) == (figures.owed, figures.goodwill)

    def test_a_backtest_decides_each_ticket_under_its_days_version(self) -> None:
        tickets = [
            Ticket(Customer("C"), attrs.evolve(_withdrawal(day), id=f"W-{n}"), f"t:{n}")
            for n, day in enumerate(
                (datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))
            )
        ]
        outcome = run_backtest(tickets, [VERSIONS])
        assert 2 == outcome.resolved
        assert Money("89.90", "BRL").amount == outcome.summaries[0].total.owed

    def test_the_ledger_records_each_ticket_under_its_days_version(self, tmp_path: Path) -> None:
        early, late = (
            attrs.evolve(_withdrawal(day), id=name)
            for name, day in (
                ("W-early", datetime(2026, 2, 20, tzinfo=UTC)),
                ("W-late", datetime(2026, 3, 5, tzinfo=UTC)),
            )
        )
        with Ledger(tmp_path / "book.db") as book:
            one = resolve_and_record(late, Customer("C"), VERSIONS, book)
            both = resolve_and_record_many(
                [(early, Customer("C")), (late, Customer("C"))], VERSIONS, book
            )
            assert Money("89.90", "BRL") == one.owed
            assert [Money(0, "BRL"), Money("89.90", "BRL")] == [r.owed for r in both]
            assert one == both[1]  # the retry returns what was recorded


FILE = """
name = "shop"
currency = "BRL"
tiers = ["standard"]
[roles.agent]
limit = 100
[roles.owner]
[goodwill]
rates = [0.05, 0.1, 0.15, 0.2, 0.25]
floors = [0, 2, 5, 10, 20]
tier_factors = { standard = 1 }
cap = 100

[[versions]]
effective_from = 2025-01-01

[[versions]]
effective_from = 2026-03-01
favor_margin = 0.5
[[versions.rules]]
name = "cdc-49"
basis = "law"
cite = "CDC art. 49"
when = { kind = "withdrawal", days_since_delivery = { le = 7 } }
owe = { share = 1, of = "order_value" }
"""


class TestFile:
    def test_a_file_of_versions_shares_its_top_level_keys(self, tmp_path: Path) -> None:
        path = tmp_path / "versions.toml"
        path.write_text(FILE, encoding="utf-8")
        versions = policy_versions_from_toml(path)
        old, new = versions.versions
        assert (date(2025, 1, 1), date(2026, 3, 1)) == (old.effective_from, new.effective_from)
        assert (0, 1) == (len(old.rules), len(new.rules))
        assert (old.goodwill, str(new.favor_margin)) == (new.goodwill, "0.5")
        assert versions == load_policy(path)

    def test_versions_round_trip_through_toml(self, tmp_path: Path) -> None:
        path = tmp_path / "out.toml"
        path.write_text(policy_to_toml(VERSIONS), encoding="utf-8")
        assert VERSIONS == load_policy(path)

    def test_each_loader_refuses_the_other_shape(self, tmp_path: Path) -> None:
        versions, single = tmp_path / "v.toml", tmp_path / "p.toml"
        versions.write_text(FILE, encoding="utf-8")
        single.write_text(policy_to_toml(BASE), encoding="utf-8")
        with pytest.raises(InvalidPolicy, match="holds versions of a policy"):
            policy_from_toml(versions)
        with pytest.raises(InvalidPolicy, match="holds one policy"):
            policy_versions_from_toml(single)

    def test_a_bad_version_names_its_place(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.toml"
        path.write_text(
            FILE.replace("effective_from = 2026-03-01", "effective_from = 'soon'"), encoding="utf-8"
        )
        with pytest.raises(
            InvalidPolicy, match=r"versions\[1\]: effective_from: 'soon' is not an ISO date"
        ):
            load_policy(path)
