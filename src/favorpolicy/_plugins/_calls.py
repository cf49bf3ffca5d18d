"""One resolve()'s hook calls, each implementation on its own.

pluggy stops at the first implementation that raises and loses the results
already collected. favorpolicy therefore calls each implementation on its own
(``hook.get_hookimpls()``), times it, catches what it raises and checks what
it returns; every problem becomes a :class:`~favorpolicy.PluginFault`, never a
crash or a worse outcome for the customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from .._model import NO_VERDICT, Customer, Issue, PluginFault, Remedy, ScreenVerdict
from .._money import Money
from .._policy import Policy
from .._show import show
from ._sinks import arguments

if TYPE_CHECKING:
    from ._manager import PluginManager

__all__ = ["Calls"]

_T = TypeVar("_T")


class Calls:
    """One resolve()'s isolated hook calls, collecting faults as it goes."""

    def __init__(self, manager: PluginManager, policy: Policy) -> None:
        self.manager = manager
        self.policy = policy
        self.budget = policy.hook_budget_ms / 1000
        self.faults: list[PluginFault] = []

    def _results(self, hook_name: str, available: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        for impl in self.manager.impls(hook_name):
            if impl.hookwrapper or impl.wrapper:
                self._fault(impl.plugin_name, hook_name, "hook wrappers are not supported")
                continue
            start = time.perf_counter()
            try:
                result = impl.function(*arguments(impl, available))
            except Exception as exc:  # a plugin's error is recorded, never raised
                self._fault(impl.plugin_name, hook_name, f"raised {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - start
            if elapsed > self.budget:
                self._fault(
                    impl.plugin_name,
                    hook_name,
                    f"took {elapsed * 1000:.1f} ms, over the budget of "
                    f"{self.policy.hook_budget_ms} ms; its result is ignored",
                )
                continue
            if result is not None:
                yield impl.plugin_name, result

    def has(self, hook_name: str) -> bool:
        return bool(self.manager.impls(hook_name))

    def _fault(self, plugin: str, hook: str, error: str) -> None:
        self.faults.append(PluginFault(plugin, hook, error))

    def _money(self, plugin: str, hook: str, value: object) -> Money | None:
        if not isinstance(value, Money):
            self._fault(plugin, hook, f"returned {show(value)}, not Money")
            return None
        value = Money(value.amount, value.currency)  # rebuilt, so its checks run
        if value.currency != self.policy.currency:
            self._fault(plugin, hook, f"returned {value}, not in {self.policy.currency}")
            return None
        if value.amount < 0:
            self._fault(plugin, hook, f"returned a negative amount, {value}")
            return None
        return value

    def _safely(
        self, plugin: str, hook: str, check: Callable[[Any], _T | None], result: object
    ) -> _T | None:
        """Validate *result* with *check*; a malformed object is a fault, not a crash."""
        try:
            return check(result)
        except Exception as exc:  # a half-built object can fail in any way
            self._fault(plugin, hook, f"returned a malformed {type(result).__name__}: {exc!r:.80}")
            return None

    def screen(self, issue: Issue, customer: Customer) -> ScreenVerdict:
        hook = "favorpolicy_screen"
        verdict = NO_VERDICT
        available = {"issue": issue, "customer": customer, "policy": self.policy}
        for plugin, result in self._results(hook, available):

            def check(result: object, plugin: str = plugin) -> ScreenVerdict | None:
                if not isinstance(result, ScreenVerdict):
                    self._fault(plugin, hook, f"returned {show(result)}, not a ScreenVerdict")
                    return None
                # Rebuilt, so that a verdict that skipped its own checks is checked now.
                return ScreenVerdict(result.level, result.reason, result.plugin or plugin)

            found = self._safely(plugin, hook, check, result)
            if found is not None and found.level > verdict.level:
                verdict = found
        return verdict

    def goodwill(self, issue: Issue, customer: Customer) -> list[tuple[str, Money]]:
        hook = "favorpolicy_goodwill"
        available = {"issue": issue, "customer": customer, "policy": self.policy}
        found = []
        for plugin, result in self._results(hook, available):
            amount = self._safely(plugin, hook, partial(self._money, plugin, hook), result)
            if amount is not None:
                found.append((plugin, amount))
        return found

    def cost(self, remedy: Remedy, issue: Issue, customer: Customer) -> Money | None:
        hook = "favorpolicy_cost"
        available = {"remedy": remedy, "issue": issue, "customer": customer, "policy": self.policy}
        for plugin, result in self._results(hook, available):
            amount = self._safely(plugin, hook, partial(self._money, plugin, hook), result)
            if amount is not None:
                return amount
        return None

    def candidates(
        self, issue: Issue, customer: Customer, total: Money
    ) -> list[tuple[str, tuple[Remedy, ...]]]:
        hook = "favorpolicy_candidates"
        available = {"issue": issue, "customer": customer, "policy": self.policy, "total": total}
        found: list[tuple[str, tuple[Remedy, ...]]] = []
        for plugin, result in self._results(hook, available):
            for offered in _packages_of(result):

                def check(offered: object, plugin: str = plugin) -> tuple[Remedy, ...] | None:
                    package, problem = self._package_problem(offered, total)
                    if problem is not None:
                        self._fault(plugin, hook, problem)
                        return None
                    return package

                package = self._safely(plugin, hook, check, offered)
                if package is not None:
                    found.append((plugin, package))
        return found

    def _package_problem(
        self, offered: object, total: Money
    ) -> tuple[tuple[Remedy, ...], str | None]:
        if isinstance(offered, str | bytes) or not isinstance(offered, Sequence) or not offered:
            return (), f"offered {show(offered)}, not a sequence of Remedy"
        package = tuple(offered)
        value = Money(0, self.policy.currency)
        for remedy in package:
            if not isinstance(remedy, Remedy):
                return (), f"offered {show(remedy)} in a package, not a Remedy"
            # Rebuilt, so that a remedy that skipped its own checks is checked now.
            checked = Remedy(remedy.kind, remedy.value, remedy.cost, remedy.note)
            for amount in (checked.value, checked.cost):
                if amount is not None and amount.currency != self.policy.currency:
                    return (), f"offered {checked}, not in {self.policy.currency}"
                if amount is not None and not amount.is_whole():
                    return (), f"offered {checked}, not a whole number of minor units"
            value = value + checked.value
        if value < total:
            return (), f"offered a package worth {value}, short of the total {total}"
        return package, None


def _packages_of(result: object) -> Iterable[object]:
    if isinstance(result, str | bytes) or not isinstance(result, Iterable):
        return [result]
    try:
        return list(result)
    except Exception as exc:  # a broken generator is one bad package
        return [f"<iterating raised {type(exc).__name__}>"]
