"""``steward deploy``: create, change, show, roll back, promote; bad input is one line and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import Registry, assert_clean_failure

USAGE, NOT_FOUND, CONFLICT = 2, 3, 4


def state(registry: Registry) -> tuple[Any, ...]:
    """What a failed command must leave unchanged: the registry counts and every deployment revision."""
    with registry.client() as client:
        deployments = [(d.name, d.revision) for d in client.list_deployments()]
    return registry.counts(), deployments


@pytest.fixture
def deployed(seeded: Registry) -> Registry:
    """``churn-api``: churn@champion=90 churn/1=10, revision 1."""
    result = seeded.run("deploy", "create", "churn-api", "churn@champion=90", "churn/1=10", "-r", "launch")
    assert result.exit_code == 0, result.output
    assert "Created churn-api: revision 1, routes churn@champion=90 churn/1=10." in result.stdout
    return seeded


def test_create_show_update_promote_rollback(deployed: Registry) -> None:
    shown = deployed.run("deploy", "show", "churn-api")
    assert shown.exit_code == 0, shown.output
    lines = [" ".join(line.replace("│", " ").split()) for line in shown.stdout.splitlines()]
    assert "route churn@champion 90 churn/2" in lines and "route churn/1 10 churn/1" in lines
    assert "reason launch" in lines and "batching off" in lines

    updated = deployed.run(
        "deploy", "update", "churn-api", "churn@champion=50", "churn/1=50", "--shadow", "churn/2",
        "--sticky-header", "X-User", "--fallback", "churn/1", "--batch-size", "8", "--log-sample-rate", "0.1",
        "--json",
    )  # fmt: skip
    assert updated.exit_code == 0, updated.output
    spec = json.loads(updated.stdout)["spec"]
    assert spec["shadows"] == ["churn/2"] and spec["sticky_header"] == "X-User"
    assert spec["batching"] == {"enabled": True, "max_batch_size": 8, "max_wait_ms": 5.0}
    assert spec["fallback"] == "churn/1" and spec["log_sample_rate"] == 0.1

    promoted = deployed.run("deploy", "promote", "churn-api", "churn/1", "--reason", "canary wins")
    assert promoted.exit_code == 0, promoted.output
    assert "Promoted churn-api: revision 3, routes churn/1=100." in promoted.stdout

    back = deployed.run("deploy", "rollback", "churn-api")
    assert back.exit_code == 0, back.output
    assert "Rolled back churn-api: revision 4, routes churn@champion=50 churn/1=50." in back.stdout

    history = json.loads(deployed.run("deploy", "history", "churn-api", "--json").stdout)
    assert [(h["revision"], h["reason"]) for h in history] == [
        (1, "launch"), (2, ""), (3, "canary wins"), (4, "rollback"),
    ]  # fmt: skip
    table = deployed.run("deploy", "history", "churn-api")
    assert table.exit_code == 0 and "canary wins" in table.stdout

    old = json.loads(deployed.run("deploy", "show", "churn-api", "--revision", "1", "--json").stdout)
    assert old["revision"] == 1 and old["resolved"] == {"churn@champion": "churn/2", "churn/1": "churn/1"}

    listed = deployed.run("deploy", "list")
    assert listed.exit_code == 0 and "churn-api" in listed.stdout and "churn/2" in listed.stdout
    assert [d["revision"] for d in json.loads(deployed.run("deploy", "list", "--json").stdout)] == [4]
    with deployed.client() as client:
        actions = [e.action for e in client.audit(max_results=1000).items if e.target == "churn-api"]
    assert actions == ["deployment.create", "deployment.update", "deployment.promote", "deployment.rollback"]


def test_a_single_ref_takes_all_traffic_and_show_follows_the_alias(deployed: Registry) -> None:
    made = deployed.run("deploy", "create", "solo", "churn@champion", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["spec"]["routes"] == [{"ref": "churn@champion", "weight": 100.0}]
    assert deployed.run("alias", "set", "churn", "champion", "1").exit_code == 0
    shown = json.loads(deployed.run("deploy", "show", "solo", "--json").stdout)
    assert shown["resolved"] == {"churn@champion": "churn/1"}
    assert deployed.run("alias", "delete", "churn", "champion").exit_code == 0
    table = deployed.run("deploy", "show", "solo")
    assert table.exit_code == 0 and "(does not resolve)" in table.stdout


CASES = [
    (["deploy", "create", "churn-api", "churn/1"], CONFLICT, "already exists"),
    (["deploy", "create", "Bad_Name", "churn/1"], USAGE, "Invalid deployment name"),
    (["deploy", "create", "new", "churn/1=60", "churn/2=30"], USAGE, "add up to 90, not 100"),
    (["deploy", "create", "new", "churn/1=110", "churn/2=-10"], USAGE, "outside 0-100"),
    (["deploy", "create", "new", "churn/1=abc"], USAGE, "is not a number"),
    (["deploy", "create", "new", "churn/1", "churn/2"], USAGE, "REF=WEIGHT"),
    (["deploy", "create", "new", "churn"], USAGE, "not just a model"),
    (["deploy", "create", "new", "churn/latest"], USAGE, "not just a model"),
    (["deploy", "create", "new", "churn@ghost"], NOT_FOUND, "Route churn@ghost does not resolve"),
    (["deploy", "create", "new", "churn/9"], NOT_FOUND, "no version 9 (latest is 2)"),
    (["deploy", "create", "new", "fraud/1"], NOT_FOUND, "no version 1 (it has no versions yet)"),
    (["deploy", "create", "new", "nope/1"], NOT_FOUND, "No model named 'nope'"),
    (["deploy", "create", "new", "churn/1", "--shadow", "churn@ghost"], NOT_FOUND, "Shadow churn@ghost"),
    (["deploy", "create", "new", "churn/1", "--shadow", "churn/1"], USAGE, "both a route and a shadow"),
    (["deploy", "create", "new", "churn/1", "--fallback", "churn/7"], NOT_FOUND, "Fallback churn/7"),
    (["deploy", "create", "new", "churn/1", "--sticky-header", "a b"], USAGE, "sticky header"),
    (["deploy", "create", "new", "churn/1", "--batch-size", "0"], USAGE, "max_batch_size"),
    (["deploy", "create", "new", "churn/1", "--batch-size", "many"], USAGE, "--batch-size"),
    (["deploy", "create", "new", "churn/1", "--batch-wait-ms", "5000"], USAGE, "max_wait_ms"),
    (["deploy", "create", "new", "churn/1", "--log-sample-rate", "2"], USAGE, "log_sample_rate"),
    (["deploy", "create", "new"], USAGE, "Missing argument"),
    (["deploy", "update", "nope", "churn/1"], NOT_FOUND, "No deployment named 'nope'"),
    (["deploy", "update", "churn-api", "churn/1=50"], USAGE, "add up to 50"),
    (["deploy", "show", "nope"], NOT_FOUND, "No deployment named 'nope'"),
    (["deploy", "show", "churn-api", "--revision", "5"], NOT_FOUND, "no revision 5 (current is 1)"),
    (["deploy", "show", "churn-api", "--revision", "0"], USAGE, "Invalid revision"),
    (["deploy", "history", "nope"], NOT_FOUND, "No deployment named"),
    (["deploy", "rollback", "churn-api"], CONFLICT, "no earlier revision"),
    (["deploy", "rollback", "nope"], NOT_FOUND, "No deployment named"),
    (["deploy", "promote", "churn-api", "churn/2"], USAGE, "churn/2 is not a route"),
    (["deploy", "promote", "churn-api", "churn/x"], USAGE, "Invalid model reference"),
    (["deploy", "promote", "nope", "churn/1"], NOT_FOUND, "No deployment named"),
    (["deploy", "list", "--bogus"], USAGE, "--bogus"),
]


@pytest.mark.parametrize(("args", "code", "fragment"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(deployed: Registry, args: list[str], code: int, fragment: str) -> None:
    before = state(deployed)
    result = deployed.run(*args)
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert state(deployed) == before
