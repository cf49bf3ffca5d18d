"""Run the bias contract against one policy with the installed plugins, rule by rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .._model import Customer, Issue, Level, Resolution, ScreenVerdict
from .._plugins import PluginManager, make_plugin_manager
from .._policy import Policy
from .._resolve import resolve
from ..hookspecs import hookimpl
from ._contract import CONTRACT, ContractViolation, Scenario
from ._profiles import contract_property
from ._strategies import scenarios

__all__ = ["CONDUCT_RULES", "run_contract"]


class _Screen:
    """A screen that always gives one level: abuse, as far as the rules can tell."""

    def __init__(self, level: Level) -> None:
        self.level = level

    @hookimpl(tryfirst=True)
    def favorpolicy_screen(self) -> ScreenVerdict:
        return ScreenVerdict(self.level, "forced by favorpolicy check")


class _BrokenScreen:
    @hookimpl(tryfirst=True)
    def favorpolicy_screen(self) -> ScreenVerdict:
        raise RuntimeError("a screen that crashes")


def _with(plugin: object) -> PluginManager:
    manager = make_plugin_manager()
    manager.register(plugin, name="favorpolicy-check-screen")
    return manager


#: The installed plugins (``"plain"``), and the same with a forced or a crashing screen.
Managers = dict[str, PluginManager]


def _managers() -> Managers:
    managers = {"plain": make_plugin_manager(), "broken": _with(_BrokenScreen())}
    managers.update({str(level): _with(_Screen(level)) for level in _ABUSE_LEVELS})
    return managers


_ABUSE_LEVELS = (Level.WARN, Level.RESTRICT, Level.REFUSE)


def _abuse_never_reduces_owed(scenario: Scenario, managers: Managers) -> None:
    policy, customer, issue, role = scenario
    before = resolve(issue, customer, policy, role=role, plugins=managers["plain"])
    for level in _ABUSE_LEVELS:
        after = resolve(issue, customer, policy, role=role, plugins=managers[str(level)])
        if after.owed != before.owed or after.granted_now < after.owed:
            raise ContractViolation(
                f"abuse never reduces owed: a {level} verdict took owed from {before.owed} "
                f"to {after.owed}, granting {after.granted_now} now"
            )


def _failing_filter_never_refuses(scenario: Scenario, managers: Managers) -> None:
    policy, customer, issue, role = scenario
    resolution = resolve(issue, customer, policy, role=role, plugins=managers["broken"])
    expected = resolve(issue, customer, policy, role=role, plugins=managers["plain"])
    if resolution.screen.level > expected.screen.level or resolution.total != expected.total:
        raise ContractViolation(
            f"a failing filter never refuses: a crashing screen gave {resolution.screen.level}"
        )


#: The two conduct rules, which need screens of their own, so they take a manager.
CONDUCT_RULES: dict[str, Callable[[Scenario, Managers], None]] = {
    "abuse_never_reduces_owed": _abuse_never_reduces_owed,
    "failing_filter_never_refuses": _failing_filter_never_refuses,
}


def run_contract(policy: Policy, *, max_examples: int = 200) -> Iterator[tuple[str, str | None]]:
    """Yield ``(rule, None)`` for each rule that holds, or ``(rule, minimal failing example)``."""
    managers = _managers()
    manager = managers["plain"]

    def resolver(issue: Issue, customer: Customer, chosen: Policy, role: str) -> Resolution:
        return resolve(issue, customer, chosen, role=role, plugins=manager)

    chosen = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    runs: list[tuple[str, Callable[[], None]]] = [
        (name, contract_property(check, st.just(policy), resolver, chosen))
        for name, check in CONTRACT.items()
    ]
    runs += [
        (name, _conduct_property(rule, policy, managers, chosen))
        for name, rule in CONDUCT_RULES.items()
    ]
    for name, run in runs:
        try:
            run()
        except AssertionError as failure:
            notes = [note for note in getattr(failure, "__notes__", []) if "example" in note]
            yield name, " ".join([str(failure), *notes]).replace("\n", " ")
        else:
            yield name, None
    for each in managers.values():
        each.flush(timeout=10)


def _conduct_property(
    rule: Callable[[Scenario, Managers], None],
    policy: Policy,
    managers: Managers,
    chosen: settings,
) -> Callable[[], None]:
    @chosen
    @given(scenarios(st.just(policy)))
    def run(scenario: Scenario) -> None:
        rule(scenario, managers)

    return run
