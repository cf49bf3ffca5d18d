"""The built-in conduct filter, measured on real complaints and on a labelled set."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from favorpolicy import Customer, Fault, Issue, Level, Money, Policy, resolve
from favorpolicy.builtin.conduct import screen_text

DATA = Path(__file__).parent / "data"
# The shared Olist data lives beside the repository (../shared), never in it.
OLIST = Path(
    os.environ.get(
        "FAVORPOLICY_OLIST", Path(__file__).parent.parent.parent / "shared/data/olist-joined"
    )
)


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


ABUSIVE = _lines("conduct_abusive.txt")
CIVIL = _lines("conduct_civil.txt")


def _flagged(text: str) -> bool:
    return screen_text(text).level >= Level.RESTRICT


class TestLabelledSet:
    def test_the_set_is_big_enough(self) -> None:
        assert len(ABUSIVE) >= 60
        assert len(CIVIL) >= 60

    def test_precision_and_recall(self) -> None:
        true_positives = sum(_flagged(line) for line in ABUSIVE)
        false_positives = sum(_flagged(line) for line in CIVIL)
        precision = true_positives / (true_positives + false_positives)
        recall = true_positives / len(ABUSIVE)
        # docs/plugins.md reports these figures: 60 of 62 caught, none of 61 civil lines flagged.
        assert precision >= 0.95, f"precision {precision:.3f}"
        assert recall >= 0.9, f"recall {recall:.3f}"

    @pytest.mark.parametrize(
        "line",
        [
            "This damn package is late AGAIN, what the hell?!",
            "Shit. It broke.",
            "You guys messed up my order and I want it fixed today.",
            "",
            "   ",
            "O produto chegou quebrado, que droga!",
            "Ünïcødé 🙂 is fine",
        ],
    )
    def test_anger_at_the_situation_is_none(self, line: str) -> None:
        assert Level.NONE == screen_text(line).level

    @pytest.mark.parametrize(
        ("line", "level"),
        [
            ("You are a useless idiot.", Level.RESTRICT),
            ("Your agents are morons.", Level.RESTRICT),
            ("screw you", Level.RESTRICT),
            ("I know where you live.", Level.REFUSE),
            ("I will find you and hurt you.", Level.REFUSE),
        ],
    )
    def test_abuse_aimed_at_staff_is_flagged_with_a_reason(self, line: str, level: Level) -> None:
        verdict = screen_text(line)
        assert level == verdict.level
        assert verdict.reason


class TestOlistReviews:
    """1,931 real Portuguese review comments: complaints and praise, none of them abuse."""

    @pytest.mark.skipif(
        not (OLIST / "olist_order_reviews_dataset.csv").is_file(),
        reason=f"needs the shared Olist data at {OLIST}, not beside this checkout",
    )
    def test_false_positive_rate_is_under_one_percent(self) -> None:
        path = OLIST / "olist_order_reviews_dataset.csv"
        with path.open(newline="", encoding="utf-8") as file:
            comments = [
                row["review_comment_message"]
                for row in csv.DictReader(file)
                if row["review_comment_message"].strip()
            ]
        assert 1931 == len(comments)
        flagged = [comment for comment in comments if screen_text(comment).level > Level.NONE]
        assert len(flagged) / len(comments) < 0.01, flagged[:5]


class TestInResolve:
    def test_the_default_policy_turns_it_on(self) -> None:
        issue = Issue("T-1", "late", Fault.BUSINESS, Money("30", "BRL"), severity=4,
                      conduct="You are all useless morons.")  # fmt: skip
        resolution = resolve(issue, Customer("c"), Policy.default("BRL"))
        assert Level.RESTRICT == resolution.screen.level
        assert "conduct_filter" == resolution.screen.plugin
        assert Money("30", "BRL") == resolution.owed == resolution.total

    def test_a_policy_without_the_setting_leaves_it_off(self) -> None:
        policy = attrs.evolve(Policy.default("BRL"), settings={})
        issue = Issue("T-1", "late", Fault.BUSINESS, Money("30", "BRL"), conduct="screw you")
        assert Level.NONE == resolve(issue, Customer("c"), policy).screen.level


def test_the_word_list_loads_with_the_manager_not_inside_the_first_screen() -> None:
    # Loading takes long enough to overrun a hook time budget on a busy machine,
    # which would leave the first ticket of a process without its filter.
    code = (
        "from favorpolicy import make_plugin_manager\n"
        "from favorpolicy.builtin import conduct\n"
        "assert conduct._profanity.cache_info().currsize == 0\n"
        "make_plugin_manager(load_entrypoints=False)\n"
        "assert conduct._profanity.cache_info().currsize == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
