"""A Resolution's reasons, alternatives and key are written when first read.

resolve() leaves them to its explanation when no plugin but the conduct screen
took part. Speed never changes an answer: whichever field is read first, and
whatever reads it (==, repr, pickle, resolution_to_dict, attrs.evolve), the
Resolution equals the one explained at once, no plugin is called again, and
reading never changes the Resolution itself.
"""

from __future__ import annotations

import pickle
import threading
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Fault,
    InvalidMoney,
    Issue,
    Level,
    Money,
    Policy,
    RemedyKind,
    Resolution,
    ScreenVerdict,
    Valuation,
    hookimpl,
    make_plugin_manager,
    resolution_to_dict,
    resolve,
)
from favorpolicy._model import Explanation
from favorpolicy._resolve import resolution_for, resolution_with
from favorpolicy.testing import Scenario, scenarios
from test_decide import MANAGERS

LATER = ("alternatives", "reasons", "key")


class CountingScreen:
    """A screen that warns about any conduct text and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def favorpolicy_screen(self, issue: Issue) -> ScreenVerdict | None:
        self.calls += 1
        if issue.conduct:
            return ScreenVerdict(Level.WARN, f"said {issue.conduct!r}")
        return None


class CountingGoodwill:
    """Goodwill of a tenth more than the loss, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def favorpolicy_goodwill(self, issue: Issue) -> Money:
        self.calls += 1
        return Money(issue.loss.amount * 11 / 10, issue.loss.currency)


def _screen_only() -> object:
    plugins = make_plugin_manager(load_entrypoints=False)
    plugins.register(CountingScreen(), name="counting")
    return plugins


PLUGINS = {**MANAGERS, "screen only": _screen_only()}


def _slots(resolution: Resolution) -> list[object]:
    """What each of the Resolution's slots holds, read past every descriptor."""
    return [
        getattr(
            type(resolution).__dict__[field.name], "slot", type(resolution).__dict__[field.name]
        ).__get__(resolution, Resolution)
        for field in attrs.fields(Resolution)
    ]


def _explanation(resolution: Resolution) -> Explanation | None:
    found: Explanation | None = Resolution.__dict__["_explanation"].__get__(resolution, Resolution)
    return found


def _both(scenario: Scenario, plugins: object) -> tuple[Resolution, Resolution]:
    policy, customer, issue, role = scenario
    manager = PLUGINS[plugins] if isinstance(plugins, str) else plugins
    later = resolution_for(issue, customer, policy, role=role, plugins=manager)  # type: ignore[arg-type]
    now = resolution_with(issue, customer, policy, role, manager)  # type: ignore[arg-type]
    return later, now


# Not a bias rule but a check that a speed-up changes nothing: fewer examples than the
# contract's 500 keep CI's time in bounds.
@settings(max_examples=200)
@given(scenarios(), st.sampled_from(sorted(PLUGINS)), st.permutations(LATER))
def test_settled_later_equals_explained_at_once(
    scenario: Scenario, plugins: str, order: list[str]
) -> None:
    later, now = _both(scenario, plugins)
    assert _explanation(later) is not None  # it is written when it is read
    assert _explanation(now) is None
    before = _slots(later)
    for name in order:
        assert getattr(later, name) == getattr(now, name), name
        assert getattr(later, name) is getattr(later, name), name  # written once
    # Reading changed nothing in the Resolution: each slot holds the very same object.
    assert all(a is b for a, b in zip(before, _slots(later), strict=True))
    assert later == now
    assert resolution_to_dict(later) == resolution_to_dict(now)
    assert later.explain() == now.explain()


def test_no_plugin_is_called_again_when_reasons_are_read() -> None:
    screen, goodwill = CountingScreen(), CountingGoodwill()
    plugins = make_plugin_manager(builtins=False, load_entrypoints=False)
    plugins.register(screen, name="counting")
    plugins.register(goodwill, name="tenth")
    issue = Issue("i", "damaged", Fault.BUSINESS, Money(20, "USD"), conduct="ça ne va pas 😠")
    resolution = resolve(issue, Customer("c"), Policy.default("USD"), plugins=plugins)
    assert (screen.calls, goodwill.calls) == (1, 1)
    codes = [reason.code for reason in resolution.reasons]
    assert codes[0] == "make_whole"
    assert "conduct_warn" in codes
    assert "plugin_goodwill" in codes
    assert resolution.goodwill == Money(22, "USD")
    assert "said 'ça ne va pas 😠'" in resolution.explain()
    assert "tenth raised goodwill to 22.00 USD" in resolution.explain()
    assert (screen.calls, goodwill.calls) == (1, 1)


@settings(max_examples=100)
@given(scenarios(), st.sampled_from(sorted(PLUGINS)))
def test_pickle_repr_hash_and_evolve_read_it(scenario: Scenario, plugins: str) -> None:
    later, now = _both(scenario, plugins)
    copied = pickle.loads(pickle.dumps(later))
    assert copied == now
    assert _explanation(copied) is None  # pickled as its values, not what it was made from
    later, now = _both(scenario, plugins)
    assert repr(later) == repr(now)
    later, now = _both(scenario, plugins)
    assert hash(later) == hash(now)
    later, now = _both(scenario, plugins)
    assert attrs.evolve(later, role="lead") == attrs.evolve(now, role="lead")


def test_the_tenure_is_the_one_the_decision_used() -> None:
    """Counted to today without a date on the issue; kept, so a later reading agrees."""
    policy = Policy.default("USD")
    today = date.today()  # noqa: DTZ011  # resolve() counts to today as well
    customer = Customer("c", since=date(today.year - 3, 1, 1))
    issue = Issue("i", "damaged", Fault.BUSINESS, Money(100, "USD"))
    resolution = resolve(issue, customer, policy)
    explanation = _explanation(resolution)
    assert explanation is not None
    assert explanation.years == 3  # type: ignore[attr-defined]
    assert "x 1.25 for 3 year(s) of tenure" in resolution.reasons[1].message


def test_threads_reading_at_once_see_the_same_explanation() -> None:
    policy = Policy.default("KWD")
    issue = Issue("i", "late_delivery", Fault.UNKNOWN, Money("12.345", "KWD"), severity=4)
    resolution = resolve(issue, Customer("c", tier="vip"), policy)
    now = resolution_with(issue, Customer("c", tier="vip"), policy, "agent", make_plugin_manager())
    seen: list[object] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        seen.append((resolution.reasons, resolution.alternatives, resolution.key))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [(now.reasons, now.alternatives, now.key)] * 8


def test_an_amount_money_cannot_hold_is_refused_by_resolve_as_before() -> None:
    """An explanation that cannot be written is not left to fail when it is read."""
    base = Policy.default("USD")
    costly = Valuation(cost_rate=Decimal(2))  # the store credit's cost outgrows Money
    policy = attrs.evolve(base, valuations={**base.valuations, RemedyKind.STORE_CREDIT: costly})
    issue = Issue("i", "damaged", Fault.BUSINESS, Money("950000000000000000", "USD"))
    none = make_plugin_manager(builtins=False, load_entrypoints=False)
    with pytest.raises(InvalidMoney) as at_once:
        resolution_with(issue, Customer("c"), policy, "agent", none)
    with pytest.raises(InvalidMoney) as deferred:
        resolve(issue, Customer("c"), policy, plugins=none)
    assert str(at_once.value) == str(deferred.value)
    assert "is too large; the limit is below 10**18" in str(deferred.value)
