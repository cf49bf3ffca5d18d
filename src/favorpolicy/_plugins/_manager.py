"""The plugin manager: favorpolicy's hooks, the built-in plugins and the installed ones.

:func:`make_plugin_manager` builds one (never at import time), registers the
built-ins as ordinary plugins, loads the ``favorpolicy`` entry points, blocks
the plugins named in ``FAVORPOLICY_DISABLE_PLUGINS`` and calls
``check_pending()``, so that a misspelled hook fails loudly.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import pluggy

from .. import hookspecs
from .._model import PluginFault
from ..builtin import BUILTIN_PLUGINS
from ..builtin.conduct import ConductFilter
from ..builtin.cost import CostModel
from ._delivery import Delivery

if TYPE_CHECKING:
    import logging

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "Plan",
    "PluginManager",
    "default_manager",
    "make_plugin_manager",
]

#: The entry-point group plugins are published under.
ENTRY_POINT_GROUP: Final = "favorpolicy"
#: Comma-separated plugin names to block, built-ins included.
DISABLE_ENV: Final = "FAVORPOLICY_DISABLE_PLUGINS"


def _log() -> logging.Logger:
    from .._log import logger  # noqa: PLC0415  # logging loads when there is something to log

    return logger("favorpolicy.plugins")


class Plan(NamedTuple):
    """Which deciding hooks have implementations; ``own_cost``: a cost model not the policy's."""

    screen: bool
    #: the only screen is the built-in conduct filter, which passes an issue with no conduct
    conduct_only: bool
    goodwill: bool
    candidates: bool
    own_cost: bool


class PluginManager(pluggy.PluginManager):
    """A pluggy manager with favorpolicy's hooks and a background event delivery.

    Make one with :func:`make_plugin_manager`. Call :meth:`flush` to wait for
    the sinks, and :meth:`close` when done: it raises
    :class:`~favorpolicy.exceptions.UndeliveredEvents` if any event was
    dropped or could not be delivered in time.
    """

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self._impls: dict[str, tuple[pluggy.HookImpl, ...]] = {}
        self._plan: Plan | None = None
        self.add_hookspecs(hookspecs)
        self.delivery = Delivery(self)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        self._forget()
        return super().register(plugin, name)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        self._forget()
        return super().unregister(plugin, name)

    def _forget(self) -> None:
        self._impls.clear()
        self._plan = None

    def plan(self) -> Plan:
        """Which deciding hooks resolve() must call, worked out once per set of plugins."""
        if self._plan is None:
            screens = self.impls("favorpolicy_screen")
            self._plan = Plan(
                screen=bool(screens),
                conduct_only=all(type(impl.plugin) is ConductFilter for impl in screens),
                goodwill=bool(self.impls("favorpolicy_goodwill")),
                candidates=bool(self.impls("favorpolicy_candidates")),
                own_cost=any(
                    not isinstance(impl.plugin, CostModel)
                    for impl in self.impls("favorpolicy_cost")
                ),
            )
        return self._plan

    def impls(self, hook_name: str) -> tuple[pluggy.HookImpl, ...]:
        """The implementations of one hook in pluggy's call order (last registered first).

        Cached until a plugin is registered or unregistered, so that a hook
        nobody implements costs resolve() one dictionary lookup.
        """
        found = self._impls.get(hook_name)
        if found is None:
            hook = getattr(self.hook, hook_name)
            found = self._impls[hook_name] = tuple(reversed(hook.get_hookimpls()))
        return found

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was handed to the sinks; False on timeout."""
        return self.delivery.flush(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Flush, stop the delivery thread, and report undelivered events."""
        self.delivery.close(timeout)

    @property
    def sink_faults(self) -> tuple[PluginFault, ...]:
        """Sink calls that failed after their retries, since the manager was made."""
        return tuple(self.delivery.faults)


def make_plugin_manager(*, load_entrypoints: bool = True, builtins: bool = True) -> PluginManager:
    """Build a fresh plugin manager.

    It registers the built-in plugins as ordinary plugins (unless *builtins*
    is False, which gives a manager with the hook specs and no plugins at
    all), loads the ``favorpolicy`` entry points (unless *load_entrypoints* is
    False), blocks every plugin named in ``FAVORPOLICY_DISABLE_PLUGINS``, and
    calls ``check_pending()`` so that a misspelled hook fails loudly.
    """
    manager = PluginManager()
    for name in os.environ.get(DISABLE_ENV, "").split(","):
        if name.strip():
            manager.set_blocked(name.strip())
    if builtins:
        for name, plugin in BUILTIN_PLUGINS():
            if not manager.is_blocked(name):
                manager.register(plugin, name=name)
    if load_entrypoints:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager


_default: PluginManager | None = None
_default_lock = threading.Lock()


def default_manager() -> PluginManager:
    """The built-in plugins only, made on first use (``resolve(..., plugins=None)``)."""
    global _default  # noqa: PLW0603  # one lazily built, read-only default, like functools.cache
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = make_plugin_manager(load_entrypoints=False)
                atexit.register(_flush_default)
    return _default


def _flush_default() -> None:
    if _default is not None and not _default.flush(timeout=5.0):
        _log().error("favorpolicy: exiting with undelivered events")
