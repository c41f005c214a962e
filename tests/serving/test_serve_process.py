"""A real ``steward serve`` process: hot swaps under load, and a graceful stop under load."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from steward import Client
from tests.serving.conftest import DEPLOYMENT, Registry
from tests.serving.process import steward_serve
from tests.serving.requests import oip_columns, split

pytestmark = pytest.mark.slow
THREADS = 8


@dataclass(frozen=True)
class Answer:
    started: float
    ended: float
    status: int
    version: str


class Load:
    """*THREADS* clients sending OIP and MLflow requests until stopped; every answer is kept."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def wait_for(self, more: int, timeout: float = 60) -> None:
        """Until *more* answers than now have arrived (a busy machine is slow, not wrong)."""
        target = len(self.answers) + more
        deadline = time.monotonic() + timeout
        while len(self.answers) < target:
            assert time.monotonic() < deadline, f"only {len(self.answers)} answers: {self.failures[:3]}"
            time.sleep(0.02)

    def _run(self, number: int) -> None:
        oip, mlflow = oip_columns(2), split([[1, 20.0, "basic"], [50, None, "pro"]])
        with httpx.Client(base_url=self.url, timeout=30) as client:
            sent = 0
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    if (sent + number) % 2:
                        response = client.post(f"/v2/models/{DEPLOYMENT}/infer", json=oip)
                    else:
                        response = client.post("/invocations", json=mlflow)
                except httpx.TransportError as exc:  # the server went away: this client stops
                    with self._lock:
                        self.failures.append(f"{type(exc).__name__}: {exc}")
                    return
                answer = Answer(started, time.monotonic(), response.status_code,
                                response.headers.get("steward-model-version", ""))  # fmt: skip
                with self._lock:
                    self.answers.append(answer)
                    if response.status_code != 200 or answer.version != response.json()["model_version"]:
                        self.failures.append(f"{response.status_code}: {response.text[:200]}")
                sent += 1


def _wait_until_served(url: str, expected: set[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if set(httpx.get(f"{url}/version", timeout=5).json()["model_versions"]) == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server never served {expected}")


def test_hot_swaps_under_load_drop_nothing_and_name_a_live_version(
    registry: Registry, tmp_path: Path
) -> None:
    client = Client(registry.uri, actor="tester")
    client.create_deployment(DEPLOYMENT, {"churn@champion": 100})
    both = {"churn/1", "churn/2"}
    changes: list[tuple[Callable[[], object], set[str]]] = [
        (lambda: client.set_alias("churn", "champion", 2), {"churn/2"}),
        (lambda: client.update_deployment(DEPLOYMENT, {"churn@champion": 90, "churn/1": 10}), both),
        (lambda: client.rollback_deployment(DEPLOYMENT), {"churn/2"}),
        (lambda: client.rollback_alias("churn", "champion"), {"churn/1"}),
        (lambda: client.update_deployment(DEPLOYMENT, {"churn/2": 50, "churn/1": 50}), both),
        (lambda: client.promote_deployment(DEPLOYMENT, "churn/2"), {"churn/2"}),
    ]
    # epoch k may answer from its change's commit until the server confirmed epoch k + 1
    epochs: list[tuple[float, float, set[str]]] = []
    with (
        steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log") as served,
        Load(served.url) as load,
    ):
        start = time.monotonic()
        live = {"churn/1"}
        load.wait_for(30)
        for change, expected in changes:
            committing = time.monotonic()
            change()
            _wait_until_served(served.url, expected)
            epochs.append((start, time.monotonic(), live))
            start, live = committing, expected
            load.wait_for(30)
        epochs.append((start, time.monotonic() + 60, live))
        metrics = httpx.get(f"{served.url}/metrics").text
    client.close()
    assert load.failures == [], load.failures[:5]
    for answer in load.answers:
        allowed = set().union(*(v for s, e, v in epochs if s <= answer.ended and answer.started <= e))
        assert answer.version in allowed, (answer, epochs)
    seen = {a.version for a in load.answers}
    assert seen == {"churn/1", "churn/2"}
    assert "steward_model_swaps_total" in metrics


def test_sigterm_under_load_logs_every_answered_request(registry: Registry, tmp_path: Path) -> None:
    with Client(registry.uri, actor="tester") as client:
        client.create_deployment(DEPLOYMENT, {"churn/1": 50, "churn/2": 50})
    payloads = tmp_path / "payloads"
    serving = steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--payload-log", str(payloads))
    with serving as served, Load(served.url) as load:
        load.wait_for(100)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0, served.output()
    answered = load.answers
    assert all(a.status == 200 for a in answered)
    # the clients stopped at their first transport error (the server closing): none is an answer
    rows = [row for path in payloads.rglob("*.parquet") for row in pq.read_table(path).to_pylist()]
    assert len(rows) == len(answered), served.output()
    assert {r["version"] for r in rows} == {"churn/1", "churn/2"}
