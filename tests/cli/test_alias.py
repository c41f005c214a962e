from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import Registry


def test_set_rollback_delete_and_history(seeded: Registry) -> None:
    moved = seeded.run("alias", "set", "churn", "challenger", "1", "--reason", "shadow test")
    assert moved.exit_code == 0, moved.output
    assert "churn@challenger -> churn/1 (was unset)" in moved.stdout

    back = seeded.run("alias", "rollback", "churn", "champion", "--json")
    assert back.exit_code == 0, back.output
    event = json.loads(back.stdout)
    assert (event["version"], event["previous_version"], event["reason"]) == (1, 2, "rollback")

    deleted = seeded.run("alias", "delete", "churn", "challenger", "-r", "done")
    assert deleted.exit_code == 0, deleted.output
    assert "Deleted churn@challenger (was churn/1)" in deleted.stdout

    with seeded.client() as client:
        assert client.get_model("churn").aliases == {"champion": 1}

    history = json.loads(seeded.run("alias", "history", "churn", "champion", "--json").stdout)
    assert [(e["previous_version"], e["version"]) for e in history] == [(None, 1), (1, 2), (2, 1)]
    assert [e["reason"] for e in history] == ["first", "better auc", "rollback"]

    table = seeded.run("alias", "history", "churn")
    assert table.exit_code == 0, table.output
    assert "challenger" in table.stdout and "(deleted)" in table.stdout and "shadow test" in table.stdout


def test_at(seeded: Registry) -> None:
    now = datetime.now(UTC)
    result = seeded.run("alias", "at", "churn", "champion", now.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == 2

    before = (now - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = seeded.run("alias", "at", "churn", "champion", before)
    assert earlier.exit_code == 0, earlier.output
    assert "pointed to no version" in earlier.stdout

    plain = seeded.run("alias", "at", "churn", "champion", now.isoformat())
    assert "pointed to churn/2" in plain.stdout
