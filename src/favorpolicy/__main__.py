"""``python -m favorpolicy``: resolve a handful of built-in tickets and explain each."""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime

from ._model import Customer, Fault, Issue, RemedyKind
from ._money import Money
from ._policy import Policy
from ._resolve import resolve

_WHEN = datetime(2026, 3, 14, 10, 30, tzinfo=UTC)


def demo_tickets(currency: str = "BRL") -> list[tuple[Customer, Issue, str]]:
    """The demo's tickets, one of each typical case, each as ``(customer, issue, role)``."""

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


def main() -> None:
    policy = Policy.default("BRL")
    print(f"favorpolicy demo: {policy.name} (fingerprint {policy.fingerprint[:12]})\n")
    for customer, issue, role in demo_tickets():
        print(resolve(issue, customer, policy, role=role).explain())
        print()


def run() -> None:
    """Run the demo; a reader that stops early (``| head``) ends it quietly, as click does."""
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    run()
