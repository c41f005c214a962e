"""``steward webhooks`` and ``steward events`` against an embedded registry and a real receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.services.notifiers import sign
from tests.cli.conftest import Registry
from tests.receiver import Receiver
from tests.servers import free_port, stop, wait_ready


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ftp://example.com/x", "--events", "alias.*"], "http:// or https://"),
        (["example.com/x", "--events", "alias.*"], "http:// or https://"),
        (["https://example.com/x", "--events", "aliases.*"], "Unknown event pattern 'aliases.*'"),
        (["https://example.com/x"], "Name the events"),
        (["https://example.com/x", "--events", "*", "--secret", "short"], "16 to 200"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(registry: Registry, args: list[str], says: str) -> None:
    registry.run("models", "create", "churn")
    before = registry.counts()
    result = registry.run("webhooks", "add", *args)
    assert result.exit_code == 2, result.output
    assert says in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert registry.counts() == before
    assert json.loads(registry.run("webhooks", "list", "--json").stdout) == {"items": []}


def test_add_list_test_deliveries_remove(registry: Registry, receiver: Receiver) -> None:
    added = registry.run(
        "webhooks", "add", receiver.url, "--events", "alias.*,deployment.*", "-r", "pager duty", "--json"
    )
    assert added.exit_code == 0, added.output
    made = json.loads(added.stdout)
    assert made["events"] == ["alias.*", "deployment.*"] and made["secret"].startswith("whsec_")
    listed = registry.run("webhooks", "list")
    assert receiver.url in listed.stdout and made["secret"] not in listed.stdout
    assert made["secret"] not in registry.run("webhooks", "list", "--json").stdout

    tested = registry.run("webhooks", "test", str(made["id"]))
    assert tested.exit_code == 0 and "HTTP 200" in tested.stdout
    [ping] = receiver.received
    assert ping.event == "ping" and ping.signature == sign(ping.raw, made["secret"])
    shown = registry.run("webhooks", "deliveries", str(made["id"]))
    assert ping.delivery in shown.stdout and "HTTP 200" in shown.stdout

    receiver.status = 503
    failed = registry.run("webhooks", "test", str(made["id"]), "--json")
    assert failed.exit_code == 1 and json.loads(failed.stdout)["status_code"] == 503
    items = json.loads(registry.run("webhooks", "deliveries", str(made["id"]), "--json").stdout)["items"]
    assert [d["status_code"] for d in items] == [503, 200]

    removed = registry.run("webhooks", "remove", str(made["id"]), "--reason", "rotated")
    assert removed.exit_code == 0 and f"Removed webhook {made['id']}" in removed.stdout
    again = registry.run("webhooks", "remove", str(made["id"]))
    assert again.exit_code == 3 and "No webhook" in again.output
    events = json.loads(registry.run("events", "--types", "webhook.*", "--json").stdout)["items"]
    assert [e["data"]["action"] for e in events] == ["webhook.create", "webhook.delete"]
    assert [e["data"]["reason"] for e in events] == ["pager duty", "rotated"]
    assert all(made["secret"] not in json.dumps(e) for e in events)


def test_events_lists_the_stream_and_types_lists_the_types(registry: Registry) -> None:
    registry.run("models", "create", "churn")
    registry.run("models", "update", "churn", "--description", "x")
    out = json.loads(registry.run("events", "--json").stdout)["items"]
    assert [e["type"] for e in out] == ["model.created", "model.updated"]
    first = int(out[0]["id"].removeprefix("evt-"))
    later = json.loads(registry.run("events", "--after", str(first), "--json").stdout)["items"]
    assert [e["id"] for e in later] == [out[1]["id"]]
    bad = registry.run("events", "--types", "nothing.*")
    assert bad.exit_code == 2 and "Unknown event pattern" in bad.output
    names = registry.run("webhooks", "types").stdout.split()
    assert "alias.moved" in names and "kill_switch.engaged" in names and names == sorted(names)


@pytest.mark.slow
def test_steward_server_delivers_in_the_background(
    store_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    """The dispatcher thread `steward server` starts delivers what a remote CLI changes, in order."""
    port = free_port()
    env = {**os.environ, "STEWARD_HOME": str(tmp_path / "home"), "STEWARD_USER": "server"}
    env.pop("STEWARD_URI", None)
    env["STEWARD_WEBHOOK_INTERVAL"] = "0.2"
    log = tmp_path / "server.log"
    runner = CliRunner()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "--uri", store_url, "server", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(process, f"{url}/api/v1/health", log)
            added = runner.invoke(
                app, ["--uri", url, "webhooks", "add", receiver.url, "-e", "model.*", "--json"]
            )
            assert added.exit_code == 0, added.output
            secret = json.loads(added.stdout)["secret"]
            for name in ("a", "b", "c"):
                assert runner.invoke(app, ["--uri", url, "models", "create", name]).exit_code == 0
            deadline = time.monotonic() + 60
            while len(receiver.accepted()) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop(process, timeout=15)
    text = log.read_text()
    assert "Webhook deliveries:   every 0.2 s" in text and "Traceback" not in text
    got = receiver.accepted()
    assert [r.body["subject"] for r in got] == ["a", "b", "c"]
    assert all(r.signature == sign(r.raw, secret) for r in got)
