"""What webhook delivery costs per event, next to a bare POST of the same body to the same receiver.

    python benchmarks/webhooks.py [--events 1000] [--uri sqlite:///…|postgresql://…/scratch_db]

A receiver on a loopback port answers 200. The baseline POSTs every event's
body with one shared HTTP client (the floor: HTTP on loopback, nothing
stored). The webhook side is ``WebhookService.deliver_due`` draining the same
events: claim, read the audit log, sign, POST, and one transaction per event
that logs the delivery and advances the cursor. Printed: events per second
each way and their ratio. Give PostgreSQL a scratch database: the schema is created in it.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--uri", default=None)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(args.uri or f"sqlite:///{folder}/bench.db")
        service = WebhookService(store)
        made = service.add(url, "alias.*", actor="bench")
        with store.write() as tx:
            for i in range(args.events):
                before, after = {"version": i}, {"version": i + 1}
                tx.audit.append(
                    AuditEvent("alias.set", "alias", "churn@champion", "bench", utcnow(), before, after)
                )
            bodies = [
                json.dumps(Event.from_audit(e).body()).encode()
                for e in tx.audit.scan(made.webhook.cursor, 10**9)
            ]
        with httpx.Client() as client:
            started = time.perf_counter()
            for body in bodies:
                client.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                ).raise_for_status()
            floor = time.perf_counter() - started
        started = time.perf_counter()
        delivered = 0
        while delivered < args.events:
            delivered += service.deliver_due()
        delivering = time.perf_counter() - started
        assert service.get(made.webhook.id, actor="bench").cursor == made.webhook.cursor + args.events
        service.close()
        store.close()
    server.shutdown()
    backend = "postgresql" if args.uri and args.uri.startswith("postgres") else "sqlite"
    each = 1000 / args.events
    print(f"{args.events} events, {backend}")
    print(f"  bare POST:         {args.events / floor:8.0f} events/s  ({each * floor:.2f} ms each)")
    print(f"  webhook delivery:  {args.events / delivering:8.0f} events/s  ({each * delivering:.2f} ms each)")
    print(f"  ratio:             {delivering / floor:8.1f}x the bare POST")


if __name__ == "__main__":
    main()
