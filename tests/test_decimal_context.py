"""The caller's decimal context never changes an answer (issue 15, defect 6).

An application may set ``decimal.getcontext()`` to anything: 3 digits,
rounding toward floor, traps on inexact results. favorpolicy computes in its
own context, so every figure it gives, and every word it writes, is the same.
"""

from __future__ import annotations

import decimal
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Fault,
    Issue,
    Money,
    Policy,
    decide,
    policy_from_dict,
    policy_to_dict,
    resolution_to_dict,
    resolve,
)
from favorpolicy.backtest import example_tickets, run_backtest
from favorpolicy.ledger import Ledger
from favorpolicy.testing import Scenario, scenarios

ROUNDINGS = [
    decimal.ROUND_DOWN,
    decimal.ROUND_FLOOR,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_05UP,
    decimal.ROUND_UP,
    decimal.ROUND_CEILING,
    decimal.ROUND_HALF_UP,
]
SIGNALS = [decimal.Inexact, decimal.Rounded, decimal.Subnormal, decimal.Clamped]


@st.composite
def callers_contexts(draw: st.DrawFn) -> decimal.Context:
    """Any context an application might have set, the hostile ones included."""
    return decimal.Context(
        prec=draw(st.integers(1, 28)),
        rounding=draw(st.sampled_from(ROUNDINGS)),
        traps=draw(st.lists(st.sampled_from(SIGNALS), unique=True)),
    )


def _everything(scenario: Scenario) -> tuple[object, ...]:
    policy, customer, issue, role = scenario
    again = policy_from_dict(policy_to_dict(policy))
    resolution = resolve(issue, customer, again, role=role)
    return (
        again.fingerprint,
        resolution_to_dict(resolution),  # figures, remedies, reasons' words, the key
        decide(issue, customer, again, role=role),
    )


@given(scenarios(), callers_contexts())
def test_resolve_and_decide_ignore_the_callers_context(
    scenario: Scenario, context: decimal.Context
) -> None:
    expected = _everything(scenario)
    with decimal.localcontext(context):
        assert expected == _everything(scenario)


@given(callers_contexts())
def test_a_backtest_and_a_ledger_ignore_the_callers_context(context: decimal.Context) -> None:
    policy = Policy.default("KWD")
    tickets = example_tickets(60, "KWD", policy.tiers)
    expected = run_backtest(tickets, [policy]).to_json()
    with decimal.localcontext(context):
        assert expected == run_backtest(tickets, [policy]).to_json()
        with Ledger(":memory:") as ledger:
            for ticket in list(tickets)[:5]:
                stored = ledger.record(
                    resolve(ticket.issue, ticket.customer, policy), policy=policy
                )
                assert stored == resolve(ticket.issue, ticket.customer, policy)
            report = ledger.report().to_json()
    with Ledger(":memory:") as ledger:
        for ticket in list(tickets)[:5]:
            ledger.record(resolve(ticket.issue, ticket.customer, policy), policy=policy)
        assert ledger.report().to_json() | {"generated_at": None} == report | {"generated_at": None}


def test_the_example_of_the_report() -> None:
    """A late EUR 25.00 issue for a VIP: 38.13 in any context (it was 38.10 at 3 digits)."""
    issue = Issue(
        "T-1", "late", Fault.UNKNOWN, Money("25.00", "EUR"), severity=3,
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    policy = Policy.default("EUR")
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR)):
        resolution = resolve(issue, Customer("C-1", tier="vip"), policy)
        total = resolution.total
    assert Money("38.13", "EUR") == total
