"""Time resolve() against a hand-written plain-Python baseline, in one run.

The baseline computes the same answer for the default policy with nothing but
Decimal arithmetic: make whole, the goodwill table, the cheapest close call,
the authority limit. Before timing, both are run on every ticket and must
agree, so the race is fair.

    python benchmarks/bench_resolve.py            # full run
    python benchmarks/bench_resolve.py --quick    # a few repetitions, for CI
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, Decimal

from favorpolicy import (
    BUILTIN_KINDS,
    Customer,
    Fault,
    Issue,
    Money,
    PluginManager,
    Policy,
    make_plugin_manager,
    resolve,
)

CENT = Decimal("0.01")
RATES = (Decimal("0.05"), Decimal("0.10"), Decimal("0.15"), Decimal("0.20"), Decimal("0.25"))
FLOORS = (Decimal(0), Decimal(2), Decimal(5), Decimal(10), Decimal(20))
TIERS = {"standard": Decimal(1), "plus": Decimal("1.25"), "vip": Decimal("1.5")}
TENURE = ((1, Decimal("1.1")), (3, Decimal("1.25")), (5, Decimal("1.5")))
KINDS = {"pricing_error": Decimal("0.5"), "miscommunication": Decimal("0.5")}
CAP, COURTESY, MARGIN = Decimal(500), Decimal(5), Decimal("0.25")
LIMITS = (("agent", Decimal(50)), ("lead", Decimal(250)), ("owner", None))
# kind -> (bonus, cost rate)
VALUES = {
    "refund": (Decimal(0), Decimal(1)),
    "replacement": (Decimal(0), Decimal("0.6")),
    "store_credit": (Decimal("0.10"), Decimal("0.6")),
    "discount": (Decimal("0.05"), Decimal("0.6")),
    "waive_fee": (Decimal(0), Decimal(1)),
    "expedite": (Decimal(0), Decimal("0.8")),
}
OFFERS = {
    "damaged": (("replacement", "store_credit"), ("refund", None), ("store_credit", None)),
    "defect": (("replacement", "store_credit"), ("refund", None), ("store_credit", None)),
    "missing_item": (("replacement", "store_credit"), ("refund", None)),
    "late": (("waive_fee", "store_credit"), ("refund", None), ("store_credit", None)),
    "pricing_error": (("refund", None), ("discount", None)),
    "miscommunication": (("store_credit", None), ("discount", None), ("refund", None)),
    "service_failure": (("expedite", "store_credit"), ("refund", None)),
}
DEFAULT_OFFERS = (("refund", None), ("store_credit", None))

Answer = tuple[tuple[tuple[str, Decimal, Decimal], ...], Decimal, Decimal, Decimal, str | None]


def up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def baseline(
    kind: str,
    fault: str,
    loss: Decimal,
    severity: int,
    tier: str,
    years: int,
    preference: str | None,
) -> Answer:
    """The default USD policy, written out by hand."""
    honoured = kind == "pricing_error" and loss == 0
    owed = Decimal(0) if honoured or fault == "customer" else up(loss)
    if honoured:
        goodwill = Decimal(0)
    elif fault == "customer":
        goodwill = COURTESY
    else:
        tenure = Decimal(1)
        for threshold, factor in TENURE:
            if years >= threshold:
                tenure = factor
        goodwill = (loss * RATES[severity - 1] + FLOORS[severity - 1]) * (
            TIERS[tier] * tenure * KINDS.get(kind, Decimal(1))
        )
        # A fault of the business's never gets less than the customer's own: the courtesy.
        goodwill = max(goodwill, COURTESY - owed)
    goodwill = up(min(goodwill, CAP))
    total = owed + goodwill

    def part(remedy: str, amount: Decimal) -> tuple[str, Decimal, Decimal]:
        bonus, rate = VALUES[remedy]
        face = up(amount * (1 + bonus))
        return (remedy, face, up(face * rate))

    packages: list[tuple[tuple[str, Decimal, Decimal], ...]] = []
    offers = OFFERS.get(kind, DEFAULT_OFFERS)
    if ("refund", None) not in offers:
        offers = (*offers, ("refund", None))
    for whole, extra in offers:
        if total == 0:
            package: tuple[tuple[str, Decimal, Decimal], ...] = (("apology", total, total),)
        elif extra is None or goodwill == 0:
            package = (part(whole, total),)
        elif owed == 0:
            package = (part(extra, goodwill),)
        else:
            package = (part(whole, owed), part(extra, goodwill))
        if package not in packages:
            packages.append(package)
    cheapest = min(sum(p[2] for p in package) for package in packages)
    line = cheapest * (1 + MARGIN)

    def rank(indexed: tuple[int, tuple[tuple[str, Decimal, Decimal], ...]]) -> tuple[object, ...]:
        index, package = indexed
        cost = sum(p[2] for p in package)
        return (cost > line, preference not in {p[0] for p in package},
                -sum(p[1] for p in package), cost, index)  # fmt: skip

    chosen = min(enumerate(packages), key=rank)[1]
    escalate = None
    granted = total
    if goodwill > LIMITS[0][1]:  # type: ignore[operator]
        granted = owed + LIMITS[0][1]  # type: ignore[operator]
        escalate = next(name for name, limit in LIMITS if limit is None or limit >= goodwill)
    return chosen, owed, goodwill, granted, escalate


WHEN = datetime(2026, 6, 1, tzinfo=UTC)


def tickets(count: int, seed: int = 20261123) -> list[tuple[Issue, Customer]]:
    rng = random.Random(seed)
    made = []
    for number in range(count):
        loss = Decimal(rng.randint(0, 300_000)) / 100
        since = date(rng.randint(2010, 2026), rng.randint(1, 12), rng.randint(1, 28))
        issue = Issue(
            f"T-{number}",
            rng.choice((*BUILTIN_KINDS, "other")),
            rng.choice(list(Fault)),
            Money(loss, "USD"),
            severity=rng.randint(1, 5),
            occurred_at=WHEN,
        )
        customer = Customer(
            f"C-{number}",
            tier=rng.choice(("standard", "plus", "vip")),
            since=since if rng.random() < 0.8 else None,
            preference=rng.choice([None, "refund", "store_credit", "replacement"]),
        )
        made.append((issue, customer))
    return made


def baseline_args(issue: Issue, customer: Customer) -> tuple[object, ...]:
    years = 0
    if customer.since is not None:
        years = (
            WHEN.year
            - customer.since.year
            - ((WHEN.month, WHEN.day) < (customer.since.month, customer.since.day))
        )
        years = max(years, 0)
    preference = customer.preference.value if customer.preference else None
    return (issue.kind, issue.fault.value, issue.loss.amount, issue.severity, customer.tier,
            years, preference)  # fmt: skip


def check_agreement(
    policy: Policy,
    batch: Sequence[tuple[Issue, Customer]],
    plugins: PluginManager | None = None,
) -> None:
    for issue, customer in batch:
        got = resolve(issue, customer, policy, plugins=plugins)
        mine = (
            tuple(
                (r.kind.value, r.value.amount, r.cost.amount if r.cost else Decimal(0))
                for r in got.remedies
            ),
            got.owed.amount,
            got.goodwill.amount,
            got.granted_now.amount,
            got.escalate_to,
        )
        theirs = baseline(*baseline_args(issue, customer))  # type: ignore[arg-type]
        if mine != theirs:
            raise SystemExit(f"disagreement on {issue}, {customer}:\n  {mine}\n  {theirs}")


def median_seconds(
    run: Callable[[], None], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    timings = []
    for _ in range(repeats):
        start = clock()
        run()
        timings.append(clock() - start)
    return statistics.median(timings)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repetitions, for CI")
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=21)
    options = parser.parse_args(argv)
    count, repeats = (50, 3) if options.quick else (options.tickets, options.repeats)
    policy = Policy.default("USD")
    batch = tickets(count)
    bare = make_plugin_manager(builtins=False, load_entrypoints=False)
    defaults = make_plugin_manager(load_entrypoints=False)
    check_agreement(policy, batch, bare)
    check_agreement(policy, batch, defaults)
    prepared = [baseline_args(issue, customer) for issue, customer in batch]

    def run_bare() -> None:
        for issue, customer in batch:
            resolve(issue, customer, policy, plugins=bare)

    def run_defaults() -> None:
        for issue, customer in batch:
            resolve(issue, customer, policy, plugins=defaults)

    def run_baseline() -> None:
        for args in prepared:
            baseline(*args)  # type: ignore[arg-type]

    # An application that logs: a handler for warnings on the root logger, writing to
    # nowhere, hears the escalations the built-in logging sink reports, each with its
    # resolution as JSON, made on the delivery thread. Without it the sink builds nothing.
    with open(os.devnull, "w", encoding="utf-8") as nowhere:
        logged = logging.StreamHandler(nowhere)
        logged.setLevel(logging.WARNING)

        def run_defaults_logged() -> None:
            logging.getLogger().addHandler(logged)
            try:
                run_defaults()
                defaults.flush(timeout=30)  # the sink's work is in the figure
            finally:
                logging.getLogger().removeHandler(logged)

        # Interleave so that machine noise hits every side alike. The logged run is timed
        # in CPU seconds of the whole process, the delivery thread's included; wall time
        # would count the delivery's wait for a batch to gather (20 ms), which is idle.
        runs = {"bare": run_bare, "defaults": run_defaults, "logged": run_defaults_logged,
                "baseline": run_baseline}  # fmt: skip
        timings: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, run in runs.items():
                clock = time.process_time if name == "logged" else time.perf_counter
                timings[name].append(median_seconds(run, 1, clock))
    per_ticket = {name: statistics.median(values) / count for name, values in timings.items()}
    figures = {
        **per_ticket,
        "ratio": per_ticket["bare"] / per_ticket["baseline"],
        "plugins_ratio": per_ticket["defaults"] / per_ticket["bare"],
        "logged_ratio": per_ticket["logged"] / per_ticket["bare"],
    }
    print(f"tickets: {count}, repeats: {repeats}, answers agree: yes")
    print(f"resolve(), no plugins        median {per_ticket['bare'] * 1e6:8.1f} us per ticket")
    print(f"resolve(), default plugins   median {per_ticket['defaults'] * 1e6:8.1f} us per ticket")
    print(
        f"  ... and a log handler      median {per_ticket['logged'] * 1e6:8.1f} us CPU per ticket"
    )
    print(f"hand-written baseline        median {per_ticket['baseline'] * 1e6:8.1f} us per ticket")
    print(f"ratio no plugins / baseline:       {figures['ratio']:.2f} (target <= 5)")
    print(f"ratio default plugins / no plugins: {figures['plugins_ratio']:.2f}")
    print(f"ratio default plugins, logged / no plugins: {figures['logged_ratio']:.2f}")
    return figures


if __name__ == "__main__":
    main()
