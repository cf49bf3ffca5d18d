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

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


# Each plugin's module loads on first use. resolve() imports the cost model for a fast
# path, and that must not load the sinks (logging, the JSON forms) or the conduct
# filter before a plugin manager with the built-ins is made.
_MODULES: dict[str, str] = {
    "ConductFilter": "conduct",
    "CostModel": "cost",
    "JsonlSink": "sinks",
    "LoggingSink": "sinks",
    "SmtpSink": "sinks",
    "WebhookSink": "sinks",
}


def _submodule(name: str) -> Any:
    # The import statement's own machinery rather than importlib.import_module, so
    # that -X importtime reports the module.
    full = f"{__name__}.{name}"
    __import__(full)
    return sys.modules[full]


def _load(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_submodule(_MODULES[name]), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:  # type checkers see the imports above
    __getattr__ = _load


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def BUILTIN_PLUGINS() -> list[tuple[str, object]]:  # noqa: N802  # reads as the constant it stands for
    """Fresh instances of the built-in plugins, by the names they are registered under."""
    from .conduct import ConductFilter  # noqa: PLC0415  # loads with the built-ins
    from .cost import CostModel  # noqa: PLC0415  # loads with the built-ins
    from .sinks import JsonlSink, LoggingSink, SmtpSink, WebhookSink  # noqa: PLC0415  # loads with the built-ins

    return [
        ("cost_model", CostModel()),
        ("conduct_filter", ConductFilter()),
        ("logging_sink", LoggingSink()),
        ("jsonl_sink", JsonlSink()),
        ("webhook_sink", WebhookSink()),
        ("smtp_sink", SmtpSink()),
    ]
