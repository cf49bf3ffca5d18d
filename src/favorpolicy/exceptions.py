"""The exceptions favorpolicy raises.

Every error is a :class:`FavorPolicyError`. Errors about a bad value also
inherit :class:`ValueError`, so code that already catches ``ValueError`` keeps
working. Messages name the field, the bad value and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "BadInput",
    "ContractViolation",
    "CurrencyMismatch",
    "FavorPolicyError",
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
    "LedgerConflict",
    "LedgerError",
    "UndeliveredEvents",
    "UnknownRole",
    "UnknownTier",
]


class FavorPolicyError(Exception):
    """The base of every exception favorpolicy raises on purpose."""


class InvalidMoney(FavorPolicyError, ValueError):
    """An amount or currency that cannot be money.

    A float, text that is not a number, NaN, an infinity, an amount too large
    to quantize, or an unknown ISO 4217 code.
    """


class ContractViolation(FavorPolicyError, AssertionError):
    """A resolution broke a rule of the bias contract (:mod:`favorpolicy.testing` raises it).

    An ``AssertionError`` too, so a test that finds one fails as a test does.
    """


class CurrencyMismatch(FavorPolicyError, ValueError):
    """Two amounts in different currencies were combined or compared."""


class InvalidChoice(FavorPolicyError, ValueError):
    """``pick()`` or ``Ledger.pick()`` got a choice the Resolution does not offer, or a
    second, different pick of the same decision."""


class InvalidCustomer(FavorPolicyError, ValueError):
    """A :class:`~favorpolicy.Customer` field holds a value it cannot take."""


class InvalidIssue(FavorPolicyError, ValueError):
    """An :class:`~favorpolicy.Issue` field holds a value it cannot take."""


class InvalidTicket(InvalidIssue):
    """A ticket (a customer and an issue, as JSON data) that is not shaped like one.

    An unknown key, a missing one, or a value its field cannot take. The
    message names the key path: ``issue.loss: ...``.
    """


class BadInput(FavorPolicyError, ValueError):
    """A backtest met a row it cannot read or resolve; the message names the file and line."""


class InvalidRemedy(FavorPolicyError, ValueError):
    """A :class:`~favorpolicy.Remedy` field holds a value it cannot take."""


class InvalidPlugins(FavorPolicyError, ValueError):
    """``resolve(..., plugins=...)`` got something that is not a favorpolicy plugin manager."""


class InvalidPolicy(FavorPolicyError, ValueError):
    """A :class:`~favorpolicy.Policy` that is inconsistent or would break the bias contract."""


class InvalidVerdict(FavorPolicyError, ValueError):
    """A :class:`~favorpolicy.ScreenVerdict` with an unknown level, or no reason above ``none``."""


class LedgerError(FavorPolicyError, RuntimeError):
    """The ledger cannot be opened, read or written.

    A damaged or truncated file, a file that is not a favorpolicy ledger, one
    written by a newer favorpolicy (a schema this version does not know), or a
    database that stayed locked too long. The message names the file. A ledger
    is never reset or recreated to get past one of these.
    """


class LedgerConflict(LedgerError, ValueError):
    """A different decision was recorded under a key the ledger already holds.

    Recording the *same* resolution again is fine and returns the stored one;
    a different one under the same decision key means two answers to one
    question, and is refused.
    """


class InvalidRecord(LedgerError, ValueError):
    """``Ledger.record()`` got something that is not a Resolution, or a policy or issue
    that is not the one the resolution was made with."""


class UndeliveredEvents(FavorPolicyError, RuntimeError):
    """``PluginManager.close()`` found events that were dropped or not delivered in time.

    ``queued`` counts events still waiting; ``dropped`` counts events refused
    because the bounded queue was full or no thread could be started.
    """

    def __init__(self, message: str, *, queued: int = 0, dropped: int = 0) -> None:
        super().__init__(message)
        self.queued = queued
        self.dropped = dropped


class UnknownRole(FavorPolicyError, ValueError):
    """``resolve()`` was asked to act as a role the policy does not define."""


class UnknownTier(FavorPolicyError, ValueError):
    """A customer's tier is not one of the policy's tiers."""
