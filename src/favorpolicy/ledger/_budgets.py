"""Goodwill budgets, counted in the ledger: what each period has granted on the spot.

The count for a budget's period is one row, read and written in the same
transaction as the decision that spends from it. SQLite takes its write lock
when that transaction begins, so two writers can never both see the same
"left" and overspend; the arithmetic of holding back is :func:`hold_back`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from .._budget import goodwill_now, hold_back
from .._model import Resolution
from .._money import Money
from .._policy import Budget, Policy
from ._rows import amount
from ._store import Connection, Store

__all__ = ["Budgets"]


class Budgets:
    """The policy's goodwill budgets, applied as decisions are recorded."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def apply(
        self,
        conn: Connection,
        resolution: Resolution,
        policy: Policy | None,
        now: datetime,
        spent_so_far: dict[tuple[str, str, str], Money] | None = None,
        *,
        already: Money | None = None,
    ) -> tuple[Resolution, list[tuple[str, str, str, str]]]:
        """Hold back what the budgets do not cover; return it, and the spending to write.

        *spent_so_far*, when given, carries what this call has spent already,
        for decisions recorded together before their spending is written.
        *already* is the goodwill the claim's earlier decisions granted on the
        spot: counted then, it is not counted again.
        """
        budgets = () if policy is None else policy.budgets_for(resolution.role)
        if not budgets:
            return resolution, []
        currency = resolution.total.currency
        known = {} if spent_so_far is None else spent_so_far

        def spent_in(budget: Budget, window: str) -> Money:
            place = (budget.label, window, currency)
            if place not in known:
                known[place] = self._spent(conn, budget, window, currency)
            return known[place]

        tightest: tuple[Money, Budget, str] | None = None
        for budget in budgets:
            window = budget.window(now)
            left = max(budget.limit - spent_in(budget, window), budget.limit * 0)
            if tightest is None or left < tightest[0]:
                tightest = (left, budget, window)
        assert tightest is not None  # budgets is not empty
        left, budget, window = tightest
        stored = hold_back(
            resolution,
            policy,  # type: ignore[arg-type]  # budgets come only from a policy
            left,
            why=f"the {budget.label} budget of {budget.limit} for {window}",
            already=already,
        )
        spent = goodwill_now(stored) - (stored.owed * 0 if already is None else already)
        spent = max(spent, spent * 0)
        uses = []
        if spent.amount:
            for budget in budgets:
                window = budget.window(now)
                total = known[budget.label, window, currency] = spent_in(budget, window) + spent
                uses.append((budget.label, window, currency, amount(total)))
        return stored, uses

    @staticmethod
    def _spent(conn: Connection, budget: Budget, window: str, currency: str) -> Money:
        row = conn.execute(
            "SELECT spent FROM budget_use WHERE budget = ? AND window = ? AND currency = ?",
            (budget.label, window, currency),
        ).fetchone()
        return Money(Decimal(row[0]) if row else 0, currency)

    def spent(self, budget: Budget, at: datetime | None = None) -> Money:
        """What *budget* has granted on the spot in the period that *at* (default: now) is in."""
        moment = self._clock() if at is None else at
        with self._store.read() as conn:
            return self._spent(conn, budget, budget.window(moment), budget.limit.currency)
