"""favorpolicy's loggers, made when first needed.

:mod:`logging` takes longer to load than most of favorpolicy, and most
programs never see a favorpolicy log record. So ``import favorpolicy`` does
not load it: the modules that log reach their loggers through this one, when
they first log or when they are themselves loaded.
"""

from __future__ import annotations

import logging

__all__ = ["logger"]

# A library logs, the application decides where the records go. Attached before
# any favorpolicy logger exists, so no record can reach logging's last-resort handler.
logging.getLogger("favorpolicy").addHandler(logging.NullHandler())


def logger(name: str) -> logging.Logger:
    """The logger *name* (below ``favorpolicy``), with the package's NullHandler in place."""
    return logging.getLogger(name)
