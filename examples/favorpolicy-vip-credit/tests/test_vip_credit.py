"""The example plugin, tested the way a plugin author would test theirs."""

from __future__ import annotations

from decimal import Decimal

import favorpolicy_vip_credit

from favorpolicy import (
    Customer,
    EventKind,
    Fault,
    Issue,
    Money,
    PluginManager,
    Policy,
    RemedyKind,
    resolve,
)
from favorpolicy.testing import RecordingSink, check_plugin

POLICY = Policy.default("USD")
ISSUE = Issue("T-1", "late", Fault.BUSINESS, Money("200", "USD"), severity=1)


def test_the_entry_point_loads_the_plugin(favorpolicy_pm: PluginManager) -> None:
    assert favorpolicy_pm.get_plugin("vip_credit") is favorpolicy_vip_credit


def test_vip_goodwill_is_raised(favorpolicy_pm: PluginManager) -> None:
    vip = resolve(ISSUE, Customer("c", tier="vip"), POLICY, plugins=favorpolicy_pm)
    # The policy alone gives 5% of 200 x 1.5 = 15; the plugin raises it to 15% of 200.
    assert Money("30.00", "USD") == vip.goodwill
    assert "plugin_goodwill" in [reason.code for reason in vip.reasons]
    standard = resolve(ISSUE, Customer("c"), POLICY, plugins=favorpolicy_pm)
    assert Money("10.00", "USD") == standard.goodwill


def test_vip_gets_the_bonus_credit_package(favorpolicy_pm: PluginManager) -> None:
    resolution = resolve(ISSUE, Customer("c", tier="vip"), POLICY, plugins=favorpolicy_pm)
    assert [RemedyKind.STORE_CREDIT] == [remedy.kind for remedy in resolution.remedies]
    assert "VIP credit" == resolution.remedies[0].note
    assert (resolution.total * Decimal("1.25")).round_up() == resolution.value


def test_events_reach_the_recording_sink(
    favorpolicy_pm: PluginManager, recording_sink: RecordingSink
) -> None:
    resolve(ISSUE, Customer("c", tier="vip"), POLICY, plugins=favorpolicy_pm)
    assert favorpolicy_pm.flush(timeout=10)
    assert [EventKind.RESOLVED] == recording_sink.kinds()
    assert [] == list(favorpolicy_pm.sink_faults)


def test_the_plugin_keeps_the_bias_contract() -> None:
    check_plugin(favorpolicy_vip_credit, max_examples=60)


def test_the_plugin_keeps_the_contract_on_the_default_policy() -> None:
    check_plugin(favorpolicy_vip_credit, policy=Policy.default("BRL"), max_examples=60)
