"""Run the bias contract against one policy with the installed plugins, rule by rule."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .._model import Customer, Issue, Resolution
from .._plugins import make_plugin_manager
from .._policy import Policy
from .._resolve import resolve
from ._contract import CONTRACT
from ._profiles import _property

__all__ = ["run_contract"]


def run_contract(policy: Policy, *, max_examples: int = 200) -> Iterator[tuple[str, str | None]]:
    """Yield ``(rule, None)`` for each rule that holds, or ``(rule, minimal failing example)``."""
    manager = make_plugin_manager()

    def resolver(issue: Issue, customer: Customer, chosen: Policy, role: str) -> Resolution:
        return resolve(issue, customer, chosen, role=role, plugins=manager)

    chosen = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    for name, check in CONTRACT.items():
        try:
            _property(check, st.just(policy), resolver, chosen)()
        except AssertionError as failure:
            notes = [note for note in getattr(failure, "__notes__", []) if "example" in note]
            yield name, " ".join([str(failure), *notes]).replace("\n", " ")
        else:
            yield name, None
    manager.flush(timeout=10)
