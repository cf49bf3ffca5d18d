"""favorpolicy: make a customer's problem right, and fail in favour of the customer.

>>> from favorpolicy import Customer, Fault, Issue, Money, Policy, resolve
>>> policy = Policy.default("USD")
>>> issue = Issue("T-1", "damaged", Fault.BUSINESS, Money("40", "USD"), severity=2)
>>> resolve(issue, Customer("C-1"), policy).total
Money('46.00', 'USD')
"""

from __future__ import annotations

import sys

# The errors are plain classes with no imports of their own, so they load at once.
from .exceptions import (
    BadInput,
    ContractViolation,
    CurrencyMismatch,
    FavorPolicyError,
    InvalidChoice,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPlugins,
    InvalidPolicy,
    InvalidRecord,
    InvalidRemedy,
    InvalidTicket,
    InvalidVerdict,
    LedgerConflict,
    LedgerError,
    UndeliveredEvents,
    UnknownRole,
    UnknownTier,
)

# Not typing.TYPE_CHECKING: loading typing would take longer than the rest of this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._coverage import Gap, Overlap, TableAnalysis, analyse_tables
    from ._events import Event, EventKind
    from ._facts import Facts
    from ._forms import (
        event_from_dict,
        event_to_dict,
        resolution_from_dict,
        resolution_to_dict,
        ticket_from_dict,
        ticket_to_dict,
    )
    from ._model import (
        BUILTIN_KINDS,
        Customer,
        Fault,
        Issue,
        Level,
        PluginFault,
        Reason,
        Remedy,
        RemedyKind,
        Resolution,
        ScreenVerdict,
    )
    from ._money import MINOR_UNITS, Money
    from ._pick import pick
    from ._plugins import PluginManager, make_plugin_manager
    from ._policy import Budget, GoodwillRules, Offer, Policy, Role, Valuation
    from ._policy_file import (
        load_policy,
        policy_from_dict,
        policy_from_toml,
        policy_to_dict,
        policy_to_toml,
        policy_versions_from_toml,
    )
    from ._resolve import Decision, decide, resolve
    from ._rule_facts import fact_value
    from ._rules import FACTS, Band, Condition, Op, Owe, Rule, Table
    from ._versions import PolicyVersions
    from ._wire import (
        MAX_JSON_BYTES,
        event_from_json,
        event_to_json,
        json_schema,
        resolution_from_json,
        resolution_to_json,
        ticket_from_json,
        ticket_to_json,
    )
    from .hookspecs import hookimpl

    __version__: str

# Where the other public names live. They load on first use (PEP 562), so that
# `import favorpolicy`, the command's --version and a plugin module that only
# needs `hookimpl` do not pay for attrs, pluggy and the model's classes.
_LAZY: dict[str, str] = {
    "BUILTIN_KINDS": "_model",
    "Band": "_rules",
    "Budget": "_policy",
    "Condition": "_rules",
    "Customer": "_model",
    "Decision": "_resolve",
    "Event": "_events",
    "EventKind": "_events",
    "FACTS": "_rules",
    "Facts": "_facts",
    "Fault": "_model",
    "Gap": "_coverage",
    "GoodwillRules": "_policy",
    "Issue": "_model",
    "Level": "_model",
    "MINOR_UNITS": "_money",
    "Money": "_money",
    "Offer": "_policy",
    "Op": "_rules",
    "Overlap": "_coverage",
    "Owe": "_rules",
    "PluginFault": "_model",
    "PluginManager": "_plugins",
    "Policy": "_policy",
    "PolicyVersions": "_versions",
    "Reason": "_model",
    "Remedy": "_model",
    "RemedyKind": "_model",
    "Resolution": "_model",
    "Role": "_policy",
    "Rule": "_rules",
    "ScreenVerdict": "_model",
    "Table": "_rules",
    "TableAnalysis": "_coverage",
    "Valuation": "_policy",
    "analyse_tables": "_coverage",
    "decide": "_resolve",
    "pick": "_pick",
    "fact_value": "_rule_facts",
    "hookimpl": "hookspecs",
    "make_plugin_manager": "_plugins",
    "load_policy": "_policy_file",
    "policy_from_dict": "_policy_file",
    "policy_from_toml": "_policy_file",
    "policy_to_dict": "_policy_file",
    "policy_to_toml": "_policy_file",
    "policy_versions_from_toml": "_policy_file",
    "resolution_from_dict": "_forms",
    "resolution_to_dict": "_forms",
    "resolve": "_resolve",
    "event_from_dict": "_forms",
    "event_to_dict": "_forms",
    "ticket_from_dict": "_forms",
    "ticket_to_dict": "_forms",
    "json_schema": "_wire",
    "MAX_JSON_BYTES": "_wire",
    "event_from_json": "_wire",
    "event_to_json": "_wire",
    "resolution_from_json": "_wire",
    "resolution_to_json": "_wire",
    "ticket_from_json": "_wire",
    "ticket_to_json": "_wire",
}
# Submodules that `import favorpolicy` used to load as a side effect; still reachable as
# attributes without an import of their own.
_SUBMODULES = frozenset({"builtin", "hookspecs"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415  # slow to load

    try:
        return version("favorpolicy")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _submodule(name: str) -> Any:
    # The import statement's own machinery rather than importlib.import_module, so
    # that -X importtime reports the module.
    full = f"{__name__}.{name}"
    __import__(full)
    return sys.modules[full]


def _load(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(_submodule(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = _submodule(name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found once; later lookups do not come here
    return value


if not TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above, so that they still
    # flag a misspelled favorpolicy.Nmae.
    __getattr__ = _load


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BUILTIN_KINDS",
    "BadInput",
    "Band",
    "Budget",
    "Condition",
    "ContractViolation",
    "CurrencyMismatch",
    "Customer",
    "Decision",
    "Event",
    "EventKind",
    "FACTS",
    "Facts",
    "Fault",
    "FavorPolicyError",
    "Gap",
    "GoodwillRules",
    "InvalidChoice",
    "InvalidCustomer",
    "InvalidIssue",
    "InvalidMoney",
    "InvalidPlugins",
    "InvalidPolicy",
    "InvalidRecord",
    "InvalidRemedy",
    "InvalidTicket",
    "InvalidVerdict",
    "Issue",
    "LedgerConflict",
    "LedgerError",
    "Level",
    "MAX_JSON_BYTES",
    "MINOR_UNITS",
    "Money",
    "Offer",
    "Op",
    "Overlap",
    "Owe",
    "PluginFault",
    "PluginManager",
    "Policy",
    "PolicyVersions",
    "Reason",
    "Remedy",
    "RemedyKind",
    "Resolution",
    "Role",
    "Rule",
    "ScreenVerdict",
    "Table",
    "TableAnalysis",
    "UndeliveredEvents",
    "UnknownRole",
    "UnknownTier",
    "Valuation",
    "__version__",
    "analyse_tables",
    "decide",
    "event_from_dict",
    "event_from_json",
    "event_to_dict",
    "event_to_json",
    "fact_value",
    "hookimpl",
    "json_schema",
    "load_policy",
    "make_plugin_manager",
    "pick",
    "policy_from_dict",
    "policy_from_toml",
    "policy_to_dict",
    "policy_to_toml",
    "policy_versions_from_toml",
    "resolution_from_dict",
    "resolution_from_json",
    "resolution_to_dict",
    "resolution_to_json",
    "resolve",
    "ticket_from_dict",
    "ticket_from_json",
    "ticket_to_dict",
    "ticket_to_json",
]
