"""The command line never destroys what it reads: every output option refuses to write over
an input, refuses an existing file unless --force, and writes through a temporary file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from favorpolicy import LedgerError, policy_from_toml
from favorpolicy.cli import main
from favorpolicy.ledger import Ledger

ROOT = Path(__file__).parent.parent
ENV = {"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"}
TICKET = ROOT / "examples" / "tickets" / "late.json"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    copy = tmp_path / "policy.toml"
    shutil.copy(ROOT / "examples" / "policy.toml", copy)
    return copy


@pytest.fixture
def shop(tmp_path: Path, policy: Path) -> Path:
    path = tmp_path / "shop.db"
    code, _, err = run("resolve", "--policy", str(policy), str(TICKET), "--record", str(path))
    assert (0, "") == (code, err)
    return path


def _intact(ledger: Path) -> int:
    with Ledger(ledger) as book:
        book.verify()
        return len(book)


class TestNeverOverAnInput:
    @pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
    def test_export_refuses_the_ledger_it_reads(self, shop: Path, suffix: str) -> None:
        target = Path(f"{shop}{suffix}")
        code, _, err = run("ledger", "export", "--ledger", str(shop), "-o", str(target), "--force")
        assert 2 == code
        assert f"{target}: is an input of this command" in err
        assert 1 == _intact(shop)

    def test_report_plot_refuses_the_ledger(self, shop: Path) -> None:
        code, _, err = run("ledger", "report", "--ledger", str(shop), "--plot", str(shop))
        assert 2 == code
        assert "is an input of this command" in err
        assert 1 == _intact(shop)

    def test_simulate_plot_refuses_the_policy(self, policy: Path) -> None:
        before = policy.read_bytes()
        code, _, err = run(
            "simulate", "--policy", str(policy), "--example", "10", "--plot", str(policy)
        )
        assert 2 == code
        assert "is an input of this command" in err
        assert before == policy.read_bytes()
        assert policy_from_toml(policy).name == "loja-da-esquina"

    def test_simulate_plot_refuses_an_olist_file(self, tmp_path: Path, policy: Path) -> None:
        olist = tmp_path / "olist"
        shutil.copytree(ROOT / "tests" / "data" / "olist", olist)
        orders = olist / "olist_orders_dataset.csv"
        before = orders.read_bytes()
        code, _, err = run(
            "simulate", "--policy", str(policy), "--olist", str(olist), "--plot", str(orders)
        )
        assert (2, before) == (code, orders.read_bytes())
        assert "is an input of this command" in err


class TestExistingFiles:
    def test_an_existing_file_needs_force(self, shop: Path, tmp_path: Path) -> None:
        out = tmp_path / "out.jsonl"
        out.write_text("keep me\n", encoding="utf-8")
        code, _, err = run("ledger", "export", "--ledger", str(shop), "-o", str(out))
        assert 2 == code
        assert f"{out}: exists; give --force to replace it" in err
        assert "keep me\n" == out.read_text(encoding="utf-8")
        code, _, _ = run("ledger", "export", "--ledger", str(shop), "-o", str(out), "--force")
        assert 0 == code
        assert '"key"' in out.read_text(encoding="utf-8")

    def test_a_new_file_is_written_and_nothing_is_left_beside_it(
        self, shop: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "new" / "out.csv"
        out.parent.mkdir()
        code, _, _ = run(
            "ledger", "export", "--ledger", str(shop), "--format", "csv", "-o", str(out)
        )
        assert 0 == code
        assert ["out.csv"] == [path.name for path in out.parent.iterdir()]
        assert out.read_text(encoding="utf-8").startswith("seq,key,")

    def test_a_failed_write_leaves_the_old_file_and_no_temporary(
        self, shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        out = tmp_path / "out.jsonl"
        out.write_text("the last good export\n", encoding="utf-8")

        def fail_half_way(self: Ledger, stream: object, **_: object) -> int:
            stream.write("half a line")  # type: ignore[attr-defined]
            raise LedgerError("ledger: the disk went away")

        monkeypatch.setattr(Ledger, "export", fail_half_way)
        code, _, err = run("ledger", "export", "--ledger", str(shop), "-o", str(out), "--force")
        assert 2 == code
        assert "the disk went away" in err
        assert "the last good export\n" == out.read_text(encoding="utf-8")
        assert not [path for path in tmp_path.iterdir() if path.suffix == ".tmp"]

    def test_standard_output_is_the_default(self, shop: Path) -> None:
        code, out, _ = run("ledger", "export", "--ledger", str(shop))
        assert 0 == code
        assert 1 == len(out.splitlines())
