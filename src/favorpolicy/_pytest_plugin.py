"""favorpolicy's pytest plugin, registered through the ``pytest11`` entry point.

Fixtures:

- ``favorpolicy_pm``: a fresh plugin manager (built-ins and installed entry
  points), closed after the test;
- ``recording_sink``: a :class:`~favorpolicy.testing.RecordingSink` registered
  in ``favorpolicy_pm``.

It needs nothing beyond favorpolicy and pytest, so loading it never fails in a
project that has not installed Hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._plugins import PluginManager
    from ._recording import RecordingSink

# pytest loads this module in every run of every project where favorpolicy is
# installed, so favorpolicy itself loads only when a test asks for a fixture.


@pytest.fixture
def favorpolicy_pm() -> Iterator[PluginManager]:
    """A fresh favorpolicy plugin manager with the built-ins and installed plugins."""
    from ._plugins import make_plugin_manager  # noqa: PLC0415  # favorpolicy loads only when a test asks for a fixture

    manager = make_plugin_manager()
    yield manager
    manager.close()


@pytest.fixture
def recording_sink(favorpolicy_pm: PluginManager) -> RecordingSink:
    """A RecordingSink registered in ``favorpolicy_pm``."""
    from ._recording import RecordingSink  # noqa: PLC0415  # favorpolicy loads only when a test asks for a fixture

    sink = RecordingSink()
    favorpolicy_pm.register(sink, name="recording_sink")
    return sink
