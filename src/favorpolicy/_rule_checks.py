"""The checks a policy's rules pass when it is built: none may break the bias contract.

A rule's conditions must let every worse case through (more loss, severity,
lateness or tenure, a higher tier, a fault more the business's), and its
amounts must not fall as a case gets worse. Each error names the rule's path,
such as ``rules[1].when[0]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Final

from ._canon import canonical
from ._model import Fault
from ._policy_parts import invalid
from ._rules import DOWN_OPS, SET_OPS, UP_OPS, Condition, Op, Owe, Rule, fact_of, named_fact

__all__ = ["check_rules", "check_worse_when"]

_WORSE: Final = frozenset({"higher", "lower"})
_FAULT_ORDER: Final = (Fault.CUSTOMER, Fault.SHARED, Fault.UNKNOWN, Fault.BUSINESS)


def check_worse_when(value: object) -> Mapping[str, str]:
    """The policy's ``worse_when``: facts of its own, each "higher" or "lower" when worse."""
    if not isinstance(value, Mapping):
        raise invalid("worse_when", value, "is not a mapping of fact to 'higher' or 'lower'")
    checked: dict[str, str] = {}
    for fact, way in value.items():
        path = f"worse_when.{fact}"
        if not isinstance(fact, str) or named_fact(fact) is None:
            raise invalid(path, fact, "is not facts.NAME or customer.facts.NAME")
        if not isinstance(way, str) or way not in _WORSE:
            raise invalid(path, way, "is not 'higher' or 'lower'")
        checked[fact] = way
    return dict(sorted(checked.items()))


def _worse(fact: str, worse_when: Mapping[str, str]) -> str | None:
    found = fact_of(fact)
    return worse_when.get(fact) or (found.worse if found is not None else None)


def _matched_set(condition: Condition, universe: tuple[Any, ...]) -> set[Any]:
    op, value = condition.op, condition.value
    if op is Op.EQ:
        return {item for item in universe if item == value}
    if op is Op.NE:
        return {item for item in universe if item != value}
    if op is Op.IN:
        return {item for item in universe if item in value}
    if op is Op.NOT_IN:
        return {item for item in universe if item not in value}
    return set()  # missing: a fault and a tier are never missing


def _fault_set_ok(matched: set[Fault]) -> str | None:
    """Why a rule that gives to the faults *matched* would give a better case less."""
    if Fault.CUSTOMER in matched and len(matched) < len(Fault):
        return "gives to a customer fault but not to every other fault"
    if Fault.SHARED in matched and Fault.BUSINESS not in matched:
        return "gives to a shared fault but not to a business fault"
    if (Fault.BUSINESS in matched) != (Fault.UNKNOWN in matched):
        return "treats an unknown fault apart from a business fault (the benefit of the doubt)"
    return None


def _check_condition(  # the condition, where it stands, and which way
    path: str,
    condition: Condition,
    tiers: tuple[str, ...],
    worse: str | None,
    *,
    giving: bool,
    where: str,
) -> None:
    """A condition in ``when`` (*giving*) must let every worse case through; one in
    ``unless`` must leave every worse case out of its exclusion."""
    op, fact = condition.op, condition.fact
    if fact == "fault":
        matched = _matched_set(condition, _FAULT_ORDER)
        kept = matched if giving else set(_FAULT_ORDER) - matched
        problem = _fault_set_ok(kept)
        if problem is not None:
            raise invalid(path, f"{fact} {op} {canonical(condition.value)}", problem)
        return
    if fact == "customer.tier":
        matched = _matched_set(condition, tiers)
        unknown = set(condition.value if op in SET_OPS else (condition.value,)) - set(tiers)
        if op is not Op.MISSING and unknown:
            raise invalid(path, sorted(unknown), f"names tiers the policy has not ({tiers})")
        positions = sorted(tiers.index(tier) for tier in matched)
        upward = not positions or positions == list(range(positions[0], len(tiers)))
        downward = not positions or positions == list(range(positions[-1] + 1))
        if (giving and not upward) or (not giving and not downward):
            raise invalid(
                path,
                f"{fact} {op} {canonical(condition.value)}",
                "would give a higher tier less than a lower one"
                + (
                    " (a review rule holds goodwill back)" if where == "when" and not giving else ""
                ),
            )
        return
    if worse is None or op is Op.MISSING:
        return
    allowed = (
        (UP_OPS if worse == "higher" else DOWN_OPS)
        if giving
        else (DOWN_OPS if worse == "higher" else UP_OPS)
    )
    if op not in allowed:
        ways = " or ".join(sorted(allowed))
        raise invalid(
            path,
            f"{fact} {op} {canonical(condition.value)}",
            f"would give less as {fact} gets worse ({worse} is worse); in {where} it may "
            f"only use {ways}",
        )


def _check_owe(path: str, owe: Owe, currency: str, worse_when: Mapping[str, str]) -> None:
    if owe.amount is not None and owe.amount.currency != currency:
        raise invalid(f"{path}.amount", owe.amount, f"is not in the policy's currency {currency!r}")
    for index, band in enumerate(owe.bands):
        if band.owe.currency != currency:
            raise invalid(
                f"{path}.bands[{index}].owe",
                band.owe,
                f"is not in the policy's currency {currency!r}",
            )
    if not owe.bands:
        return
    worse = _worse(owe.by, worse_when)  # type: ignore[arg-type]  # bands have by
    amounts = [band.owe.amount for band in owe.bands]
    if worse == "higher":
        if owe.bands[-1].upto is not None:
            raise invalid(
                f"{path}.bands[{len(owe.bands) - 1}].upto",
                owe.bands[-1].upto,
                f"ends the table, so a higher {owe.by} would owe nothing; leave the last "
                "band without upto",
            )
        steps = itertools.pairwise(amounts)
        if any(later < earlier for earlier, later in steps):
            raise invalid(f"{path}.bands", [str(a) for a in amounts], f"falls as {owe.by} grows")
    if worse == "lower" and any(later > earlier for earlier, later in itertools.pairwise(amounts)):
        raise invalid(f"{path}.bands", [str(a) for a in amounts], f"falls as {owe.by} falls")


def check_rules(
    rules: tuple[Rule, ...],
    *,
    currency: str,
    tiers: tuple[str, ...],
    worse_when: Mapping[str, str],
) -> None:
    """Refuse rules that could break the bias contract; each error names its path.

    A rule's conditions must let every worse case through (more loss, severity,
    lateness, tenure, a higher tier, a fault more the business's), its amounts
    must not fall as a case gets worse, and its amounts must be in *currency*.
    """
    names: dict[str, int] = {}
    for index, rule in enumerate(rules):
        path = f"rules[{index}]"
        if not isinstance(rule, Rule):
            raise invalid(path, rule, "is not a Rule")
        if rule.name in names:
            raise invalid(f"{path}.name", rule.name, f"is also rules[{names[rule.name]}]'s name")
        names[rule.name] = index
        # A rule that gives must reach every worse case; a review rule, which only holds
        # goodwill back for approval, the other way round: never a better case alone.
        gives = not rule.review
        for number, condition in enumerate(rule.when):
            _check_condition(
                f"{path}.when[{number}]",
                condition,
                tiers,
                _worse(condition.fact, worse_when),
                giving=gives,
                where="when",
            )
        for group_number, group in enumerate(rule.unless):
            for number, condition in enumerate(group):
                _check_condition(
                    f"{path}.unless[{group_number}][{number}]",
                    condition,
                    tiers,
                    _worse(condition.fact, worse_when),
                    giving=not gives,
                    where="unless",
                )
        if rule.owe is not None:
            _check_owe(f"{path}.owe", rule.owe, currency, worse_when)
            if rule.owe.share is not None and _worse(rule.owe.of, worse_when) == "lower":
                raise invalid(
                    f"{path}.owe.of", rule.owe.of, "falls as the case gets worse; share of it"
                )
        if rule.goodwill_floor is not None and rule.goodwill_floor.currency != currency:
            raise invalid(
                f"{path}.goodwill_floor",
                rule.goodwill_floor,
                f"is not in the policy's currency {currency!r}",
            )
