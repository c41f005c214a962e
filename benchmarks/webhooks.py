"""What webhook delivery costs per event, next to a bare POST of the same body to the same receiver.

    python benchmarks/webhooks.py [--events 1000] [--uri sqlite:///…|postgresql://…/scratch_db]

A receiver on a loopback port answers 200. The baseline POSTs every event's
body with one shared HTTP client (the floor: HTTP on loopback, nothing
stored). The webhook side is ``WebhookService.deliver_due`` draining a backlog
of as many events to a new webhook: claim, read the audit log, sign, POST, and
commit the deliveries' log rows with the cursor's move, first one transaction
per delivery (``BATCH = 1``, how Steward delivered before batching), then in
batches (the default ``BATCH``), in the same run. Printed: events per second
each way and the ratio to the floor. Give PostgreSQL a scratch database: the
schema is created in it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

import steward.services.webhooks as webhooks_module
from steward.core.audit import AuditEvent
from steward.core.events import Event
from steward.services.registry import utcnow
from steward.services.webhooks import WebhookService
from steward.store import open_store


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def backlog(store: Any, count: int, after: int) -> list[bytes]:
    """*count* alias moves in one transaction; their bodies as a receiver gets them."""
    with store.write() as tx:
        for i in range(count):
            before, then = {"version": i}, {"version": i + 1}
            tx.audit.append(
                AuditEvent("alias.set", "alias", "churn@champion", "bench", utcnow(), before, then)
            )
        return [json.dumps(Event.from_audit(e).body()).encode() for e in tx.audit.scan(after, 10**9)]


def drain(service: WebhookService, url: str, events: int, batch: int) -> float:
    """Seconds to deliver a fresh backlog of *events* to a new webhook, committing *batch* at a time."""
    webhooks_module.BATCH = batch
    made = service.add(url, "alias.*", actor="bench")
    backlog(service.store, events, made.webhook.cursor)
    started = time.perf_counter()
    delivered = 0
    while delivered < events:
        delivered += service.deliver_due()
    took = time.perf_counter() - started
    assert service.get(made.webhook.id, actor="bench").cursor == made.webhook.cursor + events
    service.remove(made.webhook.id, actor="bench")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--uri", default=None)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    batched = webhooks_module.BATCH
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(args.uri or f"sqlite:///{folder}/bench.db")
        service = WebhookService(store, retention_days=0)
        with store.read() as tx:
            head = tx.audit.head()
        bodies = backlog(store, args.events, head.seq if head else 0)
        with httpx.Client() as client:
            started = time.perf_counter()
            for body in bodies:
                client.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                ).raise_for_status()
            floor = time.perf_counter() - started
        single = drain(service, url, args.events, 1)
        grouped = drain(service, url, args.events, batched)
        service.close()
        store.close()
    server.shutdown()
    backend = "postgresql" if args.uri and args.uri.startswith("postgres") else "sqlite"
    each = 1000 / args.events
    print(f"{args.events} events, {backend}")
    print(f"  bare POST:                 {args.events / floor:8.0f} events/s  ({each * floor:.2f} ms each)")
    for label, took in (("one commit per delivery", single), (f"batches of {batched}", grouped)):
        print(
            f"  {label + ':':26} {args.events / took:8.0f} events/s  ({each * took:.2f} ms each, "
            f"{took / floor:.1f}x the bare POST)"
        )


if __name__ == "__main__":
    main()
