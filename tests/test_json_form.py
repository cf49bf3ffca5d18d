"""Resolution.to_dict() and the ledger's JSON: written by hand for speed, held to what cattrs
gives and to json.dumps, and round-trips."""

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
    resolve,
)
from favorpolicy._examples import example_tickets
from favorpolicy._tickets import _converter, resolution_json, resolution_to_dict
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
def test_to_dict_is_what_cattrs_gives_and_reads_back(
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
    assert data == _converter().unstructure(resolution)
    # The ledger's body, made without the dictionaries: the same text as encoding them.
    assert resolution_json(resolution) == json.dumps(
        data, ensure_ascii=False, separators=(",", ":")
    )
    assert list(data) == list(_converter().unstructure(resolution))  # the same key order
    assert Resolution.from_dict(json.loads(json.dumps(data))) == resolution


@pytest.mark.parametrize("kind", [Resolution, Remedy, Reason, ScreenVerdict, PluginFault])
def test_every_field_is_written(kind: type) -> None:
    # A field added to the model must be added to the hand-written form too.
    customer, issue, _ = example_tickets("BRL")[0]
    resolution = resolve(issue, customer, Policy.default("BRL"))
    data = resolution_to_dict(resolution)
    sample = {
        Resolution: data,
        Remedy: data["remedies"][0],
        Reason: data["reasons"][0],
        ScreenVerdict: data["screen"],
        PluginFault: {"plugin": "", "hook": "", "error": ""},
    }[kind]
    assert [field.name for field in attrs.fields(kind)] == list(sample)
