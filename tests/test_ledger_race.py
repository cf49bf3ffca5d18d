"""Many processes opening a ledger that does not exist yet, at the same moment (issue 15, 9).

Each must end with its decision recorded: the file's first writer is not
taken for another application's database by the ones that lose the race.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from favorpolicy import Customer, Fault, Issue, Money, Policy, resolve
from favorpolicy.ledger import Ledger

PROCESSES = 8
ROUNDS = 12


def _open_and_record(path: str, number: int, start: Barrier) -> None:
    policy = Policy.default("BRL")
    issue = Issue(f"T-{number}", "late", Fault.UNKNOWN, Money("10", "BRL"))
    resolution = resolve(issue, Customer(f"C-{number}"), policy, plugins=None)
    start.wait()
    with Ledger(path, timeout=30) as ledger:
        ledger.record(resolution, policy=policy)


def test_every_process_records_when_all_create_the_file_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")  # fast, so the opens really meet
    for round_ in range(ROUNDS):
        path = str(tmp_path / f"new-{round_}.db")
        start = context.Barrier(PROCESSES)
        workers = [
            context.Process(target=_open_and_record, args=(path, number, start))
            for number in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [0] * PROCESSES == [worker.exitcode for worker in workers], f"round {round_}"
        with Ledger(path) as ledger:
            assert PROCESSES == len(ledger)
