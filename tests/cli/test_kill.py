"""``steward kill``: stop a deployment and revive it; bad input is one line and writes nothing."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Registry, assert_clean_failure
from tests.cli.test_deploy import CONFLICT, NOT_FOUND, USAGE, state


@pytest.fixture
def deployed(seeded: Registry) -> Registry:
    """``churn-api`` on churn/2 with fallback churn/1; ``bare`` on churn/2 without one."""
    for args in (["churn-api", "churn/2", "--fallback", "churn/1"], ["bare", "churn/2"]):
        result = seeded.run("deploy", "create", *args)
        assert result.exit_code == 0, result.output
    return seeded


def test_kill_and_revive(deployed: Registry) -> None:
    killed = deployed.run("kill", "deployment", "churn-api", "--reason", "incident 42")
    assert killed.exit_code == 0, killed.output
    assert "Stopped churn-api (revision 2): its fallback churn/1 answers." in killed.stdout
    bare = deployed.run("kill", "deployment", "bare", "-r", "leak", "--json")
    assert bare.exit_code == 0, bare.output
    assert json.loads(bare.stdout)["spec"]["killed"] == "leak"
    revived = deployed.run("kill", "revive", "churn-api", "--reason", "fixed")
    assert revived.exit_code == 0, revived.output
    assert "Revived churn-api: revision 3 serves its routes again." in revived.stdout
    with deployed.client() as client:
        assert [d.reason for d in client.deployment_history("churn-api")] == ["", "incident 42", "fixed"]
        assert client.resolve_deployment("bare").stopped == "leak"


def test_kill_a_version_and_list(deployed: Registry) -> None:
    killed = deployed.run("kill", "version", "churn/2", "--reason", "bad weights")
    assert killed.exit_code == 0, killed.output
    assert "Stopped churn/2 in every deployment: bad weights." in killed.stdout
    assert deployed.run("kill", "deployment", "bare", "-r", "leak").exit_code == 0
    listed = deployed.run("kill", "list", "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert [d["name"] for d in data["deployments"]] == ["bare"]
    assert [(v["ref"], v["reason"]) for v in data["versions"]] == [("churn/2", "bad weights")]
    with deployed.client() as client:
        assert [r.version.ref for r in client.resolve_deployment("churn-api").routes] == ["churn/1"]
    revived = deployed.run("kill", "revive-version", "churn/2", "--reason", "fine")
    assert revived.exit_code == 0 and "Revived churn/2" in revived.stdout
    assert "Nothing is stopped" not in deployed.run("kill", "list").stdout


CASES = [
    (["kill", "version", "churn/2"], USAGE, "needs a reason"),
    (["kill", "version", "churn/9", "-r", "x"], NOT_FOUND, "churn/9"),
    (["kill", "version", "churn", "-r", "x"], USAGE, "version"),
    (["kill", "revive-version", "churn/2", "-r", "x"], CONFLICT, "nothing to revive"),
    (["kill", "deployment", "churn-api"], USAGE, "needs a reason"),
    (["kill", "deployment", "churn-api", "--reason", " "], USAGE, "needs a reason"),
    (["kill", "deployment", "nope", "--reason", "x"], NOT_FOUND, "No deployment named 'nope'"),
    (["kill", "deployment", "Bad_Name", "--reason", "x"], USAGE, "Invalid deployment name"),
    (["kill", "revive", "churn-api", "--reason", "x"], CONFLICT, "nothing to revive"),
    (["kill", "revive", "churn-api"], USAGE, "needs a reason"),
    (["kill", "revive", "nope", "--reason", "x"], NOT_FOUND, "No deployment named"),
]


@pytest.mark.parametrize(("args", "code", "fragment"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(deployed: Registry, args: list[str], code: int, fragment: str) -> None:
    before = state(deployed)
    result = deployed.run(*args)
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert state(deployed) == before
