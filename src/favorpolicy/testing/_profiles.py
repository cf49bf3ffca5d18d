"""Hypothesis profiles and a one-call contract check for a single policy."""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .._policy import Policy
from ._contract import CONTRACT, Resolver, Scenario, resolve_as
from ._strategies import scenarios

__all__ = ["check_policy", "register_profiles"]

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
        _property(check, policy, resolver, chosen)()


def _property(
    check: Callable[[Scenario, Resolver], None],
    policy: Policy,
    resolver: Resolver,
    chosen: settings,
) -> Callable[[], None]:
    @chosen
    @given(scenarios(st.just(policy)))
    def run(scenario: Scenario) -> None:
        check(scenario, resolver)

    return run
