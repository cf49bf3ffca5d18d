"""A durable ledger of decisions, with an outbox for their notifications.

A business that lets its front line decide on the spot needs to know
afterwards what was granted, be sure the owner heard about every abuse flag
and escalation, and learn from its mistakes. The :class:`Ledger` keeps all of
that in one SQLite file (WAL mode, schema versions and migrations):

- :meth:`Ledger.record` stores a resolution under its decision key, once: the
  same resolution again returns the stored one, a different one is an error;
- its events go to an outbox in the same transaction, and :meth:`Ledger.deliver`
  (the relay) hands them to the sinks at least once, in order per key, with
  retries, backoff and a dead-letter state;
- the policy's goodwill :class:`~favorpolicy.Budget` s are counted here,
  atomically, even with many threads and processes writing;
- :meth:`Ledger.report` and :meth:`Ledger.export` show what happened, and
  :meth:`Ledger.history` a customer's recent claims.

See docs/ledger.md for the exact delivery guarantees.
"""

from ._claims import History
from ._escalations import Approval
from ._ledger import Ledger, resolve_and_record, resolve_and_record_many
from ._relay import DeadLetter, DeliveryReport
from ._report import LedgerReport
from ._schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "Approval",
    "DeadLetter",
    "DeliveryReport",
    "History",
    "Ledger",
    "LedgerReport",
    "resolve_and_record",
    "resolve_and_record_many",
]
