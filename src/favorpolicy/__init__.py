"""favorpolicy: make a customer's problem right, and fail in favour of the customer.

>>> from favorpolicy import Customer, Fault, Issue, Money, Policy, resolve
>>> policy = Policy.default("USD")
>>> issue = Issue("T-1", "damaged", Fault.BUSINESS, Money("40", "USD"), severity=2)
>>> resolve(issue, Customer("C-1"), policy).total
Money('46.00', 'USD')
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

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
from ._plugins import Event, EventKind, PluginManager, make_plugin_manager
from ._policy import Budget, GoodwillRules, Offer, Policy, Role, Valuation
from ._resolve import resolve
from .exceptions import (
    CurrencyMismatch,
    FavorPolicyError,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPlugins,
    InvalidPolicy,
    InvalidRecord,
    InvalidRemedy,
    InvalidVerdict,
    LedgerConflict,
    LedgerError,
    UndeliveredEvents,
    UnknownRole,
    UnknownTier,
)
from .hookspecs import hookimpl

# A library logs, the application decides where the records go.
logging.getLogger("favorpolicy").addHandler(logging.NullHandler())

try:
    __version__ = version("favorpolicy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BUILTIN_KINDS",
    "Budget",
    "CurrencyMismatch",
    "Customer",
    "Event",
    "EventKind",
    "Fault",
    "FavorPolicyError",
    "GoodwillRules",
    "InvalidCustomer",
    "InvalidIssue",
    "InvalidMoney",
    "InvalidPlugins",
    "InvalidPolicy",
    "InvalidRecord",
    "InvalidRemedy",
    "InvalidVerdict",
    "Issue",
    "LedgerConflict",
    "LedgerError",
    "Level",
    "MINOR_UNITS",
    "Money",
    "Offer",
    "PluginFault",
    "PluginManager",
    "Policy",
    "Reason",
    "Remedy",
    "RemedyKind",
    "Resolution",
    "Role",
    "ScreenVerdict",
    "UndeliveredEvents",
    "UnknownRole",
    "UnknownTier",
    "Valuation",
    "__version__",
    "hookimpl",
    "make_plugin_manager",
    "resolve",
]
