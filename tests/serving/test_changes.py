"""Replicas learn of deployment changes through PostgreSQL: NOTIFY at commit, LISTEN in each server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from steward import Client
from steward.serving.changes import PostgresChangeListener, libpq_url
from tests.serving.conftest import DEPLOYMENT, churn_frame, churn_model
from tests.serving.process import steward_serve

pytestmark = pytest.mark.postgres


class Heard:
    """What a listener reported, in order, with a way to wait for a name."""

    def __init__(self) -> None:
        self.names: list[str | None] = []
        self._changed = threading.Condition()

    def __call__(self, name: str | None) -> None:
        with self._changed:
            self.names.append(name)
            self._changed.notify_all()

    def wait_for(self, name: str | None, count: int = 1, timeout: float = 10) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.names.count(name) >= count, timeout), self.names


def _registered(uri: str, home: Path) -> Client:
    client = Client(uri, artifacts=str(home / "artifacts"), actor="tester")
    frame, y = churn_frame()
    for c in (1.0, 0.1):
        model = churn_model(c).fit(frame, y)
        client.register(model, "churn", input_example=frame.head(20), capture_code=False)
    client.set_alias("churn", "champion", 1)
    return client


def test_changes_and_alias_moves_are_announced_at_commit(postgres_url: str, tmp_path: Path) -> None:
    client = _registered(postgres_url, tmp_path / "home")
    heard = Heard()
    listener = PostgresChangeListener(postgres_url)
    listener.start(heard)
    try:
        assert listener.listening.wait(10)
        heard.wait_for(None)  # on connecting: "changes may have been missed"
        client.create_deployment(DEPLOYMENT, {"churn@champion": 100})
        heard.wait_for(DEPLOYMENT)
        client.update_deployment(DEPLOYMENT, {"churn@champion": 90, "churn/2": 10})
        heard.wait_for(DEPLOYMENT, 2)
        client.set_alias("churn", "champion", 2)
        heard.wait_for("churn")
        with pytest.raises(Exception, match="churn/9"):  # refused: rolled back, so never announced
            client.update_deployment(DEPLOYMENT, {"churn/9": 100})
        client.rollback_deployment(DEPLOYMENT)
        heard.wait_for(DEPLOYMENT, 3)
        assert heard.names.count(DEPLOYMENT) == 3
    finally:
        listener.stop()
        client.close()
    assert not listener.listening.is_set()


def test_the_listener_reconnects_when_its_connection_drops(postgres_url: str) -> None:
    import psycopg

    heard = Heard()
    listener = PostgresChangeListener(postgres_url, reconnect_delay=0.1)
    listener.start(heard)
    try:
        assert listener.listening.wait(10)
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'steward-listen' AND datname = current_database()"
            )
            heard.wait_for(None, 2)  # reconnected, and said that changes may have been missed
            assert listener.connections == 2
            admin.execute("SELECT pg_notify('steward_deployments', 'after-reconnect')")
            heard.wait_for("after-reconnect")
    finally:
        listener.stop()


def test_libpq_url_accepts_the_store_spellings() -> None:
    assert libpq_url("postgresql+psycopg://u@h/db") == "postgresql://u@h/db"
    assert libpq_url("postgres://u@h/db") == "postgresql://u@h/db"


def _seen_within(check: Callable[[], bool], since: float, seconds: float) -> None:
    """*check* holds before *seconds* have passed since *since* (a monotonic time)."""
    while not check():
        assert time.monotonic() - since < seconds, f"not seen within {seconds} s of the commit"
        time.sleep(0.01)


def _version(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/version", timeout=5).json()
    return answer


@pytest.mark.slow
def test_a_change_reaches_two_servers_on_one_database_within_a_second(
    postgres_url: str, tmp_path: Path
) -> None:
    client = _registered(postgres_url, tmp_path / "home")
    client.create_deployment(DEPLOYMENT, {"churn@champion": 90, "churn/2": 10})
    with (
        steward_serve(tmp_path, postgres_url, DEPLOYMENT, "--no-payload-log") as first,
        steward_serve(tmp_path, postgres_url, DEPLOYMENT, "--no-payload-log") as second,
    ):
        urls = [first.url, second.url]
        assert all(_version(url)["revision"] == 1 for url in urls)
        # Both versions are loaded already: what is measured is how soon each server hears of it.
        # (The safety-net poll runs every 5 s: passing four times within 1 s is the announcement.)
        client.update_deployment(DEPLOYMENT, {"churn@champion": 80, "churn/2": 20})
        committed = time.monotonic()
        for url in urls:
            _seen_within(lambda u=url: _version(u)["revision"] == 2, committed, 1.0)  # type: ignore[misc]
        client.set_alias("churn", "champion", 2)
        committed = time.monotonic()
        for url in urls:
            moved = lambda u=url: _version(u)["model_versions"] == ["churn/2", "churn/2"]  # noqa: E731
            _seen_within(moved, committed, 1.0)
    client.close()
