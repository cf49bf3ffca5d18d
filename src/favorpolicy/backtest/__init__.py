"""Backtests: run a policy over many tickets and add up what it would have cost.

This is what ``favorpolicy simulate`` runs. From Python::

    from favorpolicy.backtest import example_tickets, report, run_backtest

    outcome = run_backtest(example_tickets(1000, "BRL", policy.tiers), [policy])
    print(report(outcome))

Tickets come from files (:func:`file_tickets`, CSV or JSON Lines), the Olist
e-commerce data (:func:`olist_tickets`) or a seeded example set
(:func:`example_tickets`); every source streams. See docs/simulate.md.
"""

from ._examples import ExampleSet, example_tickets
from ._olist import olist_tickets
from ._report import plot, report
from ._run import Backtest, Summary, Totals, run_backtest
from ._sources import CSV_COLUMNS, BadRow, Skip, Ticket, file_tickets

__all__ = [
    "CSV_COLUMNS",
    "Backtest",
    "BadRow",
    "ExampleSet",
    "Skip",
    "Summary",
    "Ticket",
    "Totals",
    "example_tickets",
    "file_tickets",
    "olist_tickets",
    "plot",
    "report",
    "run_backtest",
]
