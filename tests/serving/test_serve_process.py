"""A real ``steward serve`` process: hot swaps under load, and a graceful stop under load."""

from __future__ import annotations

import re
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
from tests.serving.requests import oip_columns, oip_tensor, split

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Answer:
    started: float
    ended: float
    status: int
    version: str


class Load:
    """*clients* threads sending OIP and MLflow requests until stopped; every answer is kept."""

    def __init__(self, url: str, clients: int = 8, model: str = "churn") -> None:
        self.url = url
        if model == "churn":
            self.bodies = (oip_columns(2), split([[1, 20.0, "basic"], [50, None, "pro"]]))
        else:  # a tensor model: [-1, 4] floats
            self.bodies = (oip_tensor(1), {"instances": [[0.1, 0.2, 0.3, 0.4]]})
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(clients)]

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
        oip, mlflow = self.bodies
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
        if set(httpx.get(f"{url}/version", timeout=30).json()["model_versions"]) == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server never served {expected}")


def _twenty_changes(client: Client) -> list[tuple[Callable[[], object], set[str]]]:
    """Weights, alias moves and rollbacks of both kinds, each with the versions served after it.

    On the digits model (a LogisticRegression on 4 floats): the shared 2-core CI machine answers
    32 clients of the churn pipeline so slowly that the test would measure the machine."""
    one, two, both = {"digits/1"}, {"digits/2"}, {"digits/1", "digits/2"}

    def update(routes: dict[str, float]) -> Callable[[], object]:
        return lambda: client.update_deployment(DEPLOYMENT, routes)

    def alias(version: int) -> Callable[[], object]:
        return lambda: client.set_alias("digits", "champion", version)

    rollback = lambda: client.rollback_deployment(DEPLOYMENT)  # noqa: E731
    alias_back = lambda: client.rollback_alias("digits", "champion")  # noqa: E731
    return [
        (alias(2), two),  # champion 1 -> 2
        (update({"digits@champion": 90, "digits/1": 10}), both),
        (rollback, two),  # back to digits@champion = 100
        (alias_back, one),  # champion 2 -> 1
        (update({"digits/2": 50, "digits/1": 50}), both),
        (lambda: client.promote_deployment(DEPLOYMENT, "digits/2"), two),
        (update({"digits@champion": 100}), one),
        (alias(2), two),
        (update({"digits@champion": 80, "digits/1": 20}), both),
        (update({"digits@champion": 10, "digits/1": 90}), both),
        (alias(1), one),
        (alias(2), both),
        (rollback, both),  # back to 80 / 20
        (lambda: client.promote_deployment(DEPLOYMENT, "digits/1"), one),
        (update({"digits/2": 100}), two),
        (rollback, one),
        (update({"digits@champion": 100}), two),
        (alias_back, one),  # champion 2 -> 1
        (update({"digits/1": 50, "digits/2": 50}), both),
        (lambda: client.promote_deployment(DEPLOYMENT, "digits/2"), two),
    ]


def test_20_changes_under_32_clients_fail_nothing_and_name_a_live_version(
    registry: Registry, tmp_path: Path
) -> None:
    client = Client(registry.uri, actor="tester")
    client.set_alias("digits", "champion", 1)
    client.create_deployment(DEPLOYMENT, {"digits@champion": 100})
    changes = _twenty_changes(client)
    assert len(changes) == 20
    # epoch k may answer from its change's commit until the server confirmed epoch k + 1
    epochs: list[tuple[float, float, set[str]]] = []
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log") as served:
        start, live = time.monotonic(), {"digits/1"}
        with Load(served.url, clients=32, model="digits") as load:
            load.wait_for(64)
            for change, expected in changes:
                committing = time.monotonic()
                change()
                _wait_until_served(served.url, expected)
                epochs.append((start, time.monotonic(), live))
                start, live = committing, expected
                load.wait_for(32)
            epochs.append((start, time.monotonic() + 60, live))
        metrics = httpx.get(f"{served.url}/metrics", timeout=30).text
    client.close()
    assert load.failures == [], load.failures[:5]
    assert len(load.answers) >= 20 * 32
    for answer in load.answers:
        allowed = set().union(*(v for s, e, v in epochs if s <= answer.ended and answer.started <= e))
        assert answer.version in allowed, (answer, epochs)
    seen = {a.version for a in load.answers}
    assert seen == {"digits/1", "digits/2"}
    swaps = re.search(r'^steward_model_swaps_total\{deployment="churn-api"\} ([\d.]+)', metrics, re.M)
    assert swaps is not None and float(swaps.group(1)) >= 15  # most changes swapped (some are no-ops)


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
