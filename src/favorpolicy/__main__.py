"""``python -m favorpolicy``: resolve a handful of built-in tickets and explain each."""

from __future__ import annotations

import os
import sys

from ._examples import example_tickets
from ._policy import Policy
from ._resolve import resolve


def main() -> None:
    policy = Policy.default("BRL")
    print(f"favorpolicy demo: {policy.name} (fingerprint {policy.fingerprint[:12]})\n")
    for customer, issue, role in example_tickets():
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
