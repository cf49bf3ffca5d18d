"""decide(): resolve()'s figures without the explanation, for backtests.

Speed never changes an answer: for every scenario, with no plugins, the
built-in ones, a generous plugin on every deciding hook, or a faulty one,
decide() agrees with the Resolution that resolution_for() gives.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Decision,
    Fault,
    InvalidIssue,
    Issue,
    Level,
    Money,
    Policy,
    Remedy,
    RemedyKind,
    ScreenVerdict,
    UnknownRole,
    decide,
    hookimpl,
    make_plugin_manager,
    resolve,
)
from favorpolicy.__main__ import demo_tickets
from favorpolicy._resolve import resolution_for
from favorpolicy.testing import Scenario, scenarios
from test_plugins import DECIDING_HOOKS, faulty_plugin


class Generous:
    """A plugin that uses every deciding hook, each in the customer's favour."""

    @hookimpl
    def favorpolicy_screen(self, issue: Issue) -> ScreenVerdict | None:
        if "idiot" in issue.conduct:
            return ScreenVerdict(Level.RESTRICT, "called staff an idiot")
        if issue.conduct:
            return ScreenVerdict(Level.WARN, "said something")
        return None

    @hookimpl
    def favorpolicy_goodwill(self, issue: Issue) -> Money:
        return issue.loss * 2

    @hookimpl
    def favorpolicy_cost(self, remedy: Remedy) -> Money:
        return Money(remedy.value.amount / 3, remedy.value.currency)

    @hookimpl
    def favorpolicy_candidates(self, total: Money) -> list[list[Remedy]]:
        extra = Money.minor(total.currency)
        return [[Remedy(RemedyKind.STORE_CREDIT, total + extra, Money(0, total.currency))]]


def _managers() -> dict[str, object]:
    generous = make_plugin_manager(load_entrypoints=False)
    generous.register(Generous(), name="generous")
    return {
        "none": make_plugin_manager(builtins=False, load_entrypoints=False),
        "builtins": make_plugin_manager(load_entrypoints=False),
        "generous": generous,
    }


MANAGERS = _managers()


def _figures(scenario: Scenario, plugins: object) -> tuple[Decision, Decision]:
    policy, customer, issue, role = scenario
    got = decide(issue, customer, policy, role=role, plugins=plugins)  # type: ignore[arg-type]
    full = resolution_for(issue, customer, policy, role=role, plugins=plugins)  # type: ignore[arg-type]
    expected = Decision(
        owed=full.owed.amount,
        goodwill=full.goodwill.amount,
        granted_now=full.granted_now.amount,
        escalate_to=full.escalate_to,
        cost=sum((remedy.cost.amount for remedy in full.remedies if remedy.cost), Decimal(0)),
        level=full.screen.level,
        faults=len(full.faults),
    )
    return got, expected


@given(scenarios(), st.sampled_from(sorted(MANAGERS)))
def test_decide_agrees_with_the_resolution(scenario: Scenario, plugins: str) -> None:
    got, expected = _figures(scenario, MANAGERS[plugins])
    assert got == expected
    assert got.total == got.owed + got.goodwill


def _faulty_managers() -> dict[tuple[str, str], object]:
    managers = {}
    for hook in DECIDING_HOOKS:
        for mode in ("raise", "garbage", "negative", "wrong_currency", "short"):
            plugins = make_plugin_manager(load_entrypoints=False)
            plugins.register(faulty_plugin(hook, mode), name="faulty")
            managers[hook, mode] = plugins
    return managers


FAULTY = _faulty_managers()


@given(scenarios(), st.sampled_from(sorted(FAULTY)))
def test_decide_agrees_with_the_resolution_under_a_faulty_plugin(
    scenario: Scenario, faulty: tuple[str, str]
) -> None:
    got, expected = _figures(scenario, FAULTY[faulty])
    assert got == expected


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_at_the_edges(fault: Fault) -> None:
    for currency in ("USD", "JPY", "KWD"):
        policy = Policy.default(currency)
        for amount in ("0", Money.minor(currency).amount, "999999999999"):
            issue = Issue("i", "damaged", fault, Money(amount, currency), severity=5)
            scenario = (policy, Customer("c", tier="vip"), issue, "agent")
            got, expected = _figures(scenario, MANAGERS["none"])
            assert got == expected


def test_bad_input_is_refused_as_resolve_refuses_it() -> None:
    policy = Policy.default("USD")
    issue = Issue("i", "damaged", Fault.BUSINESS, Money(5, "USD"))
    with pytest.raises(UnknownRole, match="role: 'intern'"):
        decide(issue, Customer("c"), policy, role="intern")
    with pytest.raises(InvalidIssue, match="issue: 'not an issue'"):
        decide("not an issue", Customer("c"), policy)  # type: ignore[arg-type]


def test_decide_sends_no_events() -> None:
    sent: list[object] = []

    class Sink:
        @hookimpl
        def favorpolicy_notify(self, event: object) -> None:
            sent.append(event)

    plugins = make_plugin_manager(load_entrypoints=False)
    plugins.register(Sink())
    policy = Policy.default("BRL")
    for customer, issue, role in demo_tickets("BRL"):
        decide(issue, customer, policy, role=role, plugins=plugins)
        assert plugins.flush(timeout=5)
    assert sent == []
    resolve(*demo_tickets("BRL")[0][1::-1], policy, plugins=plugins)
    assert plugins.flush(timeout=5)
    assert sent  # the same sink hears resolve()


def test_without_conduct_the_builtin_filter_is_skipped_but_no_other_screen() -> None:
    # The built-in filter passes an issue with no conduct, so resolve() need not ask it;
    # any other screen, a subclass of it included, is asked as always.
    from favorpolicy.builtin import ConductFilter  # noqa: PLC0415

    class Strict(ConductFilter):
        @hookimpl
        def favorpolicy_screen(self, issue: Issue) -> ScreenVerdict:
            return ScreenVerdict(Level.WARN, "said nothing at all")

    policy = Policy.default("USD")
    silent = Issue("i", "late", Fault.BUSINESS, Money(5, "USD"))
    builtins = make_plugin_manager(load_entrypoints=False)
    assert builtins.plan().conduct_only
    assert resolve(silent, Customer("c"), policy, plugins=builtins).screen.level is Level.NONE
    strict = make_plugin_manager(builtins=False, load_entrypoints=False)
    strict.register(Strict())
    assert not strict.plan().conduct_only
    for verdict in (
        resolve(silent, Customer("c"), policy, plugins=strict).screen.level,
        decide(silent, Customer("c"), policy, plugins=strict).level,
    ):
        assert verdict is Level.WARN
