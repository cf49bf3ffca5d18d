"""The public surface: names, version, packaging and the demo."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from importlib.resources import files

import favorpolicy
import favorpolicy.testing
from favorpolicy import exceptions


class TestPublicNames:
    def test_all_is_sorted_and_complete(self) -> None:
        assert sorted(favorpolicy.__all__) == favorpolicy.__all__
        required = {
            "Money", "Customer", "Issue", "Remedy", "Policy", "Resolution", "Reason",
            "Fault", "RemedyKind", "resolve", "FavorPolicyError", "InvalidMoney",
            "CurrencyMismatch", "InvalidIssue", "InvalidPolicy", "UnknownRole",
        }  # fmt: skip
        assert required <= set(favorpolicy.__all__)
        for name in favorpolicy.__all__:
            assert hasattr(favorpolicy, name), name

    def test_testing_all_is_sorted(self) -> None:
        assert sorted(favorpolicy.testing.__all__) == favorpolicy.testing.__all__

    def test_every_error_is_a_favorpolicy_error_and_the_builtin_it_resembles(self) -> None:
        for name in exceptions.__all__:
            error = getattr(exceptions, name)
            assert issubclass(error, exceptions.FavorPolicyError)
            if error in (exceptions.UndeliveredEvents, exceptions.LedgerError):
                # A delivery or storage problem, not a bad value.
                assert issubclass(error, RuntimeError), name
            elif error is exceptions.ContractViolation:
                # A broken promise found by a test: it fails the test as assert does.
                assert issubclass(error, AssertionError), name
            elif error is not exceptions.FavorPolicyError:
                assert issubclass(error, ValueError), name

    def test_version_comes_from_the_installed_metadata(self) -> None:
        assert version("favorpolicy") == favorpolicy.__version__

    def test_ships_py_typed(self) -> None:
        assert files("favorpolicy").joinpath("py.typed").is_file()


class TestDemo:
    def test_python_m_favorpolicy_explains_each_example_ticket(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "favorpolicy"], capture_output=True, text=True, check=True
        )
        assert "" == done.stderr
        assert 5 == done.stdout.count("reasons:")
        for ticket in ("T-1001", "T-1002", "T-1003", "T-1004", "T-1005"):
            assert f"Issue {ticket} " in done.stdout
        assert "[pricing_error_honoured]" in done.stdout
        assert "[escalated]" in done.stdout

    def test_a_reader_that_stops_early_ends_the_demo_quietly(self) -> None:
        # As with `python -m favorpolicy | head`: the pipe closes before the output is written.
        with subprocess.Popen(
            [sys.executable, "-m", "favorpolicy"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as demo:
            assert demo.stdout is not None
            assert demo.stderr is not None
            demo.stdout.close()
            errors = demo.stderr.read().decode()
            assert 1 == demo.wait(timeout=60)
        assert "" == errors
