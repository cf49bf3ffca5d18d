"""favorpolicy's built-in plugins: ordinary plugins, registered by ``make_plugin_manager()``.

Each is configured through ``Policy.settings[name]``, and is on when:

- ``cost_model``: always; costs a remedy at face value x the policy's ``cost_rate``;
- ``conduct_filter``: ``enabled`` is true; flags abuse aimed at staff;
- ``logging_sink``: unless ``enabled`` is false; logs to ``favorpolicy.events``;
- ``jsonl_sink``: ``path`` is set; appends every event to a JSON Lines file;
- ``webhook_sink``: ``url`` is set; POSTs every event as signed JSON;
- ``smtp_sink``: ``host`` and ``to`` are set; emails on ``abuse_flagged`` and ``escalated``.
"""

from __future__ import annotations

from .conduct import ConductFilter
from .cost import CostModel
from .sinks import JsonlSink, LoggingSink, SmtpSink, WebhookSink

__all__ = [
    "BUILTIN_PLUGINS",
    "ConductFilter",
    "CostModel",
    "JsonlSink",
    "LoggingSink",
    "SmtpSink",
    "WebhookSink",
]


def BUILTIN_PLUGINS() -> list[tuple[str, object]]:  # noqa: N802  # reads as the constant it stands for
    """Fresh instances of the built-in plugins, by the names they are registered under."""
    return [
        ("cost_model", CostModel()),
        ("conduct_filter", ConductFilter()),
        ("logging_sink", LoggingSink()),
        ("jsonl_sink", JsonlSink()),
        ("webhook_sink", WebhookSink()),
        ("smtp_sink", SmtpSink()),
    ]
