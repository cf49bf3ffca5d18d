"""Built-in example tickets, so a fresh install has something to resolve."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ._model import Customer, Fault, Issue, RemedyKind
from ._money import Money

__all__ = ["example_tickets"]

_WHEN = datetime(2026, 3, 14, 10, 30, tzinfo=UTC)


def example_tickets(currency: str = "BRL") -> list[tuple[Customer, Issue, str]]:
    """A few typical tickets, each as ``(customer, issue, role)``."""

    def brl(amount: str) -> Money:
        return Money(amount, currency)

    return [
        (
            Customer("ana", tier="standard", since=date(2024, 1, 5)),
            Issue("T-1001", "damaged", Fault.BUSINESS, brl("89.90"), severity=2, occurred_at=_WHEN),
            "agent",
        ),
        (
            Customer("bruno", tier="vip", since=date(2019, 6, 1), preference=RemedyKind.REFUND),
            Issue("T-1002", "late", Fault.UNKNOWN, brl("15.40"), severity=3, occurred_at=_WHEN),
            "agent",
        ),
        (
            Customer("carla", tier="plus"),
            Issue(
                "T-1003",
                "missing_item",
                Fault.SHARED,
                brl("1249.00"),
                severity=4,
                occurred_at=_WHEN,
            ),
            "agent",
        ),
        (
            Customer("davi"),
            Issue("T-1004", "pricing_error", Fault.BUSINESS, brl("0"), occurred_at=_WHEN),
            "agent",
        ),
        (
            Customer("elisa", tier="standard", since=date(2025, 11, 2)),
            Issue(
                "T-1005",
                "service_failure",
                Fault.CUSTOMER,
                brl("30.00"),
                severity=1,
                occurred_at=_WHEN,
            ),
            "lead",
        ),
    ]
