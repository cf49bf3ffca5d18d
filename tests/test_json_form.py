"""A resolution's JSON form: one converter writes it, the ledger's text is that form encoded,
and it reads back to an equal resolution."""

from __future__ import annotations

import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Level,
    PluginFault,
    Policy,
    Reason,
    Remedy,
    Resolution,
    ScreenVerdict,
    make_plugin_manager,
    resolution_from_dict,
    resolution_to_dict,
    resolve,
)
from favorpolicy.__main__ import demo_tickets
from favorpolicy._forms import resolution_json
from favorpolicy.testing import Scenario, scenarios
from test_plugins import DECIDING_HOOKS, faulty_plugin


def _managers() -> list[object]:
    managers: list[object] = [make_plugin_manager(load_entrypoints=False)]
    for hook in DECIDING_HOOKS:  # faults, verdicts and extra packages in the resolutions
        plugins = make_plugin_manager(load_entrypoints=False)
        plugins.register(faulty_plugin(hook, "garbage"), name="faulty")
        managers.append(plugins)
    return managers


MANAGERS = _managers()


@given(scenarios(), st.sampled_from(MANAGERS), st.sampled_from(list(Level)), st.text(max_size=8))
def test_the_form_reads_back_and_the_ledgers_text_encodes_it(
    scenario: Scenario, plugins: object, level: Level, reason: str
) -> None:
    policy, customer, issue, role = scenario
    resolution = resolve(issue, customer, policy, role=role, plugins=plugins)  # type: ignore[arg-type]
    # Every screen level, with and without a reason, and a fault with Unicode in it.
    needed = level > Level.NONE and not reason.strip()  # a verdict above none needs a reason
    verdict = ScreenVerdict(level, "x" if needed else reason, "p")
    resolution = attrs.evolve(
        resolution,
        screen=verdict,
        faults=(*resolution.faults, PluginFault("plügin", "favorpolicy_cost", reason)),
    )
    data = resolution_to_dict(resolution)
    # The ledger's body is the same form, as compact text.
    assert resolution_json(resolution) == json.dumps(
        data, ensure_ascii=False, separators=(",", ":")
    )
    assert resolution_from_dict(json.loads(json.dumps(data))) == resolution


@pytest.mark.parametrize("kind", [Resolution, Remedy, Reason, ScreenVerdict, PluginFault])
def test_every_field_is_written(kind: type) -> None:
    # Every field of the model reaches the form, in the class's order.
    customer, issue, _ = demo_tickets("BRL")[0]
    resolution = resolve(issue, customer, Policy.default("BRL"))
    data = resolution_to_dict(resolution)
    sample = {
        Resolution: data,
        Remedy: data["remedies"][0],
        Reason: data["reasons"][0],
        ScreenVerdict: data["screen"],
        PluginFault: {"plugin": "", "hook": "", "error": ""},
    }[kind]
    assert [field.name for field in attrs.fields(kind) if field.init] == list(sample)
