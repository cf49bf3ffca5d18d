"""Decision-table analysis: the gaps and overlaps of a table declared complete.

As DMN's decision-table analysis does (OMG DMN 1.4, §8.2.8; Calvanese et al., "Semantic
DMN", 2018), each fact the table's rules or scope test is cut into *cells* at the values
their conditions name: below the first value, each value, between two, above the last
(numbers, dates and datetimes); each value named and "any other text" (text); each of
the values there are (bools, faults, the policy's tiers); and the fact missing. Every
condition is true on a whole cell or false on a whole cell, so one value of a cell
answers for all of it.

The walk splits on one fact at a time, keeps the rules that the cell leaves possible,
and stops splitting once no rule is left: that region of the scope is a *gap*. A ticket
two or more rules match is an *overlap*; under favorpolicy's hit policy every matching
rule applies and the customer-favouring one wins, so an overlap is reported, not
refused. The facts are taken as independent: the analysis does not know that
``days_late`` and ``hours_late`` move together, or that a fact holds only one type.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from ._model import Fault
from ._money import CONTEXT
from ._policy import Policy
from ._rule_facts import FACTS, MISSING
from ._rules import SET_OPS, Condition, Op, Rule, Table, family_of

__all__ = ["Cell", "Gap", "Overlap", "TableAnalysis", "analyse_tables"]

#: Facts every ticket has: no "missing" cell.
_ALWAYS: Final = frozenset(
    {"kind", "fault", "loss", "severity", "customer.tier", "customer.prior_remedies"}
)
#: The lowest and highest value a number fact can hold (None: no end).
_BOUNDS: Final[Mapping[str, tuple[int | None, int | None]]] = {
    "severity": (1, 5),
    "loss": (0, None),
    "order_value": (0, None),
    "customer.lifetime_value": (0, None),
    "customer.tenure_years": (0, None),
    "customer.prior_remedies": (0, None),
}
#: A table whose walk takes more steps than this (each cell visited, and each rule tried
#: on it) is not analysed: it is too large.
MAX_STEPS: Final = 1_000_000
_ORDERED: Final = ("number", "date", "datetime")


@attrs.frozen
class Cell:
    """One part of a fact's values, on which each condition is wholly true or false.

    *kind* is ``missing`` (the ticket lacks the fact), ``point`` (the one *value*),
    ``between`` (the values of *family* strictly between *low* and *high*; None is no
    end), ``other`` (any text but those *named*), ``another_type`` (a named fact's value
    of a family none of *named*) or ``present`` (any value at all).
    *example* is the value the conditions are tried on.
    """

    kind: str
    example: object
    family: str = ""
    low: object = None
    high: object = None
    named: tuple[object, ...] = ()

    def contains(self, value: object) -> bool:
        """Whether *value* (a fact's value, or MISSING) lies in this cell."""
        if self.kind == "missing":
            return value is MISSING
        if self.kind == "present":
            return value is not MISSING
        if self.kind == "another_type":
            return value is not MISSING and family_of(value) not in self.named
        if family_of(value) != self.family:
            return False
        if self.kind == "point":
            return value == self.example
        if self.kind == "other":
            return value not in self.named
        low, high = self.low, self.high
        return (low is None or value > low) and (high is None or value < high)  # type: ignore[operator]  # one ordered family


#: A region of the scope: for each fact named, the cells (by index) it may be in; a fact
#: not named may hold any value.
_Region = Mapping[str, frozenset[int]]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fault):
        return value.value
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _describe(fact: str, cells: Sequence[Cell], chosen: Iterable[int]) -> str:
    """*fact*'s cells *chosen*, in words: ``facts.uptime_percent ≥ 99.99``."""
    indices = sorted(chosen)
    picked = {index: cells[index] for index in indices}
    parts: list[str] = []
    run: list[int] = []
    for index, cell in picked.items():
        ordered = cell.kind in {"point", "between"} and cell.family in _ORDERED
        if run and not (ordered and run[-1] == index - 1 and cells[run[-1]].family == cell.family):
            parts.append(_range(fact, cells[run[0]], cells[run[-1]]))
            run = []
        if ordered:
            run.append(index)
        elif cell.kind == "missing":
            parts.append(f"{fact} is missing")
        elif cell.kind == "present":
            parts.append(f"{fact} is given")
    if run:
        parts.append(_range(fact, cells[run[0]], cells[run[-1]]))
    parts.extend(_unordered(fact, cells, picked))
    parts.extend(
        f"{fact} is not a {' or a '.join(map(str, cell.named))}"
        for cell in picked.values()
        if cell.kind == "another_type"
    )
    return " or ".join(parts)


def _unordered(fact: str, cells: Sequence[Cell], picked: Mapping[int, Cell]) -> list[str]:
    """The text, bool, fault and tier cells among *picked*, in words."""
    other = next((cell for cell in picked.values() if cell.kind == "other"), None)
    points = [
        cell for cell in picked.values() if cell.kind == "point" and cell.family not in _ORDERED
    ]
    if other is not None:  # any text but those not picked
        left_out = [
            cell.example
            for cell in cells
            if cell.kind == "point" and cell.family == "text" and cell not in points
        ]
        shown = ", ".join(_shown(value) for value in left_out)
        rest = [point for point in points if point.family != "text"]
        text = (
            f"{fact} is any text"
            if not left_out
            else f"{fact} is not {shown}"
            if len(left_out) == 1
            else f"{fact} is none of {shown}"
        )
        return [text, *_unordered(fact, cells, dict(enumerate(rest)))] if rest else [text]
    if not points:
        return []
    if len(points) == 1:
        return [f"{fact} = {_shown(points[0].example)}"]
    return [f"{fact} in {', '.join(_shown(point.example) for point in points)}"]


def _range(fact: str, first: Cell, last: Cell) -> str:
    if first is last and first.kind == "point":
        return f"{fact} = {_shown(first.example)}"
    low = (
        (f"{_shown(first.example)} ≤ ", f"≥ {_shown(first.example)}")
        if first.kind == "point"
        else (None if first.low is None else (f"{_shown(first.low)} < ", f"> {_shown(first.low)}"))
    )
    high = (
        f"≤ {_shown(last.example)}"
        if last.kind == "point"
        else (None if last.high is None else f"< {_shown(last.high)}")
    )
    if low is None and high is None:
        return f"{fact} is any {first.family}"
    if low is None:
        return f"{fact} {high}"
    if high is None:
        return f"{fact} {low[1]}"
    return f"{low[0]}{fact} {high}"


def _inside(where: Mapping[str, tuple[Cell, ...]], values: Mapping[str, object]) -> bool:
    return all(
        any(cell.contains(values.get(fact, MISSING)) for cell in cells)
        for fact, cells in where.items()
    )


@attrs.frozen
class Gap:
    """Tickets in a table's scope that no rule of the table matches."""

    #: For each fact named, the cells it is in; a fact not named may hold any value.
    where: Mapping[str, tuple[Cell, ...]]
    description: str

    def contains(self, values: Mapping[str, object]) -> bool:
        """Whether a ticket whose facts are *values* (a fact left out is missing) lies here."""
        return _inside(self.where, values)

    def __str__(self) -> str:
        return self.description


@attrs.frozen
class Overlap:
    """Tickets that these rules of a table, and no other, all match."""

    rules: tuple[str, ...]
    #: For each fact named, the cells it is in; a fact not named may hold any value.
    where: Mapping[str, tuple[Cell, ...]]
    description: str

    def contains(self, values: Mapping[str, object]) -> bool:
        """Whether a ticket whose facts are *values* (a fact left out is missing) lies here."""
        return _inside(self.where, values)

    def __str__(self) -> str:
        names = ", ".join(repr(name) for name in self.rules)
        return f"{names} all match {self.description}"


@attrs.frozen
class TableAnalysis:
    """What the analysis of one table found."""

    table: str
    gaps: tuple[Gap, ...]
    overlaps: tuple[Overlap, ...]
    #: The cells each fact the table tests was cut into, in order.
    cells: Mapping[str, tuple[Cell, ...]] = attrs.field(factory=dict)
    #: The walk would take more than MAX_STEPS steps, so the table was not analysed.
    too_large: bool = False

    @property
    def complete(self) -> bool:
        """Whether every ticket in the scope is matched by a rule of the table."""
        return not self.gaps and not self.too_large


# ---- cells -----------------------------------------------------------------------------------


def _values(conditions: Iterable[Condition]) -> list[object]:
    found: list[object] = []
    for condition in conditions:
        if condition.op is Op.MISSING:
            continue
        found.extend(condition.value if condition.op in SET_OPS else (condition.value,))
    return found


def _between(fact: str, family: str, low: object, high: object) -> object | None:
    """A value strictly between *low* and *high* (None: no end), or None if there is none."""
    if family == "number":
        if _whole(fact):  # counts: severity, days, hours, years
            example: object = (
                math.ceil(high) - 1  # type: ignore[call-overload]  # a number
                if low is None
                else math.floor(low) + 1  # type: ignore[call-overload]  # a number
            )
        elif low is None:
            example = CONTEXT.subtract(Decimal(high), 1)  # type: ignore[arg-type]  # a number
        elif high is None:
            example = CONTEXT.add(Decimal(low), 1)  # type: ignore[arg-type]  # a number
        else:
            total = CONTEXT.add(Decimal(low), Decimal(high))  # type: ignore[arg-type]  # numbers
            example = CONTEXT.divide(total, 2)
    else:
        step = timedelta(days=1) if family == "date" else timedelta(seconds=1)
        try:
            if low is None:
                example = high - step  # type: ignore[operator]  # a date or datetime
            elif high is None or family == "date":
                example = low + step  # type: ignore[operator]  # a date or datetime
            else:
                example = low + (high - low) / 2  # type: ignore[operator]  # datetimes
        except OverflowError:  # past date.max or before date.min: no day is there
            return None
    inside = (low is None or example > low) and (high is None or example < high)  # type: ignore[operator]  # one family
    return example if inside else None


def _whole(fact: str) -> bool:
    """Whether *fact* holds only whole numbers: the counts (severity, days, hours, years)."""
    found = FACTS.get(fact)
    return found is not None and found.kind == "number"


def _ordered_cells(fact: str, family: str, points: list[object]) -> list[Cell]:
    lowest, highest = _BOUNDS.get(fact, (None, None)) if family == "number" else (None, None)
    marks = set(points) | {bound for bound in (lowest, highest) if bound is not None}
    marks = {
        mark
        for mark in marks
        if (lowest is None or mark >= lowest) and (highest is None or mark <= highest)  # type: ignore[operator]  # numbers
    }
    ordered: list[object] = sorted(marks)  # type: ignore[type-var]  # one ordered family
    whole = family == "number" and _whole(fact)
    cells: list[Cell] = []
    edges: list[object] = [None, *ordered, None]
    for index, mark in enumerate([*ordered, None]):
        low, high = edges[index], mark
        outside = (low is None and lowest is not None) or (high is None and highest is not None)
        if not outside:
            example = _between(fact, family, low, high)
            if example is not None:
                cells.append(Cell("between", example, family, low, high))
        # 7.5 days is no ticket's: it cuts the days, but is no cell of its own.
        if mark is not None and not (whole and mark != math.floor(mark)):  # type: ignore[call-overload]  # a number
            cells.append(Cell("point", mark, family))
    return cells


#: Text facts a ticket never holds as "" (it is read as missing), and those held in upper
#: case (a region, a country): a condition on another form names no ticket's value.
_NEVER_EMPTY: Final = frozenset({"channel", "region", "country", "category"})
_UPPER: Final = frozenset({"region", "country", "customer.region", "customer.country"})
#: One value of each family, for the cell of a named fact's values of a family no
#: condition names (a text where the rules compare numbers).
_OF_FAMILY: Final[Mapping[str, object]] = {
    "text": "",
    "number": 0,
    "bool": False,
    "date": date(2000, 1, 1),
    "datetime": datetime(2000, 1, 1, tzinfo=UTC),
}


def _other_text(named: Iterable[object]) -> str:
    """A text none of *named* is."""
    taken = set(named)
    text = "\x00another text"
    while text in taken:
        text += "\x00"
    return text


def _possible(fact: str, value: object) -> bool:
    """Whether a ticket can hold *value* as *fact*: "" is missing, a region upper case."""
    if not isinstance(value, str):
        return True
    if fact.removeprefix("customer.") in _NEVER_EMPTY and value == "":
        return False
    return fact not in _UPPER or value == value.upper()


def _cells(fact: str, conditions: Sequence[Condition], tiers: tuple[str, ...]) -> list[Cell]:
    """The cells of *fact*'s values, cut at the values *conditions* name."""
    cells = [] if fact in _ALWAYS else [Cell("missing", MISSING)]
    if fact == "fault":
        return cells + [Cell("point", fault, "fault") for fault in Fault]
    if fact == "customer.tier":
        return cells + [Cell("point", tier, "text") for tier in tiers]
    by_family: dict[str, list[object]] = {}
    for value in _values(conditions):
        by_family.setdefault(family_of(value) or "text", []).append(value)
    if not by_family:  # only ``missing`` is tested
        return [*cells, Cell("present", True)]
    for family in ("bool", "number", "date", "datetime", "fault", "text"):
        named = by_family.get(family)
        if named is None:
            continue
        if family in _ORDERED:
            cells.extend(_ordered_cells(fact, family, named))
        elif family == "bool":
            cells.extend(Cell("point", flag, "bool") for flag in (False, True))
        elif family == "fault":
            cells.extend(Cell("point", fault, "fault") for fault in Fault)
        else:
            unique = sorted(set(named), key=str)
            cells.extend(Cell("point", text, "text") for text in unique if _possible(fact, text))
            cells.append(Cell("other", _other_text(unique), "text", named=tuple(unique)))
    if fact not in FACTS:  # a named fact may hold a value of any family
        unnamed = [family for family in _OF_FAMILY if family not in by_family]
        if unnamed:
            cells.append(
                Cell("another_type", _OF_FAMILY[unnamed[0]], named=tuple(sorted(by_family)))
            )
    return cells


# ---- the walk --------------------------------------------------------------------------------


@attrs.frozen
class _Part:
    """A rule (or the table's scope), as what each of its conditions says on each cell.

    ``when[fact][cell]`` is whether every ``when`` condition on *fact* holds there;
    ``unless[fact][cell]`` has bit *g* set when every condition of ``unless`` group *g*
    on *fact* holds there (a group that does not test *fact* always has its bit set).
    """

    name: str
    when: Mapping[str, tuple[bool, ...]]
    unless: Mapping[str, tuple[int, ...]]
    #: One bit for each ``unless`` group.
    groups: int
    facts: frozenset[str]


def _holds(conditions: Iterable[Condition], value: object) -> bool:
    return all(condition.test_parts()[1](value) for condition in conditions)


def _part(
    name: str,
    when: tuple[Condition, ...],
    unless: tuple[tuple[Condition, ...], ...],
    cells: Mapping[str, Sequence[Cell]],
) -> _Part:
    when_facts = {c.fact for c in when}
    unless_facts = {c.fact for group in unless for c in group}
    truth = {
        fact: tuple(
            _holds((c for c in when if c.fact == fact), cell.example) for cell in cells[fact]
        )
        for fact in when_facts
    }
    bits = {
        fact: tuple(
            sum(
                1 << number
                for number, group in enumerate(unless)
                if _holds((c for c in group if c.fact == fact), cell.example)
            )
            for cell in cells[fact]
        )
        for fact in unless_facts
    }
    return _Part(name, truth, bits, (1 << len(unless)) - 1, frozenset(when_facts | unless_facts))


class _TooLarge(Exception):
    pass


#: What a leaf of the walk found: () for a gap, or the names of the two or more rules that
#: all match (an overlap).
_Label = tuple[str, ...]
#: A rule still possible at a node, and the bits of its ``unless`` groups whose conditions
#: all hold so far.
_Active = tuple[tuple[_Part, int], ...]


@attrs.define
class _Walk:
    facts: tuple[str, ...]
    cells: Mapping[str, list[Cell]]
    scope: _Part
    #: Steps taken: each node, and each rule tried at it.
    steps: int = 0

    def regions(self, index: int, scope_bits: int, active: _Active) -> list[tuple[_Label, _Region]]:
        """The gaps and overlaps under this node, as regions over ``facts[index:]``; the
        regions of one finding that differ only in this fact's cell are merged."""
        self.steps += 1 + len(active)
        if self.steps > MAX_STEPS:
            raise _TooLarge
        if index == len(self.facts):
            if scope_bits:  # every condition of one of the scope's unless groups holds
                return []
            matched = tuple(sorted(part.name for part, bits in active if not bits))
            return [(matched, {})] if len(matched) != 1 else []
        fact = self.facts[index]
        if fact not in self.scope.facts and not any(fact in part.facts for part, _ in active):
            return self.regions(index + 1, scope_bits, active)
        found: dict[tuple[_Label, tuple[tuple[str, frozenset[int]], ...]], set[int]] = {}
        scope_when = self.scope.when.get(fact)
        scope_unless = self.scope.unless.get(fact)
        for number in range(len(self.cells[fact])):
            if scope_when is not None and not scope_when[number]:
                continue
            kept = tuple(_step(part, bits, fact, number) for part, bits in active)
            below = self.regions(
                index + 1,
                scope_bits if scope_unless is None else scope_bits & scope_unless[number],
                tuple(item for item in kept if item is not None),
            )
            for label, region in below:
                found.setdefault((label, tuple(sorted(region.items()))), set()).add(number)
        everything = frozenset(range(len(self.cells[fact])))
        merged: list[tuple[_Label, _Region]] = []
        for (label, rest), numbers in found.items():
            region = dict(rest)
            if frozenset(numbers) != everything:
                region[fact] = frozenset(numbers)
            merged.append((label, region))
        return merged


def _step(part: _Part, bits: int, fact: str, number: int) -> tuple[_Part, int] | None:
    """The rule at the next node, once *fact* is in cell *number*; None if it cannot match."""
    when = part.when.get(fact)
    if when is not None and not when[number]:
        return None
    unless = part.unless.get(fact)
    return (part, bits if unless is None else bits & unless[number])


def _in_order(region: _Region, facts: Sequence[str]) -> list[tuple[str, frozenset[int]]]:
    return sorted(region.items(), key=lambda item: facts.index(item[0]))


def _where(
    cells: Mapping[str, list[Cell]], region: _Region, facts: Sequence[str]
) -> dict[str, tuple[Cell, ...]]:
    return {
        fact: tuple(cells[fact][i] for i in sorted(chosen))
        for fact, chosen in _in_order(region, facts)
    }


def _words(cells: Mapping[str, list[Cell]], region: _Region, facts: Sequence[str]) -> str:
    if not region:
        return "every ticket in the table's scope"
    # One clause a fact, all of which hold: "kind = 'outage'; facts.uptime_percent < 95".
    return "; ".join(
        _describe(fact, cells[fact], chosen) for fact, chosen in _in_order(region, facts)
    )


def analyse(table: Table, rules: Sequence[Rule], tiers: tuple[str, ...]) -> TableAnalysis:
    """The gaps and overlaps of *table*, whose *rules* are the policy's rules it names."""
    conditions: dict[str, list[Condition]] = {}
    for condition in (
        *table.when,
        *(c for group in table.unless for c in group),
        *(c for rule in rules for c in rule.when),
        *(c for rule in rules for group in rule.unless for c in group),
    ):
        conditions.setdefault(condition.fact, []).append(condition)
    # The scope's facts first: a gap then reads from the scope inward.
    in_scope = {c.fact for c in (*table.when, *(c for group in table.unless for c in group))}
    facts = tuple(sorted(conditions, key=lambda fact: (fact not in in_scope, fact)))
    cells = {fact: _cells(fact, conditions[fact], tiers) for fact in facts}
    cut = {fact: tuple(cells[fact]) for fact in facts}
    scope = _part("", table.when, table.unless, cells)
    parts = tuple(
        (_part(rule.name, rule.when, rule.unless, cells), (1 << len(rule.unless)) - 1)
        for rule in rules
    )
    try:
        found = _Walk(facts, cells, scope).regions(0, scope.groups, parts)
    except _TooLarge:
        return TableAnalysis(table.name, (), (), cut, too_large=True)
    gaps = tuple(
        Gap(_where(cells, region, facts), _words(cells, region, facts))
        for label, region in found
        if not label
    )
    overlaps = tuple(
        Overlap(label, _where(cells, region, facts), _words(cells, region, facts))
        for label, region in sorted(found, key=lambda item: item[0])
        if label
    )
    return TableAnalysis(table.name, gaps, overlaps, cut)


def analyse_tables(policy: Policy) -> tuple[TableAnalysis, ...]:
    """What DMN's decision-table analysis finds in each of *policy*'s tables declared
    complete (``Policy.tables``): the gaps, and the overlaps, naming the rules."""
    by_name = {rule.name: rule for rule in policy.rules}
    return tuple(
        analyse(table, [by_name[name] for name in table.rules], policy.tiers)
        for table in policy.tables
    )
