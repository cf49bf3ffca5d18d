"""Decision tables declared complete: the gaps and overlaps analyse_tables() reports, in
the manner of DMN's decision-table analysis.

The property test holds the analysis to the rules themselves: for any values of the
facts a table tests, a ticket lies in a reported gap exactly when it is in the table's
scope and no rule matches it, and in a reported overlap exactly when two or more rules
match it.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from favorpolicy import (
    Condition,
    Customer,
    InvalidPolicy,
    Issue,
    Money,
    Owe,
    Policy,
    Rule,
    Table,
    analyse_tables,
    fact_value,
    policy_from_toml,
    policy_to_toml,
    resolve,
)
from favorpolicy._coverage import MAX_STEPS
from favorpolicy._rule_facts import MISSING
from favorpolicy._schema import policy_schema
from favorpolicy.cli import main
from favorpolicy.testing import policies, rule_tables
from favorpolicy.testing._strategies import values_near

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "policies"
USD = Policy.default("USD")
ENV = {"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"}


def rule(name: str, *when: Condition, **fields: Any) -> Rule:
    fields.setdefault("owe", Owe(amount=Money(10, "USD")))
    return Rule(name, when=when, **fields)


def analysis(*rules: Rule, policy: Policy = USD, **table: Any) -> Any:
    declared = Table("t", [r.name for r in rules], **table)
    (found,) = analyse_tables(attrs.evolve(policy, rules=rules, tables=(declared,)))
    return found


def gaps(*rules: Rule, **table: Any) -> list[str]:
    return [str(gap) for gap in analysis(*rules, **table).gaps]


def sla(uptime: str, *, fault: str = "business") -> Issue:
    return Issue(
        "T-1",
        "outage",
        fault,
        Money(0, "USD"),
        order_value=Money(1000, "USD"),
        facts={"uptime_percent": Decimal(uptime)},
    )


class TestTheTable:
    def test_a_table_names_its_rules_and_its_scope(self) -> None:
        table = Table("t", ["a", "b"], when=Condition("kind", "eq", "late"))
        assert ("t", ("a", "b")) == (table.name, table.rules)
        assert (Condition("kind", "eq", "late"),) == table.when

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"name": "", "rules": ["a"]}, r"^name: '' is not a non-empty str"),
            ({"name": "t", "rules": []}, r"^rules: \[\] is empty; a table holds one rule"),
            ({"name": "t", "rules": ["a", "a"]}, r"^rules\[1\]: 'a' is named twice"),
            ({"name": "t", "rules": "abc"}, r"^rules: 'abc' is not a sequence"),
            ({"name": "t", "rules": [1]}, r"^rules\[0\]: 1 is not a rule's name"),
            ({"name": "t", "rules": [" "]}, r"^rules\[0\]: ' ' is not a rule's name"),
            ({"name": "t", "rules": ["a" * 201]}, r"^rules\[0\]: 'a+.* is too long"),
            ({"name": "t", "rules": range(10**9)}, r"^rules: .* holds more than 1000 items"),
        ],
    )
    def test_a_bad_table_names_the_field_and_the_value(
        self, fields: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(InvalidPolicy, match=message):
            Table(**fields)

    def test_a_policy_refuses_a_table_of_a_rule_it_does_not_have(self) -> None:
        policy = attrs.evolve(USD, rules=(rule("a"),))
        with pytest.raises(InvalidPolicy, match=r"^tables\[0\]\.rules\[1\]: 'b' is not the name"):
            attrs.evolve(policy, tables=(Table("t", ["a", "b"]),))

    def test_a_policy_refuses_two_tables_of_one_name(self) -> None:
        policy = attrs.evolve(USD, rules=(rule("a"),))
        with pytest.raises(InvalidPolicy, match=r"^tables\[1\]\.name: 't' is also tables\[0\]"):
            attrs.evolve(policy, tables=(Table("t", ["a"]), Table("t", ["a"])))

    def test_a_policy_refuses_what_is_not_a_table(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^tables\[0\]: 'sla' is not a Table"):
            attrs.evolve(USD, tables=("sla",))

    def test_a_table_decides_nothing_so_the_decision_key_is_the_same(self) -> None:
        policy = attrs.evolve(USD, rules=(rule("a", Condition("kind", "eq", "late")),))
        declared = attrs.evolve(policy, tables=(Table("t", ["a"]),))
        assert policy.terms_fingerprint == declared.terms_fingerprint
        assert policy.fingerprint != declared.fingerprint
        issue = Issue("T-1", "late", "business", Money(5, "USD"))
        assert (
            resolve(issue, Customer("C"), policy).key == resolve(issue, Customer("C"), declared).key
        )


class TestGaps:
    def test_a_number_below_every_rule_is_a_gap(self) -> None:
        found = gaps(
            rule("mid", Condition("facts.n", "ge", 10), Condition("facts.n", "lt", 20)),
            rule("high", Condition("facts.n", "ge", 20)),
        )
        assert ["facts.n is missing or facts.n < 10 or facts.n is not a number"] == found

    def test_a_hole_between_two_rules_is_a_gap(self) -> None:
        found = gaps(
            rule("low", Condition("facts.n", "lt", 10)),
            rule("high", Condition("facts.n", "gt", 20)),
            when=(Condition("facts.n", "ge", 0),),
        )
        assert ["10 ≤ facts.n ≤ 20"] == found

    def test_one_value_left_out_is_a_gap_of_that_value(self) -> None:
        found = gaps(
            rule("low", Condition("facts.n", "lt", 10)),
            rule("high", Condition("facts.n", "gt", 10)),
            when=(Condition("facts.n", "ge", 0),),
        )
        assert ["facts.n = 10"] == found

    def test_whole_number_facts_have_no_values_between_two_whole_numbers(self) -> None:
        # Days are whole: nothing lies between 7 and 8.
        found = gaps(
            rule("week", Condition("days_since_delivery", "le", 7)),
            rule("later", Condition("days_since_delivery", "ge", 8)),
            when=(Condition("days_since_delivery", "ge", 0),),
        )
        assert [] == found
        # A named fact may hold a Decimal: 7.005 lies between.
        assert ["7 < facts.n < 7.01"] == gaps(
            rule("a", Condition("facts.n", "le", 7)),
            rule("b", Condition("facts.n", "ge", Decimal("7.01"))),
            when=(Condition("facts.n", "ge", 0),),
        )

    def test_severity_runs_from_one_to_five(self) -> None:
        assert ["1 ≤ severity < 3"] == gaps(rule("bad", Condition("severity", "ge", 3)))

    def test_a_loss_is_never_negative(self) -> None:
        assert ["0 ≤ loss < 50"] == gaps(rule("big", Condition("loss", "ge", 50)))

    def test_text_not_named_is_another_text(self) -> None:
        found = gaps(rule("late", Condition("kind", "in", ["late", "lost"])))
        assert ["kind is none of 'late', 'lost'"] == found

    def test_unicode_text_is_shown_as_written(self) -> None:
        found = gaps(rule("r", Condition("category", "eq", "café ☕")))
        assert ["category is missing or category is not 'café ☕'"] == found

    def test_a_bool_has_two_values(self) -> None:
        found = gaps(rule("durable", Condition("facts.durable", "eq", True)))
        assert [
            "facts.durable is missing or facts.durable = false or facts.durable is not a bool"
        ] == found

    def test_every_fault_is_a_value(self) -> None:
        found = gaps(rule("theirs", Condition("fault", "in", ["business", "unknown"])))
        assert ["fault in customer, shared"] == found

    def test_the_tiers_are_the_policys(self) -> None:
        found = gaps(rule("higher", Condition("customer.tier", "in", ["plus", "vip"])))
        assert ["customer.tier = 'standard'"] == found

    def test_dates_are_whole_days(self) -> None:
        day = date(2026, 1, 1)
        found = gaps(
            rule("before", Condition("facts.bought", "lt", day)),
            rule("after", Condition("facts.bought", "ge", day + timedelta(days=1))),
            when=(Condition("facts.bought", "ge", date(2000, 1, 1)),),
        )
        assert ["facts.bought = 2026-01-01"] == found

    def test_datetimes_have_moments_between(self) -> None:
        noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
        found = gaps(
            rule("before", Condition("facts.at", "le", noon)),
            rule("after", Condition("facts.at", "gt", noon + timedelta(hours=1))),
            when=(Condition("facts.at", "ge", datetime(2000, 1, 1, tzinfo=UTC)),),
        )
        assert ["2026-01-01T12:00:00+00:00 < facts.at ≤ 2026-01-01T13:00:00+00:00"] == found

    def test_a_fact_tested_only_for_missing_is_given_or_missing(self) -> None:
        assert ["facts.x is given"] == gaps(rule("r", Condition("facts.x", "missing")))

    def test_an_unless_group_leaves_a_gap_where_it_excludes(self) -> None:
        found = gaps(
            rule(
                "r", Condition("kind", "eq", "late"), unless=(Condition("channel", "eq", "phone"),)
            ),
            when=(Condition("kind", "eq", "late"),),
        )
        assert ["kind = 'late'; channel = 'phone'"] == found

    def test_the_scope_leaves_out_what_it_excludes(self) -> None:
        found = gaps(
            rule(
                "r", Condition("kind", "eq", "late"), unless=(Condition("channel", "eq", "phone"),)
            ),
            when=(Condition("kind", "eq", "late"),),
            unless=(Condition("channel", "eq", "phone"),),
        )
        assert [] == found

    def test_a_table_with_no_gap_is_complete(self) -> None:
        found = analysis(
            rule("low", Condition("facts.n", "lt", 10)),
            rule("high", Condition("facts.n", "ge", 10)),
            when=(Condition("facts.n", "ge", 0),),
        )
        assert (True, (), ()) == (found.complete, found.gaps, found.overlaps)

    def test_a_rule_with_no_conditions_covers_every_ticket(self) -> None:
        assert analysis(rule("all")).complete

    def test_a_gap_holds_the_tickets_that_no_rule_matches(self) -> None:
        policy = policy_from_toml(EXAMPLES / "saas-sla.toml")
        table = Table(
            "sla",
            [r.name for r in policy.rules],
            when=(Condition("kind", "eq", "outage"),),
            unless=(Condition("fault", "eq", "customer"),),
        )
        (found,) = analyse_tables(attrs.evolve(policy, tables=(table,)))
        (gap,) = found.gaps
        assert "facts.uptime_percent ≥ 99.99" in str(gap)
        for uptime, inside in [("99.99", True), ("100", True), ("99.98", False), ("0", False)]:
            ticket = sla(uptime)
            customer = Customer("C", tier="starter")
            facts = {fact: fact_value(fact, ticket, customer) for fact in found.cells}
            assert inside == gap.contains(facts), uptime
            ruled = [r for r in resolve(ticket, customer, policy).reasons if r.code == "ruled"]
            assert inside == (not ruled), uptime


class TestCellsEveryTicketCanBeIn:
    """Cases found by attacking the analysis: each a wrong answer before it was mended."""

    def test_a_named_fact_of_another_type_is_a_cell_of_its_own(self) -> None:
        # not_in matches a value of any other type: 5 is not in {true, false}.
        found = analysis(rule("a", Condition("facts.x", "not_in", [True, False])))
        (gap,) = found.gaps
        assert "facts.x is missing or facts.x in false, true" == str(gap)
        assert not gap.contains({"facts.x": 5})
        assert gap.contains({"facts.x": True})
        scoped = analysis(
            rule("a", Condition("kind", "eq", "late")),
            when=(Condition("facts.x", "not_in", [True, False]),),
        )
        assert not scoped.complete
        assert any(gap.contains({"facts.x": 5, "kind": "damaged"}) for gap in scoped.gaps)

    @pytest.mark.parametrize(
        "condition",
        [
            Condition("facts.d", "le", date.max),
            Condition("facts.d", "lt", date.min),
            Condition("facts.d", "in", [date.max, date.min]),
            Condition("facts.t", "gt", datetime.min.replace(tzinfo=UTC)),
            Condition("facts.t", "ge", datetime.max.replace(tzinfo=UTC)),
        ],
    )
    def test_the_calendars_ends_are_no_error(self, condition: Condition) -> None:
        found = analysis(rule("a", condition))
        assert not found.too_large
        assert found.gaps

    def test_another_text_is_none_a_condition_names(self) -> None:
        found = analysis(rule("a", Condition("facts.x", "eq", "\x00another text")))
        assert any(gap.contains({"facts.x": "foo"}) for gap in found.gaps)

    def test_a_whole_number_fact_has_no_cell_at_a_fraction(self) -> None:
        # lt 7.5 and gt 7.5 on days: 7 days and 8 days, and nothing between.
        found = gaps(
            rule("a", Condition("days_since_delivery", "lt", Decimal("7.5"))),
            rule("b", Condition("days_since_delivery", "gt", Decimal("7.5"))),
        )
        assert ["days_since_delivery is missing"] == found
        assert ["1 ≤ severity < 2.5"] == gaps(
            rule("a", Condition("severity", "ge", Decimal("2.5")))
        )

    def test_an_empty_channel_is_missing_and_a_lower_case_region_is_no_tickets(self) -> None:
        assert [] == gaps(
            rule("a", Condition("channel", "ne", "")), rule("b", Condition("channel", "missing"))
        )
        found = analysis(
            rule("a", Condition("region", "in", ["us", "ca"])),
            rule("b", Condition("region", "ne", "x")),
        )
        assert () == found.overlaps

    def test_forty_rules_on_ten_facts_are_walked_or_refused_quickly(self) -> None:
        # Each rule left out by one of ten bools: 4**10 cells. The walk counts each rule
        # it tries, so it gives up after a bounded number of steps (no timing is asserted).
        rules = tuple(
            Rule(
                f"r{i}",
                unless=Condition(f"facts.b{i % 10}", "eq", True),
                owe=Owe(amount=Money(1, "USD")),
            )
            for i in range(40)
        )
        found = analysis(*rules)
        assert found.too_large
        smaller = analysis(*rules[:5])
        assert not smaller.too_large
        assert smaller.overlaps


class TestOverlaps:
    def test_an_overlap_names_the_rules_and_where(self) -> None:
        found = analysis(
            rule("any", Condition("facts.n", "ge", 0)),
            rule("big", Condition("facts.n", "ge", 100)),
            when=(Condition("facts.n", "ge", 0),),
        )
        assert found.complete
        (overlap,) = found.overlaps
        assert ("any", "big") == overlap.rules
        assert "'any', 'big' all match facts.n ≥ 100" == str(overlap)
        assert overlap.contains({"facts.n": 5000})
        assert not overlap.contains({"facts.n": 99})

    def test_the_sla_rules_overlap_where_the_largest_credit_is_owed(self) -> None:
        (found,) = analyse_tables(policy_from_toml(EXAMPLES / "saas-sla.toml"))
        assert found.complete
        described = {overlap.rules: overlap.description for overlap in found.overlaps}
        assert {
            ("sla-4-below-95.0", "sla-4-below-99.0", "sla-4-below-99.99"),
            ("sla-4-below-99.0", "sla-4-below-99.99"),
        } == set(described)
        assert (
            "95 ≤ facts.uptime_percent < 99" in described[("sla-4-below-99.0", "sla-4-below-99.99")]
        )


class TestTheExamples:
    @pytest.mark.parametrize("name", ["saas-sla", "eu261"])
    def test_the_declared_tables_are_complete(self, name: str) -> None:
        found = analyse_tables(policy_from_toml(EXAMPLES / f"{name}.toml"))
        assert found
        assert all(table.complete for table in found), [str(g) for t in found for g in t.gaps]

    def test_eu261_without_intra_eu_in_the_scope_has_a_gap_and_owes_nothing(self) -> None:
        policy = policy_from_toml(EXAMPLES / "eu261.toml")
        (declared,) = policy.tables
        wider = attrs.evolve(
            declared, when=tuple(c for c in declared.when if c.fact != "facts.intra_eu")
        )
        (found,) = analyse_tables(attrs.evolve(policy, tables=(wider,)))
        assert found.gaps
        assert all("facts.intra_eu is missing" in str(gap) for gap in found.gaps)
        flight = Issue(
            "F-1",
            "flight_cancellation",
            "business",
            Money(0, "EUR"),
            facts={"distance_km": 2000},
        )
        passenger = Customer("P", tier="economy")
        values = {fact: fact_value(fact, flight, passenger) for fact in found.cells}
        assert any(gap.contains(values) for gap in found.gaps)
        assert Money(0, "EUR") == resolve(flight, passenger, policy).owed

    def test_the_tables_validate_against_the_schema_and_round_trip(self, tmp_path: Path) -> None:
        policy = policy_from_toml(EXAMPLES / "eu261.toml")
        again = tmp_path / "eu261.toml"
        again.write_text(policy_to_toml(policy), encoding="utf-8")
        assert policy.tables == policy_from_toml(again).tables
        data = tomllib.loads((EXAMPLES / "eu261.toml").read_text(encoding="utf-8"))
        jsonschema.validate(data, policy_schema())
        for bad in [{"name": "t", "rules": []}, {"name": "t", "rule": ["a"]}, {"rules": ["a"]}]:
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(data | {"tables": [bad]}, policy_schema())

    def test_a_file_names_the_path_of_a_bad_table(self, tmp_path: Path) -> None:
        text = (EXAMPLES / "saas-sla.toml").read_text(encoding="utf-8")
        path = tmp_path / "bad.toml"
        path.write_text(text.replace('"sla-4-below-95.0"]', '"sla-4-below-96"]'), "utf-8")
        with pytest.raises(InvalidPolicy, match=r"tables\[0\]\.rules\[2\]: 'sla-4-below-96'"):
            policy_from_toml(path)
        head, _unless, tail = text.rpartition('unless = { fault = "customer" }')  # the table's
        path.write_text(head + "unless = 3" + tail, "utf-8")
        with pytest.raises(InvalidPolicy, match=r"tables\[0\]\.unless: 3 is not a table"):
            policy_from_toml(path)


class TestTooLarge:
    def test_a_table_too_large_to_walk_says_so_and_is_not_complete(self) -> None:
        # Five facts of 30 values each: 30**5 cells, past the bound.
        sets = [Condition(f"facts.f{i}", "in", list(range(30))) for i in range(5)]
        found = analysis(rule("wide", *sets))
        assert (True, False) == (found.too_large, found.complete)
        assert 30**5 > MAX_STEPS


class TestCheck:
    def run(self, policy: Policy, tmp_path: Path, *extra: str) -> tuple[int, str]:
        path = tmp_path / "policy.toml"
        path.write_text(policy_to_toml(policy), encoding="utf-8")
        args = ["check", "--policy", str(path), "--examples", "5", *extra]
        result = CliRunner().invoke(main, args, env=ENV)
        return result.exit_code, result.stdout

    def test_a_gap_fails_the_check_and_is_shown(self, tmp_path: Path) -> None:
        rules = (rule("big", Condition("loss", "ge", 50)),)
        policy = attrs.evolve(USD, rules=rules, tables=(Table("losses", ["big"]),))
        code, out = self.run(policy, tmp_path)
        assert 1 == code
        assert "FAIL  table 'losses': 1 gap(s)\n      gap      0 ≤ loss < 50\n" in out
        assert out.endswith("1 table(s) declared complete are not\n")

    def test_overlaps_are_counted_and_listed_when_asked(self, tmp_path: Path) -> None:
        rules = (rule("all"), rule("big", Condition("loss", "ge", 50)))
        policy = attrs.evolve(USD, rules=rules, tables=(Table("losses", ["all", "big"]),))
        code, out = self.run(policy, tmp_path)
        said = "pass  table 'losses': is complete; 1 overlap(s), where every matching rule applies"
        assert (0, True, False) == (code, said in out, "overlap  " in out)
        code, out = self.run(policy, tmp_path, "--overlaps")
        assert "      overlap  'all', 'big' all match loss ≥ 50\n" in out
        assert out.endswith("all rules pass\n")

    def test_a_table_too_large_fails_the_check(self, tmp_path: Path) -> None:
        sets = [Condition(f"facts.f{i}", "in", list(range(30))) for i in range(5)]
        policy = attrs.evolve(USD, rules=(rule("wide", *sets),), tables=(Table("w", ["wide"]),))
        code, out = self.run(policy, tmp_path)
        assert 1 == code
        assert "FAIL  table 'w': too large to analyse (over 1,000,000 steps)" in out


# ---- the property ----------------------------------------------------------------------------


def _holds(conditions: tuple[Condition, ...], values: dict[str, object]) -> bool:
    return all(c.test_parts()[1](values.get(c.fact, MISSING)) for c in conditions)


def _matches(
    when: tuple[Condition, ...],
    unless: tuple[tuple[Condition, ...], ...],
    values: dict[str, object],
) -> bool:
    return _holds(when, values) and not any(_holds(group, values) for group in unless)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[Policy, Table, dict[str, object]]:
    policy = draw(policies("USD"))
    rules = draw(rule_tables(policy, max_rules=5))
    named = draw(st.lists(st.sampled_from(rules), min_size=1, unique_by=lambda r: r.name))
    conditions = [c for r in rules for c in (*r.when, *(c for g in r.unless for c in g))]
    picked = draw(st.lists(st.sampled_from(conditions), max_size=2)) if conditions else []
    when = tuple({(c.fact, c.op): c for c in picked}.values())
    excluded = draw(st.lists(st.sampled_from(conditions), max_size=1)) if conditions else []
    table = Table("t", [r.name for r in named], when=when, unless=[(c,) for c in excluded])
    declared = attrs.evolve(policy, rules=rules, tables=(table,))
    facts = sorted({c.fact for c in (*conditions, *when, *excluded)})
    values: dict[str, object] = {}
    for fact in facts:
        near = [c.value for c in conditions if c.fact == fact and c.value is not None]
        always = fact in {"kind", "fault", "loss", "severity", "customer.prior_remedies"}
        choices = [*([] if always else [st.just(MISSING)]), *(values_near(v) for v in near)]
        flat = [v for value in near for v in (value if isinstance(value, tuple) else (value,))]
        if any(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in flat):
            choices += [st.integers(-10, 6000), st.decimals(-10, 6000, places=2)]
        if fact == "customer.tier":
            choices = [st.sampled_from(declared.tiers)]
        value = draw(st.one_of(choices))
        if value is not MISSING:
            values[fact] = value
    return declared, table, values


@given(_tables())
def test_a_gap_is_exactly_where_no_rule_matches_and_an_overlap_where_several_do(
    drawn: tuple[Policy, Table, dict[str, object]],
) -> None:
    policy, table, values = drawn
    (found,) = analyse_tables(policy)
    if found.too_large:
        event("too large")
        return
    # Only values the analysis cut the facts into: a text for a number fact is in no cell.
    for fact, cells in found.cells.items():
        if not any(cell.contains(values.get(fact, MISSING)) for cell in cells):
            event("a value in no cell")
            return
    by_name = {r.name: r for r in policy.rules}
    in_scope = _matches(table.when, table.unless, values)
    matched = {
        name for name in table.rules if _matches(by_name[name].when, by_name[name].unless, values)
    }
    in_gaps = [gap for gap in found.gaps if gap.contains(values)]
    event("in a gap" if in_gaps else f"matched by {min(len(matched), 2)}+ rule(s)")
    assert (in_scope and not matched) == bool(in_gaps), (values, [str(g) for g in found.gaps])
    assert len(in_gaps) <= 1  # the gaps do not overlap one another
    in_overlaps = [overlap for overlap in found.overlaps if overlap.contains(values)]
    assert (in_scope and len(matched) > 1) == bool(in_overlaps), values
    assert all(set(overlap.rules) == matched for overlap in in_overlaps)
    assert found.complete == (not found.gaps)
