"""Tools for testing code that uses favorpolicy, and favorpolicy itself.

Needs Hypothesis (``pip install 'favorpolicy[test]'``).

- Strategies: :func:`money`, :func:`customers`, :func:`issues`,
  :func:`policies`, :func:`rule_tables` and :func:`scenarios` generate valid values,
  edges included.
- The bias contract: :data:`CONTRACT` maps each rule's name to a check that
  raises :class:`ContractViolation`; :func:`check_policy` runs them all with
  Hypothesis against one policy.
- :func:`check_plugin` runs the whole contract with a plugin registered.
- :class:`RecordingSink` keeps the events delivered to it.
- :func:`register_profiles` registers the ``dev`` and ``ci`` Hypothesis profiles.
"""

from __future__ import annotations

from .._recording import RecordingSink
from ._contract import (
    CONTRACT,
    ContractViolation,
    Resolver,
    Scenario,
    authority,
    benefit_of_doubt,
    budget_holds_back_only_granted_now,
    business_fault_never_less,
    choices_never_give_less,
    close_calls_go_to_customer,
    deterministic,
    make_whole,
    monotone,
    no_negatives,
    required_kind_given,
    resolve_as,
    rounding_favours_customer,
    rule_order_never_matters,
    rules_are_floors,
)
from ._profiles import check_plugin, check_policy, register_profiles
from ._strategies import (
    currencies,
    customers,
    issues,
    money,
    policies,
    rule_tables,
    scenarios,
)

__all__ = [
    "CONTRACT",
    "ContractViolation",
    "RecordingSink",
    "Resolver",
    "Scenario",
    "authority",
    "benefit_of_doubt",
    "budget_holds_back_only_granted_now",
    "business_fault_never_less",
    "check_plugin",
    "check_policy",
    "choices_never_give_less",
    "close_calls_go_to_customer",
    "currencies",
    "customers",
    "deterministic",
    "issues",
    "make_whole",
    "money",
    "monotone",
    "no_negatives",
    "policies",
    "register_profiles",
    "required_kind_given",
    "resolve_as",
    "rounding_favours_customer",
    "rule_order_never_matters",
    "rule_tables",
    "rules_are_floors",
    "scenarios",
]
