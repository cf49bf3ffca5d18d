"""``python -m favorpolicy``: resolve a handful of built-in tickets and explain each."""

from __future__ import annotations

from ._examples import example_tickets
from ._policy import Policy
from ._resolve import resolve


def main() -> None:
    policy = Policy.default("BRL")
    print(f"favorpolicy demo: {policy.name} (fingerprint {policy.fingerprint[:12]})\n")
    for customer, issue, role in example_tickets():
        print(resolve(issue, customer, policy, role=role).explain())
        print()


if __name__ == "__main__":
    main()
