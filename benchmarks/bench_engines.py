"""Time resolve() against three rule engines given the same decision table, in one run.

The engines are rule-engine, business-rules and zen-engine (GoRules JDM). Each
gets the default USD policy's goodwill table and authority limits written in
its own terms, built once before timing, and decides, for the agent role:
what is owed, the goodwill (per-severity rate and floor, tier, tenure and kind
factors, the cap, the courtesy amount when the customer is at fault, nothing
for an honoured pricing error, rounded up to the cent), the amount granted now
and the role the rest is escalated to. Before timing, every engine and
resolve() decide every ticket, and the engines must give resolve()'s answer;
a disagreement ends the run with exit code 1.

    python benchmarks/bench_engines.py            # full run
    python benchmarks/bench_engines.py --quick    # a few repetitions, for CI
    python benchmarks/bench_engines.py --json     # the figures as JSON, for scripts
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import rule_engine
import zen
from business_rules import run_all
from business_rules.actions import BaseActions, rule_action
from business_rules.fields import FIELD_NUMERIC, FIELD_TEXT
from business_rules.variables import BaseVariables, numeric_rule_variable, string_rule_variable

from favorpolicy import (
    Customer,
    Fault,
    Issue,
    Money,
    Policy,
    Resolution,
    decide,
    make_plugin_manager,
    resolve,
)

sys.path.insert(0, str(Path(__file__).parent))
from bench_resolve import (  # the default USD policy's tables and the same seeded tickets
    CAP,
    COURTESY,
    FLOORS,
    KINDS,
    LIMITS,
    RATES,
    TENURE,
    TIERS,
    WHEN,
    baseline_args,
    median_seconds,
    tickets,
    up,
)

# owed, goodwill, granted now, the role the rest is escalated to
Answer = tuple[Decimal, Decimal, Decimal, str | None]
Facts = dict[str, Any]
Ticket = tuple[Issue, Customer]


class Table(NamedTuple):
    """The decision every engine is given: goodwill rules and authority limits."""

    rates: tuple[Decimal, ...]
    floors: tuple[Decimal, ...]
    tiers: dict[str, Decimal]
    tenure: tuple[tuple[int, Decimal], ...]
    kinds: dict[str, Decimal]
    cap: Decimal
    courtesy: Decimal
    limits: tuple[tuple[str, Decimal | None], ...]
    role: str = "agent"

    def authority(self) -> tuple[Decimal, list[tuple[str, Decimal | None]]]:
        """The acting role's limit, and each role above it with the limit it covers.

        The rest of the goodwill goes to the lowest role whose limit covers it;
        with limits that rise from role to role, that is the first one above.
        The acting role must have a limit (the agent's is 50).
        """
        names = [name for name, _ in self.limits]
        position = names.index(self.role)
        own = self.limits[position][1]
        assert own is not None, "the engines' tables are written for a role with a limit"
        return up(own), list(self.limits[position + 1 :])


DEFAULT = Table(RATES, FLOORS, TIERS, TENURE, KINDS, CAP, COURTESY, LIMITS)


class Engine(NamedTuple):
    name: str
    facts: Callable[[Ticket], Facts]  # the ticket in the engine's own terms, made before timing
    decide: Callable[[Facts], Answer]


class Disagreement(AssertionError):
    """An engine's answer differs from resolve()'s on the same ticket."""


def plain_facts(ticket: Ticket) -> Facts:
    kind, fault, loss, severity, tier, years, _ = baseline_args(*ticket)
    return {
        "kind": kind,
        "fault": fault,
        "loss": loss,
        "severity": severity,
        "tier": tier,
        "years": years,
    }


def edge_tickets() -> list[Ticket]:
    """Tickets on the table's edges, which random losses almost never hit.

    An honoured pricing error (no loss), goodwill of exactly the agent's and the
    lead's limit and a cent over, exactly the cap and just over, tenure on its
    first anniversary and a day short of it, and every fault.
    """
    kinds = ("pricing_error", "miscommunication", "damaged", "other")
    # At severity 1, standard tier, no tenure: goodwill is 5% of the loss.
    losses = ("0", "0.01", "1000", "1000.01", "5000", "5000.01", "10000", "10000.01", "99999.99")
    anniversary = date(WHEN.year - 1, WHEN.month, WHEN.day)
    since = (None, anniversary, anniversary.replace(day=WHEN.day + 1), date(WHEN.year - 5, 1, 1))
    made = []
    for number, (kind, fault, loss, severity, tier, joined) in enumerate(
        itertools.product(kinds, Fault, losses, (1, 5), ("standard", "vip"), since)
    ):
        issue = Issue(
            f"E-{number}", kind, fault, Money(loss, "USD"), severity=severity, occurred_at=WHEN
        )
        made.append((issue, Customer(f"C-{number}", tier=tier, since=joined)))
    return made


def answer_of(resolution: Resolution) -> Answer:
    return (
        resolution.owed.amount,
        resolution.goodwill.amount,
        resolution.granted_now.amount,
        resolution.escalate_to,
    )


def resolved(batch: Sequence[Ticket]) -> list[Answer]:
    """resolve()'s answers: default USD policy, no plugins, the agent role."""
    policy = Policy.default("USD")
    bare = make_plugin_manager(builtins=False, load_entrypoints=False)
    return [answer_of(resolve(issue, customer, policy, plugins=bare)) for issue, customer in batch]


def check_agreement(engine: Engine, batch: Sequence[Ticket], expected: Sequence[Answer]) -> None:
    """Raise Disagreement naming the first ticket where *engine* differs from *expected*."""
    for ticket, wanted in zip(batch, expected, strict=True):
        got = engine.decide(engine.facts(ticket))
        if got != wanted:
            issue, customer = ticket
            raise Disagreement(
                f"{engine.name} disagrees with resolve() on {issue}, {customer}:\n"
                f"  resolve(): owed, goodwill, granted, escalate = {wanted}\n"
                f"  {engine.name}: {got}"
            )


# --- rule-engine: one expression per stage, in its own language -----------------------------
# Its FLOAT type is a Decimal, and `.ceiling` rounds toward +infinity, so the cents are
# rounded up in the expression itself: (x * 100).ceiling / 100.


def _ternaries(pairs: Sequence[tuple[str, str]], otherwise: str) -> str:
    """`a ? x : (b ? y : otherwise)`, in the syntax rule-engine and zen share."""
    text = otherwise
    for condition, value in reversed(pairs):
        text = f"({condition} ? {value} : {text})"
    return text


def _cents_up(expression: str) -> str:
    return f"((({expression}) * 100).ceiling / 100)"


def rule_engine_engine(table: Table = DEFAULT) -> Engine:
    honoured = "(kind == 'pricing_error' and loss == 0)"
    rates = ", ".join(map(str, table.rates))
    floors = ", ".join(map(str, table.floors))
    tiers = ", ".join(f"'{tier}': {factor}" for tier, factor in table.tiers.items())
    tenure = _ternaries(
        [(f"years >= {years}", str(factor)) for years, factor in reversed(table.tenure)], "1"
    )
    kind = _ternaries([(f"kind == '{k}'", str(factor)) for k, factor in table.kinds.items()], "1")
    table_goodwill = (
        f"(loss * [{rates}][severity - 1] + [{floors}][severity - 1])"
        f" * {{{tiers}}}[tier] * {tenure} * {kind}"
    )
    # A fault of the business's never gets less than the courtesy a customer's own would.
    lifted = f"$max([{table_goodwill}, {table.courtesy} - {_cents_up('loss')}])"
    capped = f"$min([fault == 'customer' ? {table.courtesy} : {lifted}, {table.cap}])"
    decision = rule_engine.Rule(
        f"{{'owed': ({honoured} or fault == 'customer') ? 0 : {_cents_up('loss')},"
        f" 'goodwill': {honoured} ? 0 : {_cents_up(capped)}}}"
    )
    own, above = table.authority()
    escalate = _ternaries(
        [(f"goodwill <= {limit}", f"'{name}'") for name, limit in above if limit is not None],
        f"'{above[-1][0]}'",
    )
    authority = rule_engine.Rule(
        f"{{'granted': goodwill <= {own} ? owed + goodwill : owed + {own},"
        f" 'escalate': goodwill <= {own} ? null : {escalate}}}"
    )

    def decide(facts: Facts) -> Answer:
        decided = decision.evaluate(facts)
        granted = authority.evaluate(decided)
        return decided["owed"], decided["goodwill"], granted["granted"], granted["escalate"]

    return Engine("rule-engine", plain_facts, decide)


# --- business-rules: JSON-style rules whose actions do the arithmetic ------------------------
# business-rules only tests conditions and calls actions, so the arithmetic and the rounding
# up are Python in the actions, which is how the library is meant to be used. Rules run in
# order and later ones override earlier ones. Its numeric operators compare with a tolerance
# (NumericType.EPSILON = 0.000001), so rules compare only amounts already in whole cents:
# goodwill is rounded up before the cap, which is the same because the cap is in whole cents.


class _Case:
    """One ticket's facts and the decision as the rules build it."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.rate = self.floor = Decimal(0)
        self.factors = {"tier": Decimal(1), "tenure": Decimal(1), "kind": Decimal(1)}
        self.owed = self.goodwill = self.granted = Decimal(0)
        self.escalate: str | None = None


def _fact(name: str, variable: Callable[..., Any]) -> Any:
    """A business-rules variable that reads one of the ticket's facts."""

    def read(self: _Variables) -> object:
        return self.case.facts[name]

    return variable(label=name)(read)


class _Variables(BaseVariables):
    def __init__(self, case: _Case) -> None:
        self.case = case

    kind = _fact("kind", string_rule_variable)
    fault = _fact("fault", string_rule_variable)
    tier = _fact("tier", string_rule_variable)
    loss = _fact("loss", numeric_rule_variable)
    severity = _fact("severity", numeric_rule_variable)
    years = _fact("years", numeric_rule_variable)

    @numeric_rule_variable
    def goodwill(self) -> Decimal:
        return self.case.goodwill


class _Actions(BaseActions):
    def __init__(self, case: _Case) -> None:
        self.case = case

    @rule_action(params={"rate": FIELD_NUMERIC, "floor": FIELD_NUMERIC})
    def set_severity_terms(self, rate: Decimal, floor: Decimal) -> None:
        self.case.rate, self.case.floor = rate, floor

    @rule_action(params={"of": FIELD_TEXT, "factor": FIELD_NUMERIC})
    def set_factor(self, of: str, factor: Decimal) -> None:
        self.case.factors[of] = factor

    @rule_action(params={"courtesy": FIELD_NUMERIC})
    def apply_goodwill_table(self, courtesy: Decimal) -> None:
        case = self.case
        case.owed = up(case.facts["loss"])
        factors = case.factors
        case.goodwill = (case.facts["loss"] * case.rate + case.floor) * (
            factors["tier"] * factors["tenure"] * factors["kind"]
        )
        # A fault of the business's never gets less than the customer's own: the courtesy.
        case.goodwill = max(case.goodwill, courtesy - case.owed)

    @rule_action(params={"amount": FIELD_NUMERIC})
    def set_owed(self, amount: Decimal) -> None:
        self.case.owed = amount

    @rule_action(params={"amount": FIELD_NUMERIC})
    def set_goodwill(self, amount: Decimal) -> None:
        self.case.goodwill = amount

    @rule_action()
    def round_goodwill_up(self) -> None:
        self.case.goodwill = up(self.case.goodwill)

    @rule_action()
    def grant_all(self) -> None:
        self.case.granted = self.case.owed + self.case.goodwill

    @rule_action(params={"limit": FIELD_NUMERIC})
    def grant_up_to(self, limit: Decimal) -> None:
        self.case.granted = self.case.owed + limit

    @rule_action(params={"role": FIELD_TEXT})
    def escalate_to(self, role: str) -> None:
        self.case.escalate = role


def _when(*conditions: tuple[str, str, object]) -> dict[str, list[dict[str, object]]]:
    return {"all": [{"name": n, "operator": o, "value": v} for n, o, v in conditions]}


def _do(action: str, **params: object) -> dict[str, object]:
    return {"name": action, "params": params}


def business_rules_rules(table: Table = DEFAULT) -> list[dict[str, Any]]:
    """The decision as business-rules rules: plain data, as if loaded from JSON.

    Amounts are Decimals, as ``json.loads(text, parse_float=Decimal)`` would give.
    """
    rules: list[dict[str, Any]] = []

    def rule(conditions: dict[str, Any], *actions: dict[str, object]) -> None:
        rules.append({"conditions": conditions, "actions": list(actions)})

    for severity, (rate, floor) in enumerate(zip(table.rates, table.floors, strict=True), 1):
        rule(
            _when(("severity", "equal_to", severity)),
            _do("set_severity_terms", rate=rate, floor=floor),
        )
    for tier, factor in table.tiers.items():
        rule(_when(("tier", "equal_to", tier)), _do("set_factor", of="tier", factor=factor))
    for years, factor in table.tenure:  # ascending: the highest threshold met wins
        rule(
            _when(("years", "greater_than_or_equal_to", years)),
            _do("set_factor", of="tenure", factor=factor),
        )
    for kind, factor in table.kinds.items():
        rule(_when(("kind", "equal_to", kind)), _do("set_factor", of="kind", factor=factor))
    # Every ticket (a loss is never negative); the two rules after it override it.
    rule(
        _when(("loss", "greater_than_or_equal_to", 0)),
        _do("apply_goodwill_table", courtesy=table.courtesy),
    )
    rule(
        _when(("fault", "equal_to", "customer")),
        _do("set_owed", amount=Decimal(0)),
        _do("set_goodwill", amount=table.courtesy),
    )
    rule(
        _when(("kind", "equal_to", "pricing_error"), ("loss", "equal_to", 0)),
        _do("set_owed", amount=Decimal(0)),
        _do("set_goodwill", amount=Decimal(0)),
    )
    rule(_when(("loss", "greater_than_or_equal_to", 0)), _do("round_goodwill_up"))
    rule(_when(("goodwill", "greater_than", table.cap)), _do("set_goodwill", amount=table.cap))
    own, above = table.authority()
    rule(_when(("loss", "greater_than_or_equal_to", 0)), _do("grant_all"))
    rule(_when(("goodwill", "greater_than", own)), _do("grant_up_to", limit=own))
    below = own
    for name, limit in above:
        over = ("goodwill", "greater_than", below)
        if limit is None:
            rule(_when(over), _do("escalate_to", role=name))
            break
        rule(
            _when(over, ("goodwill", "less_than_or_equal_to", limit)),
            _do("escalate_to", role=name),
        )
        below = limit
    return rules


def business_rules_engine(table: Table = DEFAULT) -> Engine:
    rules = business_rules_rules(table)

    def decide(facts: Facts) -> Answer:
        case = _Case(facts)
        run_all(rules, _Variables(case), _Actions(case))
        return case.owed, case.goodwill, case.granted, case.escalate

    return Engine("business-rules", plain_facts, decide)


# --- zen-engine: a JDM graph of decision tables and expressions -------------------------------
# ZEN computes in decimals and rounds up in its own expressions: ceil(x * 100) / 100. Its
# Python binding speaks floats at the edge: the loss goes in as a float and the amounts
# come out as floats, which is exact here (whole cents, far fewer than 15 digits), and
# Decimal(str(amount)) is the one Python step after it. An output cell of null leaves its
# key out of the result, hence result.get("escalate").


def _cell(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _table_node(
    name: str, inputs: Sequence[str], outputs: Sequence[str], rows: Sequence[Sequence[object]]
) -> dict[str, Any]:
    """A decision table: the first row whose cells all match sets the outputs."""
    columns = [*inputs, *outputs]
    return {
        "id": name,
        "name": name,
        "type": "decisionTableNode",
        "position": {"x": 0, "y": 0},
        "content": {
            "hitPolicy": "first",
            "passThrough": True,  # the next node sees the facts as well as the outputs
            "inputs": [{"id": f"in-{field}", "name": field, "field": field} for field in inputs],
            "outputs": [{"id": f"out-{field}", "name": field, "field": field} for field in outputs],
            "rules": [
                {"_id": f"{name}-{number}"}
                | {
                    ("in-" if index < len(inputs) else "out-") + column: str(cell)
                    for index, (column, cell) in enumerate(zip(columns, row, strict=True))
                }
                for number, row in enumerate(rows)
            ],
        },
    }


def zen_graph(table: Table = DEFAULT) -> dict[str, Any]:
    """The decision as a JDM graph: input, tables, the goodwill expressions, authority, output."""
    own, above = table.authority()
    authority_rows = [
        [f"<= {own}", "owed + goodwill", "null"],
        *(
            ["" if limit is None else f"<= {limit}", f"owed + {own}", _cell(name)]
            for name, limit in above
        ),
    ]
    honoured = "$.honoured"
    expressions = {
        "honoured": 'kind == "pricing_error" and loss == 0',
        "owed": f'({honoured} or fault == "customer") ? 0 : ceil(loss * 100) / 100',
        "goodwill": (
            f'{honoured} ? 0 : ceil(min([fault == "customer" ? {table.courtesy} : '
            "max([(loss * rate + floor) * tierFactor * tenureFactor * kindFactor, "
            f"{table.courtesy} - ceil(loss * 100) / 100]), "
            f"{table.cap}]) * 100) / 100"
        ),
    }
    nodes = [
        {"id": "request", "name": "request", "type": "inputNode", "position": {"x": 0, "y": 0}},
        _table_node(
            "severity",
            ["severity"],
            ["rate", "floor"],
            [[n, r, f] for n, (r, f) in enumerate(zip(table.rates, table.floors, strict=True), 1)],
        ),
        _table_node(
            "tier",
            ["tier"],
            ["tierFactor"],
            [[_cell(tier), factor] for tier, factor in table.tiers.items()],
        ),
        _table_node(
            "tenure",
            ["years"],
            ["tenureFactor"],
            [*([f">= {y}", f] for y, f in reversed(table.tenure)), ["", 1]],
        ),
        _table_node(
            "kind",
            ["kind"],
            ["kindFactor"],
            [*([_cell(k), f] for k, f in table.kinds.items()), ["", 1]],
        ),
        {
            "id": "goodwill",
            "name": "goodwill",
            "type": "expressionNode",
            "position": {"x": 0, "y": 0},
            "content": {
                "passThrough": True,
                "expressions": [
                    {"id": key, "key": key, "value": value} for key, value in expressions.items()
                ],
            },
        },
        _table_node("authority", ["goodwill"], ["granted", "escalate"], authority_rows),
        {"id": "response", "name": "response", "type": "outputNode", "position": {"x": 0, "y": 0}},
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": nodes,
        "edges": [
            {
                "id": f"edge-{number}",
                "type": "edge",
                "sourceId": source["id"],
                "targetId": target["id"],
            }
            for number, (source, target) in enumerate(itertools.pairwise(nodes))
        ],
    }


def zen_facts(ticket: Ticket) -> Facts:
    facts = plain_facts(ticket)
    facts["loss"] = float(facts["loss"])
    return facts


def zen_engine(table: Table = DEFAULT) -> Engine:
    # The graph sits in the engine's static loader and is evaluated by key: that ran about
    # five times faster here than ZenDecision.evaluate() on a decision made once with
    # create_decision() (zen-engine 2.1.3; compare gorules/zen#441).
    engine = zen.ZenEngine(
        {"loader": {"type": "static", "content": {"goodwill": zen_graph(table)}}}
    )

    def decide(facts: Facts) -> Answer:
        result = engine.evaluate("goodwill", facts)["result"]
        return (
            Decimal(str(result["owed"])),
            Decimal(str(result["goodwill"])),
            Decimal(str(result["granted"])),
            result.get("escalate"),
        )

    return Engine("zen-engine", zen_facts, decide)


ENGINES: tuple[Callable[[Table], Engine], ...] = (
    rule_engine_engine,
    business_rules_engine,
    zen_engine,
)


def _runs(
    engines: Sequence[Engine], batch: Sequence[Ticket]
) -> Iterator[tuple[str, Callable[[], None]]]:
    for engine in engines:
        prepared = [engine.facts(ticket) for ticket in batch]

        def run(
            decide: Callable[[Facts], Answer] = engine.decide, prepared: list[Facts] = prepared
        ) -> None:
            for facts in prepared:
                decide(facts)

        yield engine.name, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repetitions, for CI")
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    count, repeats = (50, 3) if options.quick else (options.tickets, options.repeats)
    policy = Policy.default("USD")
    batch = tickets(count)
    bare = make_plugin_manager(builtins=False, load_entrypoints=False)
    engines = [build(DEFAULT) for build in ENGINES]
    checked = [*batch, *edge_tickets()]
    expected = resolved(checked)
    try:
        for engine in engines:
            check_agreement(engine, checked, expected)
    except Disagreement as disagreement:
        print(disagreement, file=sys.stderr)
        return 1

    figures = [decide(issue, customer, policy, plugins=bare) for issue, customer in batch]
    if [(d.owed, d.goodwill, d.granted_now, d.escalate_to) for d in figures] != expected[:count]:
        print("decide() disagrees with resolve()", file=sys.stderr)
        return 1

    def run_resolve() -> None:
        for issue, customer in batch:
            resolve(issue, customer, policy, plugins=bare)

    def run_explained() -> None:
        # resolve() leaves the explanation to be worked out when first read: read all of it.
        for issue, customer in batch:
            resolution = resolve(issue, customer, policy, plugins=bare)
            resolution.reasons, resolution.alternatives, resolution.key  # noqa: B018

    def run_decide() -> None:
        for issue, customer in batch:
            decide(issue, customer, policy, plugins=bare)

    runs = [
        ("resolve()", run_resolve),
        ("resolve(), read", run_explained),
        ("decide()", run_decide),
        *_runs(engines, batch),
    ]
    # Interleave so that machine noise hits every side alike.
    timings: dict[str, list[float]] = {name: [] for name, _ in runs}
    for _ in range(repeats):
        for name, run in runs:
            timings[name].append(median_seconds(run, 1))
    micros = {name: statistics.median(values) / count * 1e6 for name, values in timings.items()}
    ours = ("resolve()", "resolve(), read", "decide()")
    ratios = {name: micros[name] / micros["resolve()"] for name in micros if name != "resolve()"}
    against_read = {
        name: micros[name] / micros["resolve(), read"] for name in micros if name not in ours
    }
    against_decide = {
        name: micros[name] / micros["decide()"] for name in micros if name not in ours
    }
    if options.json:
        print(
            json.dumps(
                {
                    "tickets": count,
                    "repeats": repeats,
                    "agree": True,
                    "us_per_ticket": micros,
                    "ratio_to_resolve": ratios,
                    "ratio_to_resolve_read": against_read,
                    "ratio_to_decide": against_decide,
                }
            )
        )
        return 0
    print(
        f"tickets: {count} (and {len(checked) - count} edge cases checked), "
        f"repeats: {repeats}, answers agree: yes"
    )
    print(f"{'':16} {'us per ticket':>14} {'/ resolve()':>12} {'/ read':>7} {'/ decide()':>11}")
    for name, value in micros.items():
        ratio = f"{ratios[name]:12.2f}" if name in ratios else f"{'':12}"
        read = f"{against_read[name]:7.2f}" if name in against_read else f"{'':7}"
        other = f"{against_decide[name]:11.2f}" if name in against_decide else ""
        print(f"{name:16} {value:14.1f} {ratio} {read} {other}")
    print(
        "resolve() works its reasons, alternatives and key out when they are first read;\n"
        "'resolve(), read' reads all three, the whole explanation, which no engine gives."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
