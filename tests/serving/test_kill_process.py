"""The kill switch on a real ``steward serve`` process under a few client threads.

Killing a deployment with a fallback makes every answer come from the fallback;
without one, every prediction gets the 503 naming the kill switch's reason and
readiness turns false; reviving serves the routes again. No other 5xx ever.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from steward import Client
from tests.serving.conftest import DEPLOYMENT, Registry
from tests.serving.process import steward_serve
from tests.serving.requests import oip_tensor

pytestmark = pytest.mark.slow

STOPPED = f"Deployment '{DEPLOYMENT}' is stopped by its kill switch: incident 42"


@dataclass(frozen=True)
class Answer:
    started: float
    status: int
    version: str
    error: str


class Clients:
    """*count* threads sending OIP and /invocations requests in turn; every answer is kept."""

    def __init__(self, url: str, count: int = 4, deployment: str = DEPLOYMENT) -> None:
        self.url = url
        self.deployment = deployment
        self.answers: list[Answer] = []
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
        with httpx.Client(base_url=self.url, timeout=30) as client:
            sent = number
            while not self._stop.is_set():
                started = time.monotonic()
                if sent % 2:
                    response = client.post(f"/v2/models/{self.deployment}/infer", json=oip_tensor(1))
                else:
                    response = client.post("/invocations", json={"instances": [[0.1, 0.2, 0.3, 0.4]]})
                body = response.json()
                answer = Answer(
                    started, response.status_code, body.get("model_version", ""), body.get("error", "")
                )
                with self._lock:
                    self.answers.append(answer)
                sent += 1

    def after(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.started >= moment]

    def until(self, check: str, predicate: object, timeout: float = 30) -> float:
        """Seconds until an answer started now or later satisfies *predicate*."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if any(predicate(a) for a in self.after(start)):  # type: ignore[operator]
                return time.monotonic() - start
            time.sleep(0.02)
        raise AssertionError(f"never saw {check}: {self.after(start)[-3:]}")

    def streak(self, version: str, length: int = 30, timeout: float = 30) -> None:
        """Wait for *length* answers in a row from *version*: past a swap even on a 50/50 split."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                recent = self.answers[-length:]
            if len(recent) == length and all(a.version == version for a in recent):
                return
            time.sleep(0.02)
        raise AssertionError(f"never saw {length} answers in a row from {version}")


def test_kill_switches_to_the_fallback_then_to_503_and_revive_restores(
    registry: Registry, tmp_path: Path
) -> None:
    client = Client(registry.uri, actor="olga")
    client.create_deployment(DEPLOYMENT, "digits/1", fallback="digits/2")
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT) as served, Clients(served.url) as clients:
        clients.until("digits/1", lambda a: a.version == "digits/1")
        client.kill_deployment(DEPLOYMENT, reason="incident 41")
        killed_at = time.monotonic()
        clients.until("the fallback", lambda a: a.version == "digits/2")
        settled = time.monotonic()
        time.sleep(0.5)
        tail = clients.after(settled)
        assert tail and {(a.status, a.version) for a in tail} == {(200, "digits/2")}
        switch = settled - killed_at

        # without a fallback: every prediction is refused, naming the reason; not ready
        client.revive_deployment(DEPLOYMENT, reason="false alarm")
        clients.until("digits/1 again", lambda a: a.version == "digits/1")
        client.update_deployment(DEPLOYMENT, "digits/1")
        client.kill_deployment(DEPLOYMENT, reason="incident 42")
        clients.until("a 503", lambda a: a.status == 503)
        settled = time.monotonic()
        time.sleep(0.5)
        tail = clients.after(settled)
        assert tail and {a.status for a in tail} == {503}
        assert all(a.error.startswith(STOPPED) and "steward kill revive" in a.error for a in tail)
        ready = httpx.get(f"{served.url}/v2/health/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["error"].startswith(STOPPED)
        metrics = httpx.get(f"{served.url}/metrics", timeout=30).text
        assert 'status="503"' in metrics

        client.revive_deployment(DEPLOYMENT, reason="retrained")
        clients.until("digits/1 after the revive", lambda a: a.status == 200 and a.version == "digits/1")
        assert httpx.get(f"{served.url}/v2/health/ready", timeout=30).status_code == 200
    statuses = {a.status for a in clients.answers}
    assert statuses <= {200, 503}, statuses
    print(f"kill -> fallback answering: {switch:.2f} s after the commit")
    client.close()


def test_a_killed_version_stops_being_served_by_every_deployment(registry: Registry, tmp_path: Path) -> None:
    client = Client(registry.uri, actor="olga")
    client.create_deployment("with-fallback", "digits/2", fallback="digits/1")
    client.create_deployment("canary", {"digits/1": 50, "digits/2": 50})
    with (
        steward_serve(tmp_path, registry.uri, "with-fallback") as first,
        steward_serve(tmp_path, registry.uri, "canary") as second,
        Clients(first.url, 2, "with-fallback") as a,
        Clients(second.url, 2, "canary") as b,
    ):
        for clients in (a, b):
            clients.until("digits/2", lambda answer: answer.version == "digits/2")
        client.kill_version("digits/2", reason="bad weights")
        for clients in (a, b):  # the canary answers digits/1 half the time before the kill lands too
            clients.streak("digits/1")
        settled = time.monotonic()
        time.sleep(1.0)  # every answer from now on: digits/1 only, on both servers
        for clients in (a, b):
            tail = clients.after(settled)
            assert len(tail) > 2 and {(x.status, x.version) for x in tail} == {(200, "digits/1")}
        client.revive_version("digits/2", reason="fine")
        for clients in (a, b):
            clients.until("digits/2 again", lambda answer: answer.version == "digits/2")
    assert {x.status for x in (*a.answers, *b.answers)} == {200}
    client.close()
