"""The fuzzers' seeds: the project's own valid inputs, one folder per target."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
TICKETS = sorted((ROOT / "examples" / "tickets").glob("*.json"))
POLICIES = sorted((ROOT / "examples" / "policies").glob("*.toml"))


def seeds(target: str) -> list[bytes]:
    """Valid inputs for *target*, for the fuzzers to mutate."""
    tickets = [path.read_bytes() for path in TICKETS]
    # The shop's policy, and the five written from the law: rules, bands, unless groups.
    policies = [path.read_bytes() for path in [ROOT / "examples" / "policy.toml", *POLICIES]]
    if target in ("ticket_json", "cli_resolve"):
        return tickets
    if target == "policy_toml":
        return policies
    if target == "policy_dict":
        import tomllib  # noqa: PLC0415
        from decimal import Decimal  # noqa: PLC0415

        return [
            json.dumps(tomllib.loads(policy.decode(), parse_float=Decimal), default=str).encode()
            for policy in policies
        ]
    if target == "tickets_jsonl":
        return [b"\n".join(json.dumps(json.loads(ticket)).encode() for ticket in tickets) + b"\n"]
    if target == "tickets_csv":
        return [
            (
                b"customer_id,tier,since,issue_id,kind,fault,loss,severity,conduct,occurred_at\n"
                b'C-1,plus,2021-04-01,T-1,late,unknown,25.00,3,"it, was ""late""",'
                b"2026-03-14T10:00:00+00:00\nC-2,,,T-2,damaged,business,99.90,,,\n"
            )
        ]
    raise KeyError(target)


def seed_files(target: str) -> Path:
    """A folder holding *target*'s seeds, one file each (libFuzzer's corpus)."""
    folder = Path(tempfile.mkdtemp(prefix=f"favorpolicy-{target}-"))
    for number, data in enumerate(seeds(target)):
        (folder / f"seed-{number}").write_bytes(data)
    return folder
