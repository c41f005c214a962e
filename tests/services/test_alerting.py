from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steward.core.alerts import AlertRule
from steward.core.errors import InvalidInputError, NotFoundError
from steward.services.notifiers import SIGNATURE_HEADER, send_webhook
from tests.payloads import write_payloads

from .conftest import Monitored

T = datetime(2026, 3, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)


class Hooks:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = 0


@pytest.fixture
def webhook() -> Iterator[tuple[str, Hooks]]:
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if hooks.fail_first > 0:
                hooks.fail_first -= 1
                self.send_response(503)
            else:
                hooks.received.append((dict(self.headers), body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", hooks
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[str]]]:
    """A minimal SMTP sink: accepts every message and keeps its data."""
    messages: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 sink\r\n")
            while line := self.rfile.readline():
                verb = line.decode().strip().upper()
                if verb.startswith(("EHLO", "HELO")):
                    self.wfile.write(b"250 sink\r\n")
                elif verb.startswith("DATA"):
                    self.wfile.write(b"354 go on\r\n")
                    data = []
                    while (part := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(part.decode())
                    messages.append("".join(data))
                    self.wfile.write(b"250 queued\r\n")
                elif verb.startswith("QUIT"):
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], messages
    server.shutdown()
    server.server_close()


def traffic(m: Monitored, at: datetime, shift: float, prefix: str) -> None:
    rng = np.random.default_rng(int(at.timestamp()) % 1000)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"]).assign(
        a=lambda f: f["a"] + shift, b=lambda f: f["b"] + shift
    )
    write_payloads(m.payloads, "churn-api", "churn/1", frame, m.model, at, prefix=prefix)


def test_a_rule_fires_once_notifies_signed_and_resolves(
    monitored: Monitored, webhook: tuple[str, Hooks], smtp: tuple[int, list[str]]
) -> None:
    m = monitored
    url, hooks = webhook
    port, mails = smtp
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    notifiers = (
        {"type": "webhook", "url": url, "secret": "s3cret"},
        {"type": "email", "host": "127.0.0.1", "port": port, "sender": "steward@x", "to": ["ops@x"]},
        {"type": "log"},
    )
    rule = AlertRule(
        "dataset-drift", "drift.share", ">=", 0.5, "critical", for_windows=2, notifiers=notifiers
    )
    m.app.alerts.put_rule(rule, actor="alice")

    traffic(m, T, 3.0, "a")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_fired == 0  # 1 window of 2
    traffic(m, T + H, 3.0, "b")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_fired == 1
    traffic(m, T + 2 * H, 3.0, "c")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_fired == 0  # de-duplicated: still open

    [(headers, body)] = hooks.received
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    event = json.loads(body)
    assert event["event"] == "alert.fire" and event["alert"]["figure"] == "drift.share"
    assert event["rule"]["notifiers"][0]["secret"] == "***"
    assert len(mails) == 1 and "FIRING critical dataset-drift" in mails[0]
    [open_alert] = m.app.alerts.list_alerts(status="firing")
    assert open_alert.window_start == T + H

    traffic(m, T + 3 * H, 0.0, "d")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_resolved == 1
    assert m.app.alerts.list_alerts(status="firing") == []
    assert json.loads(hooks.received[-1][1])["event"] == "alert.resolve"
    with m.app.store.read() as tx:
        assert [e.action for e in tx.audit.list(target="churn-api/drift.share")] == [
            "alert.fire",
            "alert.resolve",
        ]
        assert len(tx.audit.list(action="alert.rule.create")) == 1


def test_webhooks_retry_with_backoff_then_give_up(webhook: tuple[str, Hooks]) -> None:
    url, hooks = webhook
    hooks.fail_first = 2
    pauses: list[float] = []
    assert send_webhook(
        {"url": url, "retries": 3, "backoff_seconds": 0.5}, {"event": "x"}, sleep=pauses.append
    )
    assert pauses == [0.5, 1.0] and len(hooks.received) == 1
    hooks.fail_first = 10
    assert not send_webhook({"url": url, "retries": 1}, {"event": "x"}, sleep=pauses.append)


def test_rule_changes_are_audited_and_bad_rules_refused(monitored: Monitored) -> None:
    m = monitored
    m.app.alerts.put_rule(AlertRule("slow", "latency.p99", ">", 100.0), actor="alice")
    m.app.alerts.put_rule(AlertRule("slow", "latency.p99", ">", 250.0), actor="alice")
    assert m.app.alerts.get_rule("slow").threshold == 250.0
    with pytest.raises(NotFoundError):
        m.app.alerts.put_rule(AlertRule("x", "drift.*", ">", 1.0, deployment="nope"), actor="alice")
    with pytest.raises(InvalidInputError):
        m.app.alerts.put_rule(AlertRule("x", "drift.*", "!=", 1.0), actor="alice")
    m.app.alerts.delete_rule("slow", actor="alice")
    with pytest.raises(NotFoundError):
        m.app.alerts.delete_rule("slow", actor="alice")
    with m.app.store.read() as tx:
        actions = [e.action for e in tx.audit.list(target="slow")]
    assert actions == ["alert.rule.create", "alert.rule.update", "alert.rule.delete"]
