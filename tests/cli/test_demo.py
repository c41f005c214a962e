from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from steward import Client
from steward.cli import demo as demo_command
from steward.cli.demo import ALIAS, DEPLOYMENT, MODEL
from steward.cli.demo.data import TARGET, make_churn_data
from steward.cli.demo.story import ALERT_RULE, POLICY
from steward.cli.main import app
from steward.core.errors import PolicyViolationError
from steward.settings import Settings
from tests.cli.conftest import Registry
from tests.servers import free_port, stop, wait_ready


def payload_versions(home: Path) -> Counter[str]:
    """Requests in the payload log, by the version that answered."""
    files = sorted((home / "payloads" / f"deployment={DEPLOYMENT}").rglob("*.parquet"))
    return Counter(v for f in files for v in pq.read_table(f, columns=["version"]).column(0).to_pylist())


@pytest.mark.slow  # the whole story, twice: a minute or two
def test_demo_tells_the_story_then_serves_and_runs_again(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[tuple[Settings, str, int]] = []

    def fake_serve(settings: Settings, host: str, port: int) -> None:
        served.append((settings, host, port))

    monkeypatch.setattr(demo_command, "serve", fake_serve)
    result = registry.run("demo", "--port", "8765")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"Console:    http://127.0.0.1:8765/models/{MODEL}" in result.stdout
    assert f"--uri {registry.uri} approvals list --model {MODEL}" in result.stdout
    assert f"Refused by policy {POLICY}" in result.stdout
    assert [(host, port) for _, host, port in served] == [("127.0.0.1", 8765)]
    assert served[0][0].uri == registry.uri

    with Client(registry.uri) as client:
        weak, good, retrained = (client.get(f"{MODEL}/{n}") for n in (1, 2, 3))
        assert weak.aliases == () and client.get(f"{MODEL}@{ALIAS}").version == 3
        weak_runs, good_runs = client.validation_runs(weak.ref), client.validation_runs(good.ref)
        assert [r.passed for r in weak_runs] == [False] and "metric:roc_auc" in weak_runs[0].failed
        assert [r.passed for r in good_runs] == [True]
        with pytest.raises(PolicyViolationError):  # the refusal still holds
            client.set_alias(MODEL, ALIAS, 1)
        assert [e.version for e in client.alias_history(MODEL, ALIAS)] == [2, 3]  # never on version 1

        requests = sorted(client.approvals(model=MODEL), key=lambda r: r.id)
        assert [(r.version, r.target, r.requested_by) for r in requests] == [
            (2, ALIAS, "dana"),
            (3, ALIAS, "dana"),
        ]
        for request in requests:
            approvers = request.approvers
            assert len(approvers) == 2 and len(set(approvers)) == 2 and "dana" not in approvers
        assert good.created_by == retrained.created_by == "dana"

        (run,) = client.retraining_runs(MODEL)
        assert (run.state, run.trigger, run.parent, run.candidate) == (
            "succeeded",
            "alert",
            good.ref,
            retrained.ref,
        )
        assert run.validation_passed is True and run.approval == requests[1].id
        assert retrained.lineage.parent == good.ref
        assert [r.passed for r in client.validation_runs(retrained.ref)] == [True]

        (rollout,) = client.rollouts(DEPLOYMENT)
        assert (rollout.state, rollout.challenger) == ("promoted", retrained.ref)
        assert [e.kind for e in rollout.history][-1] == "promoted"
        assert [e.weight for e in rollout.history if e.kind in ("start", "step")] == [20.0, 50.0, 100.0]

        deployment = client.get_deployment(DEPLOYMENT)
        assert [(r.ref, r.weight) for r in deployment.spec.routes] == [(f"{MODEL}@{ALIAS}", 100.0)]
        (alert,) = client.alerts(deployment=DEPLOYMENT)  # the drift alert, once
        assert alert.rule == ALERT_RULE and alert.version == good.ref and alert.value is not None
        assert alert.value >= 0.5
        shares = client.figures(DEPLOYMENT, "drift.share", version=good.ref)
        assert [f.value is not None and f.value >= 0.5 for f in shares] == [False, True]

        sample = make_churn_data(rows=5, seed=1).drop(columns=TARGET)
        predictions = client.load(good).predict(sample)
    assert len(predictions) == 5 and set(predictions) <= {0, 1}
    home = Path(os.environ["STEWARD_HOME"])
    logged = payload_versions(home)  # a record per request of 20 rows: normal, drifted, then the canary's
    assert logged[good.ref] > 2 * 500 // 20 and logged[retrained.ref] > 0
    assert set(logged) == {good.ref, retrained.ref}

    again = registry.run("demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "Console:" not in again.stdout and "/docs" not in again.stdout  # no server, no URLs
    assert f"{MODEL}@{ALIAS} now points to {MODEL}/6" in again.stdout
    with Client(registry.uri) as client:
        assert client.get(MODEL).version == 6
        assert client.get(f"{MODEL}@{ALIAS}").version == 6
        assert client.get(f"{MODEL}/4").aliases == ()
        assert len(client.approvals(model=MODEL)) == 4
        runs = client.retraining_runs(MODEL)
        assert [(r.state, r.candidate) for r in runs] == [
            ("succeeded", f"{MODEL}/6"),
            ("succeeded", f"{MODEL}/3"),
        ]
        assert [r.state for r in client.rollouts(DEPLOYMENT)] == ["promoted", "promoted"]
        assert len(client.get_policy(POLICY).source) > 0 and client.get_policy(POLICY).version == 1
        assert len(client.alerts(deployment=DEPLOYMENT)) == 2
    assert served == served[:1]  # --no-serve did not serve


def test_demo_refuses_a_control_plane_uri(registry: Registry) -> None:
    result = registry.runner.invoke(app, ["--uri", "http://127.0.0.1:9", "demo", "--no-serve"])
    assert result.exit_code == 2
    assert "runs its own inference server" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow  # the whole story in a real process, then the console
def test_demo_leaves_the_console_running(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "STEWARD_HOME": str(tmp_path / "home"), "STEWARD_USER": "tester"}
    env.pop("STEWARD_URI", None)
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "demo", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_ready(process, f"http://127.0.0.1:{port}/api/v1/health", log, timeout=300)
            page = httpx.get(f"http://127.0.0.1:{port}/models/{MODEL}", timeout=30)
            assert page.status_code == 200 and f"/models/{MODEL}/versions/3" in page.text
            for path in ("/retraining/1", f"/deployments/{DEPLOYMENT}/rollout", f"/monitoring/{DEPLOYMENT}"):
                assert httpx.get(f"http://127.0.0.1:{port}{path}", timeout=60).status_code == 200, path
        finally:
            stop(process)
    printed = log.read_text()
    assert f"Console:    http://127.0.0.1:{port}/models/{MODEL}" in printed
    assert f"Retraining: http://127.0.0.1:{port}/retraining/1" in printed
    assert "Traceback" not in printed


def test_demo_refuses_sign_in_on(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_AUTH", "on")
    before = registry.counts()
    result = registry.run("demo", "--no-serve")
    assert result.exit_code == 2
    assert "needs sign-in off" in result.output and "Traceback" not in result.output
    assert registry.counts() == before  # nothing written


def test_demo_checks_the_console_port_before_the_story(registry: Registry) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        before = registry.counts()
        result = registry.run("demo", "--port", str(port))
    assert result.exit_code == 4
    assert f"Port {port}" in result.output and "Traceback" not in result.output
    assert registry.counts() == before  # refused before anything was registered
