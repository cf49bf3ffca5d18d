"""What rules cost: resolve() under a 50-rule policy against the same policy without rules.

    python benchmarks/bench_rules.py            # 500 tickets, 21 repeats
    python benchmarks/bench_rules.py --quick    # CI: a few, to keep it working

The tickets carry the facts the rules test (the order's dates, a region, a
category, named facts), so some rules match each ticket and most do not, as
in a real policy. Both policies are timed in the same run, interleaved; the
figure is the ratio (target: at most 2). The rule-less policy is the default
one, whose figure against the hand-written baseline is bench_resolve's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from favorpolicy import (
    BUILTIN_KINDS,
    Band,
    Condition,
    Customer,
    Issue,
    Money,
    Offer,
    Owe,
    Policy,
    RemedyKind,
    Rule,
    decide,
    make_plugin_manager,
    resolve,
)

REGIONS = ("BR-SP", "BR-RJ", "US-CA", "DE", "FR", "JP")
CATEGORIES = ("electronics", "furniture", "perishable", "toys", "books")


def rules(count: int = 50) -> tuple[Rule, ...]:
    """*count* rules of every shape: windows, tables, shares, goodwill, offers, legal floors."""
    made: list[Rule] = []
    for number in range(count):
        kind = BUILTIN_KINDS[number % len(BUILTIN_KINDS)]
        shape = number % 5
        when = [Condition("kind", "eq", kind)]
        if shape == 0:
            when.append(Condition("days_since_delivery", "le", 7 + number % 23))
            owe = Owe(share=1, of="order_value")
            made.append(Rule(f"window-{number}", when=when, owe=owe, basis="law", cite="CDC 49"))
        elif shape == 1:
            when.append(Condition("days_late", "ge", 1 + number % 5))
            bands = (Band(Money(5, "USD"), 2), Band(Money(10, "USD"), 5), Band(Money(20, "USD")))
            made.append(Rule(f"late-{number}", when=when, owe=Owe(bands=bands, by="days_late")))
        elif shape == 2:
            when += [
                Condition("region", "in", REGIONS[number % 3 :]),
                Condition("facts.durable", "eq", number % 2 == 0),
            ]
            made.append(Rule(f"region-{number}", when=when, goodwill_rate=Decimal("0.2")))
        elif shape == 3:
            when.append(Condition("category", "eq", CATEGORIES[number % len(CATEGORIES)]))
            offers = (Offer(RemedyKind.STORE_CREDIT), Offer(RemedyKind.DISCOUNT))
            made.append(Rule(f"category-{number}", when=when, offers=offers))
        else:
            when.append(Condition("facts.distance_km", "gt", 500 + 100 * number))
            unless = (Condition("facts.extraordinary", "eq", True),)
            owe = Owe(share=Decimal("0.1"), of="loss")
            made.append(Rule(f"distance-{number}", when=when, unless=unless, owe=owe))
    return tuple(made)


def tickets(count: int, seed: int = 7) -> list[tuple[Issue, Customer]]:
    """Seeded tickets with dates, regions, categories and facts."""
    chance = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for number in range(count):
        ordered = start + timedelta(days=chance.randrange(300), hours=chance.randrange(24))
        delivered = ordered + timedelta(days=chance.randrange(1, 15))
        loss = Decimal(chance.randrange(100, 50_000)).scaleb(-2)
        issue = Issue(
            f"T-{number}",
            chance.choice(BUILTIN_KINDS),
            chance.choice(("business", "unknown", "shared", "customer")),
            Money(loss, "USD"),
            order_value=Money(loss * 2, "USD"),
            severity=chance.randint(1, 5),
            occurred_at=delivered + timedelta(days=chance.randrange(30)),
            ordered_at=ordered,
            promised_at=ordered + timedelta(days=chance.randrange(2, 10)),
            delivered_at=delivered,
            region=chance.choice(REGIONS),
            category=chance.choice(CATEGORIES),
            facts={
                "durable": chance.random() < 0.5,
                "distance_km": chance.randrange(6000),
                "extraordinary": chance.random() < 0.1,
            },
        )
        batch.append((issue, Customer(f"C-{number % 97}", tier="standard")))
    return batch


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repetitions, for CI")
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    count, repeats = (40, 3) if options.quick else (options.tickets, options.repeats)
    plain = Policy.default("USD")
    ruled = attrs.evolve(plain, rules=rules(50))
    batch = tickets(count)
    bare = make_plugin_manager(builtins=False, load_entrypoints=False)
    hits = 0
    for issue, customer in batch:  # both paths must give the same figures before any timing
        made = resolve(issue, customer, ruled, plugins=bare)
        figures = decide(issue, customer, ruled, plugins=bare)
        if (made.owed.amount, made.goodwill.amount, made.granted_now.amount) != (
            figures.owed,
            figures.goodwill,
            figures.granted_now,
        ):
            raise SystemExit(f"resolve() and decide() disagree on {issue}")
        hits += sum(1 for r in made.reasons if r.code in {"ruled", "legal_floor", "rule_goodwill"})
    if not hits:
        raise SystemExit("no rule matched any ticket: the benchmark would time nothing")

    def timed(policy: Policy, decide_only: bool) -> float:
        start = time.perf_counter()
        if decide_only:
            for issue, customer in batch:
                decide(issue, customer, policy, plugins=bare)
        else:
            for issue, customer in batch:
                resolve(issue, customer, policy, plugins=bare).reasons  # noqa: B018  # read
        return (time.perf_counter() - start) / count

    runs = {
        "resolve, no rules": (plain, False),
        "resolve, 50 rules": (ruled, False),
        "decide, no rules": (plain, True),
        "decide, 50 rules": (ruled, True),
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved, so machine noise hits every side alike
        for name, (policy, decide_only) in runs.items():
            timings[name].append(timed(policy, decide_only))
    per_ticket = {name: statistics.median(values) for name, values in timings.items()}
    figures = {
        "tickets": float(count),
        "rule_reasons_per_ticket": hits / count,
        **{f"us {name}": value * 1e6 for name, value in per_ticket.items()},
        "resolve_ratio": per_ticket["resolve, 50 rules"] / per_ticket["resolve, no rules"],
        "decide_ratio": per_ticket["decide, 50 rules"] / per_ticket["decide, no rules"],
    }
    if options.json:
        json.dump(figures, sys.stdout)
        return 0
    print(f"tickets: {count}, repeats: {repeats}, rule reasons per ticket: {hits / count:.2f}")
    for name, value in per_ticket.items():
        print(f"{name:20} median {value * 1e6:8.1f} us per ticket")
    print(f"resolve(), 50 rules / no rules: {figures['resolve_ratio']:.2f} (target <= 2)")
    print(f"decide(), 50 rules / no rules:  {figures['decide_ratio']:.2f} (watched, <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
