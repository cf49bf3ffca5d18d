"""Hypothesis profiles and a one-call contract check for a single policy."""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .._model import Customer, Issue, Resolution
from .._plugins import make_plugin_manager
from .._policy import Policy
from .._resolve import resolve
from ._contract import CONTRACT, ContractViolation, Resolver, Scenario, resolve_as
from ._strategies import as_strategy, policies, scenarios

__all__ = ["check_plugin", "check_policy", "register_profiles"]

#: Examples per property in each profile; ``ci`` is the contract's minimum.
PROFILE_EXAMPLES = {"dev": 50, "ci": 500}


def register_profiles(*, load: bool = True) -> None:
    """Register the ``dev`` (fast) and ``ci`` (500 examples) Hypothesis profiles.

    With *load*, load the one named by ``HYPOTHESIS_PROFILE``; without it,
    ``ci`` when the ``CI`` variable is set (as CI services set it), else ``dev``.
    """
    common = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    for name, examples in PROFILE_EXAMPLES.items():
        settings.register_profile(name, max_examples=examples, **common)  # type: ignore[arg-type]
    if load:
        fallback = "ci" if os.environ.get("CI") else "dev"
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", fallback))


def check_policy(
    policy: Policy, *, resolver: Resolver = resolve_as, max_examples: int | None = None
) -> None:
    """Run every rule of the bias contract against *policy* with Hypothesis.

    Raises the first :class:`~favorpolicy.testing.ContractViolation` found,
    shrunk to a minimal example.
    """
    chosen = settings(max_examples=max_examples) if max_examples is not None else settings()
    for check in CONTRACT.values():
        contract_property(check, st.just(policy), resolver, chosen)()


def check_plugin(
    plugin: object,
    *,
    policy: Policy | st.SearchStrategy[Policy] | None = None,
    max_examples: int | None = None,
) -> None:
    """Run the whole bias contract with *plugin* registered, and check it never faults.

    *plugin* joins a fresh manager with the built-in plugins (entry points are
    not loaded, so only this plugin is under test). *policy* is a policy or a
    strategy of them; by default, any valid policy. Raises
    :class:`~favorpolicy.testing.ContractViolation` with a minimal failing
    example, shrunk by Hypothesis.
    """
    manager = make_plugin_manager(load_entrypoints=False)
    name = manager.register(plugin)

    def resolver(issue: Issue, customer: Customer, chosen: Policy, role: str) -> Resolution:
        resolution = resolve(issue, customer, chosen, role=role, plugins=manager)
        own = [fault for fault in resolution.faults if fault.plugin == name]
        if own:
            raise ContractViolation(f"the plugin faulted: {own[0]}")
        return resolution

    policies_ = as_strategy(policy, policies())
    chosen = settings(max_examples=max_examples) if max_examples is not None else settings()
    try:
        for check in CONTRACT.values():
            contract_property(check, policies_, resolver, chosen)()
    finally:
        manager.flush(timeout=10)


def contract_property(
    check: Callable[[Scenario, Resolver], None],
    policy: st.SearchStrategy[Policy],
    resolver: Resolver,
    chosen: settings,
) -> Callable[[], None]:
    @chosen
    @given(scenarios(policy))
    def run(scenario: Scenario) -> None:
        check(scenario, resolver)

    return run
