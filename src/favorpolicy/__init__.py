"""favorpolicy: make a customer's problem right, and fail in favour of the customer.

>>> from favorpolicy import Customer, Fault, Issue, Money, Policy, resolve
>>> policy = Policy.default("USD")
>>> issue = Issue("T-1", "damaged", Fault.BUSINESS, Money("40", "USD"), severity=2)
>>> resolve(issue, Customer("C-1"), policy).total
Money('46.00', 'USD')
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._model import BUILTIN_KINDS, Customer, Fault, Issue, Reason, Remedy, RemedyKind, Resolution
from ._money import MINOR_UNITS, Money
from ._policy import GoodwillRules, Offer, Policy, Role, Valuation
from ._resolve import resolve
from .exceptions import (
    CurrencyMismatch,
    FavorPolicyError,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPolicy,
    InvalidRemedy,
    UnknownRole,
    UnknownTier,
)

try:
    __version__ = version("favorpolicy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BUILTIN_KINDS",
    "CurrencyMismatch",
    "Customer",
    "Fault",
    "FavorPolicyError",
    "GoodwillRules",
    "InvalidCustomer",
    "InvalidIssue",
    "InvalidMoney",
    "InvalidPolicy",
    "InvalidRemedy",
    "Issue",
    "MINOR_UNITS",
    "Money",
    "Offer",
    "Policy",
    "Reason",
    "Remedy",
    "RemedyKind",
    "Resolution",
    "Role",
    "UnknownRole",
    "UnknownTier",
    "Valuation",
    "__version__",
    "resolve",
]
