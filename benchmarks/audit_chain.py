"""What the audit hash chain costs: chained appends against plain inserts, and verify throughput.

    python benchmarks/audit_chain.py [--events 2000] [--uri sqlite:///…|postgresql://…]

Both sides write the same event, one transaction each, into the same store:
the baseline inserts the row directly (what an append cost before the chain:
one INSERT), the chained side goes through the audit log (lock the chain
head, hash, INSERT, update the head). Then ``verify`` recomputes every link.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from steward.core.audit import AuditEvent
from steward.services.audit import AuditService
from steward.store import open_store
from steward.store.schema import audit_events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--uri", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(args.uri or f"sqlite:///{folder}/bench.db")
        event = AuditEvent("alias.set", "alias", "churn@champion", "bench", datetime.now(UTC),
                           {"version": 1}, {"version": 2}, "benchmark", details={"k": "v"})  # fmt: skip
        row = {"at": event.at, "actor": event.actor, "action": event.action, "target_type": event.target_type,
               "target": event.target, "before": event.before, "after": event.after, "reason": event.reason,
               "details": event.details, "prev_hash": "0" * 64, "hash": "0" * 64}  # fmt: skip
        plain, chained = [], []
        for i in range(args.events):  # interleaved, so drift affects both sides alike
            start = time.perf_counter()
            with store.write() as tx:
                tx.connection.execute(sa.insert(audit_events).values({**row, "seq": 10_000_000 + i}))
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            with store.write() as tx:
                tx.audit.append(event)
            chained.append(time.perf_counter() - start)
        with store.engine.begin() as conn:  # the unchained rows would (rightly) fail verification
            conn.execute(sa.delete(audit_events).where(audit_events.c.seq >= 10_000_000))
        start = time.perf_counter()
        report = AuditService(store).verify()
        verify_s = time.perf_counter() - start
        store.close()
    p, c = statistics.median(plain) * 1e3, statistics.median(chained) * 1e3
    print(f"backend: {(args.uri or 'sqlite').split(':')[0]}, events: {args.events}")
    print(f"plain insert, one transaction each:   median {p:.3f} ms")
    print(f"chained append, one transaction each: median {c:.3f} ms  (ratio {c / p:.2f}x)")
    rate = report.checked / verify_s
    print(f"verify: {report.checked} events in {verify_s:.3f} s ({rate:,.0f} events/s), ok={report.ok}")


if __name__ == "__main__":
    main()
