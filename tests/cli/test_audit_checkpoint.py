"""``steward audit verify --checkpoint/--from-seq``: incremental verification from a stored checkpoint."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Registry, assert_clean_failure


def test_a_checkpoint_file_makes_verify_incremental(seeded: Registry, tmp_path: Path) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    first = seeded.run("audit", "verify", "--checkpoint", str(checkpoint), "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    stored = json.loads(checkpoint.read_text())
    assert stored == {"seq": report["last_seq"], "hash": report["last_hash"]} and report["from_seq"] is None
    assert seeded.run("alias", "set", "churn", "staging", "1").exit_code == 0
    second = json.loads(seeded.run("audit", "verify", "--checkpoint", str(checkpoint), "--json").stdout)
    assert (second["ok"], second["checked"], second["from_seq"]) == (True, 1, stored["seq"])
    assert json.loads(checkpoint.read_text())["seq"] == stored["seq"] + 1
    with sqlite3.connect(seeded.folder / "s.db") as db:
        db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1")  # before the checkpoint
    assert seeded.run("audit", "verify", "--checkpoint", str(checkpoint)).exit_code == 0
    assert_clean_failure(seeded.run("audit", "verify"), 6)  # the full verification finds it
    seeded.run("alias", "set", "churn", "staging", "2")
    last = json.loads(checkpoint.read_text())
    with sqlite3.connect(seeded.folder / "s.db") as db:
        db.execute("UPDATE audit_events SET reason = 'hidden' WHERE seq = ?", (last["seq"] + 1,))
    broken = seeded.run("audit", "verify", "--checkpoint", str(checkpoint))
    assert_clean_failure(broken, 6)
    assert f"event #{last['seq'] + 1}" in broken.stderr
    assert json.loads(checkpoint.read_text()) == last  # a failed verification keeps the old checkpoint


def test_from_seq_and_bad_checkpoints(seeded: Registry, tmp_path: Path) -> None:
    ok = seeded.run("audit", "verify", "--from-seq", "3")
    assert ok.exit_code == 0 and "after checkpoint #3" in ok.stderr
    assert_clean_failure(seeded.run("audit", "verify", "--from-seq", "3", "--hash", "0" * 64), 6)
    assert_clean_failure(seeded.run("audit", "verify", "--hash", "0" * 64), 2)
    bad = tmp_path / "bad.checkpoint"
    bad.write_text("not json")
    assert_clean_failure(seeded.run("audit", "verify", "--checkpoint", str(bad)), 2)
    assert_clean_failure(seeded.run("audit", "verify", "--checkpoint", str(bad), "--from-seq", "2"), 2)
