from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import Registry


def test_list_filters(seeded: Registry) -> None:
    result = seeded.run("audit", "list")
    assert result.exit_code == 0, result.output
    for action in ("model.create", "version.register", "alias.set"):
        assert action in result.stdout
    assert "version: 1 -> 2" in result.stdout  # the champion move, as a change

    moves = json.loads(seeded.run("audit", "list", "--target", "churn@champion", "--json").stdout)
    assert [e["action"] for e in moves["items"]] == ["alias.set", "alias.set"]
    assert [e["reason"] for e in moves["items"]] == ["first", "better auc"]

    registrations = json.loads(seeded.run("audit", "list", "--action", "version.register", "--json").stdout)
    assert [e["target"] for e in registrations["items"]] == ["churn/1", "churn/2"]

    future = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert json.loads(seeded.run("audit", "list", "--since", future, "--json").stdout)["items"] == []
    until = json.loads(seeded.run("audit", "list", "--until", future, "--max-results", "2", "--json").stdout)
    assert len(until["items"]) == 2 and until["next_page_token"]
