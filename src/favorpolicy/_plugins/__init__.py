"""Plugins: the manager, each hook called on its own, and the one path to a sink.

- ``_manager``: :class:`PluginManager` and :func:`make_plugin_manager`;
- ``_calls``: one resolve()'s isolated calls of the deciding hooks;
- ``_sinks``: :func:`hand_over`, the one way an event reaches a sink, which the
  in-memory delivery (``_delivery``) and the ledger's relay both take.
"""

from ._calls import Calls
from ._delivery import Delivery
from ._manager import (
    DISABLE_ENV,
    ENTRY_POINT_GROUP,
    Plan,
    PluginManager,
    default_manager,
    make_plugin_manager,
)
from ._sinks import NOTIFY, Patience, SinkFailure, SinkWorker, hand_over, notice_for, tell_others

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "NOTIFY",
    "Calls",
    "Delivery",
    "Patience",
    "Plan",
    "PluginManager",
    "SinkFailure",
    "SinkWorker",
    "default_manager",
    "hand_over",
    "make_plugin_manager",
    "notice_for",
    "tell_others",
]
