"""The must-hold: a challenger that breaks a guardrail is rolled back automatically, with zero
failed client requests during the rollback.

Real processes: ``steward server`` (its rollout controller ticking every 0.3 s) and ``steward
serve`` (reading the deployment from the store, logging payloads, hot-swapping) on loopback
ports, sharing one SQLite store and payload folder; four client threads send requests the whole
time. The challenger is a plain-Python model that either sleeps 80 ms a call (it breaks the 40 ms
p99 guardrail) or answers 3x where the champion answers 2x (it breaks the prediction-drift
guardrail), without a single error: every answer, before, during and after the rollback, is 200.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pandas as pd
import pytest

from steward import Client
from steward.app import Steward
from steward.core.rollout import Guardrails, RolloutPlan
from steward.settings import Settings
from tests.servers import free_port, stop, wait_ready
from tests.services.rollout_models import Scorer
from tests.serving.process import steward_serve

pytestmark = pytest.mark.slow

NAME = "scorer-api"


class Clients:
    """*count* threads posting /invocations in turn; every (status, version) answer is kept."""

    def __init__(self, url: str, count: int = 4) -> None:
        self.url = url
        self.answers: list[tuple[int, str]] = []
        self.finished: list[float] = []  # when each answer came back (monotonic), in step with answers
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(count)]

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, number: int) -> None:
        body = {"dataframe_split": {"columns": ["x"], "data": [[float(number)]]}}
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.post("/invocations", json=body)
                    answer = (response.status_code, response.headers.get("steward-model-version", ""))
                except httpx.TransportError as exc:  # a refused or dropped connection is a failure too
                    answer = (0, type(exc).__name__)
                with self._lock:
                    self.answers.append(answer)
                    self.finished.append(time.monotonic())

    def count(self) -> int:
        with self._lock:
            return len(self.answers)

    def since(self, index: int) -> list[tuple[int, str]]:
        with self._lock:
            return self.answers[index:]


@contextmanager
def control_plane(folder: Path, uri: str) -> Iterator[str]:
    """``steward server`` with its rollout controller ticking every 0.3 s."""
    port = free_port()
    env = {**os.environ, "STEWARD_HOME": str(folder / "home"), "STEWARD_USER": "server"}
    env |= {
        "STEWARD_ROLLOUT_INTERVAL": "0.3",
        "STEWARD_MONITOR_INTERVAL": "0",
        "STEWARD_WEBHOOK_INTERVAL": "0",
    }
    env.pop("STEWARD_URI", None)
    env.pop("STEWARD_ARTIFACTS", None)
    log = folder / "control-plane.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "--uri", uri, "server", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, f"{url}/api/v1/health", log)
        yield url
    finally:
        stop(process)


def wait_for(check: str, predicate: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"never saw {check}")


CASES = {
    # sleeps 80 ms a call: breaks the 40 ms p99 guardrail
    "slow": (Scorer(delay=0.08), Guardrails(max_error_rate=0.0, max_p99_ms=40.0), "p99 latency"),
    # answers 3x where the champion answers 2x: breaks the prediction-drift guardrail
    "drifting": (Scorer(factor=3.0), Guardrails(max_error_rate=0.0, max_drift=0.5), "prediction drift"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_challenger_breaking_a_guardrail_is_rolled_back_and_no_client_request_fails(
    tmp_path: Path, case: str
) -> None:
    challenger, guardrails, broken = CASES[case]
    uri = f"sqlite:///{tmp_path / 's.db'}"
    settings = Settings.resolve(uri, actor="olga", env={"STEWARD_HOME": str(tmp_path / "home")})
    example = pd.DataFrame({"x": [1.0, 2.0]})
    with Client(settings=settings) as client:
        client.register(Scorer(), "scorer", input_example=example, capture_code=False)
        client.register(challenger, "scorer", input_example=example, capture_code=False)
        client.set_alias("scorer", "champion", 1)
        client.create_deployment(NAME, "scorer@champion")
    plan = RolloutPlan(
        NAME,
        "scorer/2",
        steps=(30.0, 60.0, 100.0),
        step_seconds=600.0,
        min_requests=15,
        guardrails=guardrails,
    )
    with (
        Steward.open(settings) as steward,
        control_plane(tmp_path, uri),
        steward_serve(tmp_path, uri, NAME) as served,
        Clients(served.url) as clients,
    ):
        wait_for("answers from the champion", lambda: clients.count() > 20)
        began = time.monotonic()
        started = steward.rollouts.start(plan, actor="olga", reason="faster features")
        mark = clients.count()
        wait_for("the challenger answering", lambda: any(v == "scorer/2" for _, v in clients.since(mark)))
        wait_for("the rollback", lambda: not steward.rollouts.get(started.id).running)
        finished = steward.rollouts.get(started.id)
        seen_at = time.monotonic()
        rolled_back_at = clients.count()
        # every answer from now on comes from the champion: past the data plane's swap
        wait_for(
            "the champion alone", lambda: clients.since(clients.count() - 40).count((200, "scorer/1")) == 40
        )
        settled = clients.count()
        wait_for("more answers after the swap", lambda: clients.count() > settled + 40)
        after = clients.since(settled)
    assert finished.state == "rolled_back", finished
    assert f"guardrail broken at 30%: {broken}" in finished.reason
    assert finished.step == 0 and [h.kind for h in finished.history] == ["start", "rolled_back"]
    assert steward_routes(settings) == [("scorer@champion", 100.0)]
    assert set(after) == {(200, "scorer/1")}
    statuses = {status for status, _ in clients.answers}
    assert statuses == {200}, [a for a in clients.answers if a[0] != 200][:5]
    served_by = {version for _, version in clients.answers}
    assert served_by == {"scorer/1", "scorer/2"}
    last_challenger = max(
        t for t, (_, v) in zip(clients.finished, clients.answers, strict=True) if v == "scorer/2"
    )
    print(
        f"{len(clients.answers)} requests, all 200; {rolled_back_at - mark} during the canary; "
        f"start -> rollback seen {seen_at - began:.2f} s; last challenger answer "
        f"{last_challenger - seen_at:+.2f} s after it; rollback reason: {finished.reason}"
    )


def steward_routes(settings: Settings) -> list[tuple[str, float]]:
    with Steward.open(settings) as steward:
        return [(r.ref, r.weight) for r in steward.deployments.get(NAME).spec.routes]
