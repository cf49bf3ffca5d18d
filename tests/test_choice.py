"""The actions of a rule that are not amounts. The customer's choice: a rule with
``choose`` lists the choices, recommends the one worth most to the customer, and pick()
(or Ledger.pick()) records what the customer picked, never changing an amount. Keeping
the item: a rule with ``keep_item`` lets the customer keep it."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from favorpolicy import (
    Condition,
    Customer,
    InvalidChoice,
    InvalidPolicy,
    InvalidRecord,
    Issue,
    Money,
    Offer,
    Owe,
    Policy,
    RemedyKind,
    Rule,
    Valuation,
    decide,
    pick,
    policy_from_toml,
    policy_to_toml,
    resolution_from_dict,
    resolution_to_dict,
    resolve,
)
from favorpolicy.cli import main
from favorpolicy.ledger import Ledger, resolve_and_record

USD = Policy.default("USD")
KWD = Policy.default("KWD")
CHOICE = Rule(
    "art-18",
    when=(Condition("facts.repair_days", "ge", 31),),
    owe=Owe(share=1),
    offers=[Offer(RemedyKind.REPLACEMENT), Offer(RemedyKind.REFUND), Offer(RemedyKind.DISCOUNT)],
    choose=True,
    basis="law",
    cite="CDC art. 18 §1",
)
CHOOSING = attrs.evolve(USD, rules=(CHOICE,))
CUSTOMER = Customer("C-1")


def defect(loss: str = "300", *, repair_days: int = 40, currency: str = "USD") -> Issue:
    return Issue(
        "T-1",
        "defect",
        "business",
        Money(loss, currency),
        severity=2,
        facts={"repair_days": repair_days},
    )


def kinds(package: tuple[object, ...]) -> list[str]:
    return [str(remedy.kind) for remedy in package]  # type: ignore[attr-defined]


def worth(package: tuple[object, ...], currency: str = "USD") -> Money:
    return Money.total((remedy.value for remedy in package), currency)  # type: ignore[attr-defined]


class TestTheRule:
    def test_a_choice_needs_two_offers(self) -> None:
        with pytest.raises(InvalidPolicy, match="lets the customer choose, but offers fewer"):
            Rule("r", offers=[Offer(RemedyKind.REFUND)], choose=True)

    @pytest.mark.parametrize("value", ["yes", 1, None])
    def test_choose_is_true_or_false(self, value: object) -> None:
        with pytest.raises(InvalidPolicy, match=r"^choose: .* is not true or false"):
            Rule("r", offers=[Offer(RemedyKind.REFUND), Offer(RemedyKind.DISCOUNT)], choose=value)

    def test_the_file_form_round_trips(self, tmp_path: Path) -> None:
        path = tmp_path / "policy.toml"
        path.write_text(policy_to_toml(CHOOSING), encoding="utf-8")
        assert "choose = true" in path.read_text(encoding="utf-8")
        assert CHOOSING == policy_from_toml(path)

    def test_a_file_choose_that_is_not_a_flag_is_refused_with_its_path(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "policy.toml"
        text = policy_to_toml(CHOOSING).replace("choose = true", 'choose = "yes"')
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]"):
            policy_from_toml(path)


class TestResolve:
    def test_every_choice_covers_the_total_and_the_most_valuable_is_given(self) -> None:
        resolution = resolve(defect(), CUSTOMER, CHOOSING)
        assert resolution.owed == Money("300", "USD")
        assert len(resolution.choices) >= 3
        values = [worth(choice) for choice in resolution.choices]
        assert all(value >= resolution.total for value in values)
        assert values[0] == max(values)
        assert resolution.remedies == resolution.choices[0]
        assert resolution.picked is None
        offered = {kinds(choice)[0] for choice in resolution.choices}
        assert {"replacement", "refund", "discount"} <= offered

    def test_the_reason_names_the_rule_its_cite_and_the_recommended_choice(self) -> None:
        resolution = resolve(defect(), CUSTOMER, CHOOSING)
        (reason,) = [r for r in resolution.reasons if r.code == "customer_chooses"]
        assert "'art-18' (CDC art. 18 §1)" in reason.message
        assert f"and {kinds(resolution.choices[0])[0]} (the customer's preferred" in reason.message
        assert reason.amount == worth(resolution.choices[0])

    def test_a_choice_worth_more_is_recommended(self) -> None:
        # Store credit worth 20 % more to the customer: the policy's own package leads.
        bonus = attrs.evolve(
            CHOOSING,
            offers={"defect": (Offer(RemedyKind.STORE_CREDIT),)},
            valuations={RemedyKind.STORE_CREDIT: Valuation("0.2", "0.5")},
        )
        resolution = resolve(defect(), CUSTOMER, bonus)
        assert ["store_credit"] == kinds(resolution.choices[0])
        assert worth(resolution.remedies) > resolution.total

    def test_a_choice_never_gives_less_than_none(self) -> None:
        plain = attrs.evolve(USD, rules=(attrs.evolve(CHOICE, choose=False),))
        without = resolve(defect(), CUSTOMER, plain)
        with_choice = resolve(defect(), CUSTOMER, CHOOSING)
        assert worth(with_choice.remedies) >= worth(without.remedies)
        assert (with_choice.owed, with_choice.total, with_choice.granted_now) == (
            without.owed,
            without.total,
            without.granted_now,
        )

    @pytest.mark.parametrize("kind", ["refund", "replacement", "discount"])
    def test_the_customers_preferred_kind_comes_first(self, kind: str) -> None:
        # Before a choice worth more: the customer's own order, as among close calls.
        resolution = resolve(defect(), Customer("C-1", preference=kind), CHOOSING)
        assert kind == kinds(resolution.choices[0])[0]  # with goodwill as extra, maybe
        assert resolution.remedies == resolution.choices[0]

    def test_no_matching_rule_no_choices(self) -> None:
        resolution = resolve(defect(repair_days=10), CUSTOMER, CHOOSING)
        assert () == resolution.choices
        assert "customer_chooses" not in [r.code for r in resolution.reasons]

    def test_decide_gives_what_resolve_recommends(self) -> None:
        resolution = resolve(defect(), CUSTOMER, CHOOSING)
        decision = decide(defect(), CUSTOMER, CHOOSING)
        cost = Money.total((r.cost for r in resolution.remedies if r.cost is not None), "USD")
        assert cost.amount == decision.cost
        assert resolution.total.amount == decision.owed + decision.goodwill

    @pytest.mark.parametrize("loss", ["0", "0.001", "99999999999"])
    def test_edges_in_kwd(self, loss: str) -> None:
        policy = attrs.evolve(KWD, rules=(attrs.evolve(CHOICE, owe=Owe(share=1)),))
        resolution = resolve(defect(loss, currency="KWD"), CUSTOMER, policy)
        assert all(worth(c, "KWD") >= resolution.total for c in resolution.choices)

    def test_the_choices_round_trip(self) -> None:
        resolution = pick(resolve(defect(), CUSTOMER, CHOOSING), "refund")
        again = resolution_from_dict(resolution_to_dict(resolution))
        assert again == resolution
        assert again.picked == resolution.picked

    def test_a_resolution_without_choices_keeps_its_json(self) -> None:
        data = resolution_to_dict(resolve(defect(), CUSTOMER, USD))
        assert data["choices"] == []
        assert data["picked"] is None

    def test_explain_lists_the_choices(self) -> None:
        text = resolve(defect(), CUSTOMER, CHOOSING).explain()
        assert "the customer chooses: " in text
        assert "(not picked yet)" in text


class TestPick:
    @pytest.mark.parametrize("choice", ["refund", "REFUND ", RemedyKind.REFUND])
    def test_by_kind(self, choice: object) -> None:
        resolution = resolve(defect(), CUSTOMER, CHOOSING)
        picked = pick(resolution, choice)  # type: ignore[arg-type]
        assert ["refund"] == kinds(picked.remedies)
        assert picked.choices[picked.picked] == picked.remedies  # type: ignore[index]
        for name in ("owed", "goodwill", "total", "granted_now", "escalate_to", "key"):
            assert getattr(picked, name) == getattr(resolution, name)
        assert "picked" == picked.reasons[-1].code
        assert "the customer picked refund" in picked.reasons[-1].message

    def test_every_index_is_a_choice_and_none_lowers_an_amount(self) -> None:
        resolution = resolve(defect(), CUSTOMER, CHOOSING)
        for index in range(len(resolution.choices)):
            picked = pick(resolution, index)
            assert picked.picked == index
            assert worth(picked.remedies) >= resolution.total

    def test_picking_the_same_again_is_the_same(self) -> None:
        once = pick(resolve(defect(), CUSTOMER, CHOOSING), "refund")
        assert once == pick(once, "refund")

    def test_a_second_different_pick_is_refused(self) -> None:
        once = pick(resolve(defect(), CUSTOMER, CHOOSING), "refund")
        with pytest.raises(InvalidChoice, match=r"picked choice .* already"):
            pick(once, "discount")

    @pytest.mark.parametrize("choice", [-1, 99, True, None, 1.0, "", "rainbow", "ünïcode"])
    def test_a_choice_not_offered_is_refused_naming_it(self, choice: object) -> None:
        with pytest.raises(InvalidChoice, match=r"^choice: "):
            pick(resolve(defect(), CUSTOMER, CHOOSING), choice)  # type: ignore[arg-type]

    def test_no_choices_no_pick(self) -> None:
        with pytest.raises(InvalidChoice, match="has no choices"):
            pick(resolve(defect(), CUSTOMER, USD), 0)

    def test_only_a_resolution_is_picked_from(self) -> None:
        with pytest.raises(InvalidChoice, match=r"^resolution: "):
            pick("not a resolution", 0)  # type: ignore[arg-type]


class TestLedger:
    def test_the_pick_is_kept_and_a_retry_finds_it(self, tmp_path: Path) -> None:
        book = Ledger(tmp_path / "book.db")
        first = resolve_and_record(defect(), CUSTOMER, CHOOSING, book)
        picked = book.pick(first.key, "refund")
        assert ["refund"] == kinds(picked.remedies)
        assert book.get(first.key) == picked
        assert resolve_and_record(defect(), CUSTOMER, CHOOSING, book) == picked
        assert book.pick(first.key, "refund") == picked
        assert 1 == len(book)

    def test_a_second_different_pick_changes_nothing(self, tmp_path: Path) -> None:
        book = Ledger(tmp_path / "book.db")
        first = resolve_and_record(defect(), CUSTOMER, CHOOSING, book)
        picked = book.pick(first.key, 1)
        with pytest.raises(InvalidChoice):
            book.pick(first.key, 2)
        assert book.get(first.key) == picked

    def test_an_unknown_key_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidRecord, match=r"^key: 'nope' is not a recorded decision"):
            Ledger(tmp_path / "book.db").pick("nope", 0)

    def test_the_pick_survives_reopening(self, tmp_path: Path) -> None:
        path = tmp_path / "book.db"
        book = Ledger(path)
        key = resolve_and_record(defect(), CUSTOMER, CHOOSING, book).key
        book.pick(key, "discount")
        book.close()
        assert ["discount"] == kinds(Ledger(path).get(key).remedies)  # type: ignore[union-attr]

    def test_the_command_line_picks(self, tmp_path: Path) -> None:
        path = tmp_path / "book.db"
        book = Ledger(path)
        key = resolve_and_record(defect(), CUSTOMER, CHOOSING, book).key
        book.close()
        runner = CliRunner()
        done = runner.invoke(main, ["ledger", "pick", "--ledger", str(path), key, "refund"])
        assert 0 == done.exit_code, done.output
        assert done.output.startswith("picked refund (choice ")
        again = runner.invoke(main, ["ledger", "pick", "--ledger", str(path), key, "discount"])
        assert 0 != again.exit_code
        assert "choice: 'discount'" in again.output
        assert ["refund"] == kinds(Ledger(path).get(key).remedies)  # type: ignore[union-attr]


PERISHABLE = Rule(
    "perishable-never-sent-back",
    when=(Condition("category", "in", ["food", "flowers"]),),
    keep_item=True,
)
KEEPING = attrs.evolve(USD, rules=(PERISHABLE,))


def spoiled(category: str = "food", **changes: object) -> Issue:
    issue = Issue("T-2", "damaged", "business", Money("25", "USD"), severity=2, category=category)
    return attrs.evolve(issue, **changes)


class TestKeepTheItem:
    def test_a_matching_rule_lets_the_customer_keep_it(self) -> None:
        resolution = resolve(spoiled(), CUSTOMER, KEEPING)
        assert resolution.keep_item
        (reason,) = [r for r in resolution.reasons if r.code == "keep_item"]
        assert "'perishable-never-sent-back'" in reason.message
        assert "the customer keeps the item" in resolution.explain()

    def test_keeping_the_item_changes_no_amount(self) -> None:
        kept = resolve(spoiled(), CUSTOMER, KEEPING)
        plain = resolve(spoiled(), CUSTOMER, USD)
        assert (kept.owed, kept.goodwill, kept.granted_now) == (
            plain.owed,
            plain.goodwill,
            plain.granted_now,
        )
        assert not plain.keep_item

    @pytest.mark.parametrize("category", ["electronics", "", "fleurs-été"])
    def test_another_category_sends_it_back(self, category: str) -> None:
        assert not resolve(spoiled(category), CUSTOMER, KEEPING).keep_item

    def test_a_rule_may_only_keep_the_item(self) -> None:
        assert Rule("r", keep_item=True).keep_item
        with pytest.raises(InvalidPolicy, match="does nothing; give it owe, goodwill, offers"):
            Rule("r", keep_item=False)

    @pytest.mark.parametrize("value", ["true", 0, None])
    def test_keep_item_is_true_or_false(self, value: object) -> None:
        with pytest.raises(InvalidPolicy, match=r"^keep_item: .* is not true or false"):
            Rule("r", keep_item=value)

    def test_an_abuse_screen_that_restricts_withholds_a_policys_keep_but_not_a_laws(
        self,
    ) -> None:
        rude = spoiled(conduct="you idiots, I will find you")
        assert not resolve(rude, CUSTOMER, KEEPING).keep_item
        law = attrs.evolve(PERISHABLE, owe=Owe(share=1), basis="law", cite="Food Safety Act s. 1")
        assert resolve(rude, CUSTOMER, attrs.evolve(USD, rules=(law,))).keep_item

    def test_the_file_form_and_the_json_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "policy.toml"
        path.write_text(policy_to_toml(KEEPING), encoding="utf-8")
        assert "keep_item = true" in path.read_text(encoding="utf-8")
        assert KEEPING == policy_from_toml(path)
        resolution = resolve(spoiled(), CUSTOMER, KEEPING)
        assert resolution_from_dict(resolution_to_dict(resolution)) == resolution
        assert resolution_to_dict(resolution)["keep_item"] is True

    def test_the_ledger_keeps_it(self, tmp_path: Path) -> None:
        book = Ledger(tmp_path / "book.db")
        recorded = resolve_and_record(spoiled(), CUSTOMER, KEEPING, book)
        assert book.get(recorded.key).keep_item  # type: ignore[union-attr]
