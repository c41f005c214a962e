"""Streaming audit export and incremental verify: peak memory and time against the whole-log ways.

    python benchmarks/audit_export.py [--events 20000] [--uri sqlite:///…|postgresql://…]

Export: the peak Python memory (tracemalloc) of writing the log as JSON Lines to a
file, streamed (``AuditService.export`` into ``export_lines``, written as read) and
the way the REST route did it before (every event in a list, one joined string), at
N and 4N events; streamed peaks should stay flat while the list's grow with N.
Verify: a full ``verify`` against one from a checkpoint with 1% of the events after it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime

from steward.core.audit import AuditEvent
from steward.core.audit_export import export_lines
from steward.services.audit import AuditService
from steward.store import open_store


def fill(store: object, count: int) -> None:
    at = datetime.now(UTC)
    for start in range(0, count, 1000):
        with store.write() as tx:  # type: ignore[attr-defined]
            for i in range(start, min(count, start + 1000)):
                tx.audit.append(AuditEvent("alias.set", "alias", f"churn@a{i}", "bench", at,
                                           {"version": i}, {"version": i + 1}, "benchmark"))  # fmt: skip


def peak(work: Callable[[], None]) -> float:
    tracemalloc.start()
    work()
    peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak_bytes / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--uri", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "export.jsonl")
        store = open_store(args.uri or f"sqlite:///{folder}/bench.db")
        audit = AuditService(store)

        def streamed() -> None:
            with open(out, "w", encoding="utf-8") as file:
                for line in export_lines(audit.export(), "jsonl"):
                    file.write(line)

        def whole() -> None:
            text = "".join(export_lines(list(audit.export()), "jsonl"))
            with open(out, "w", encoding="utf-8") as file:
                file.write(text)

        fill(store, args.events)
        small = (peak(streamed), peak(whole))
        fill(store, 3 * args.events)
        large = (peak(streamed), peak(whole))
        start = time.perf_counter()
        full = audit.verify()
        full_s = time.perf_counter() - start
        fill(store, 4 * args.events // 100)
        start = time.perf_counter()
        incremental = audit.verify(from_seq=full.last_seq, expected_hash=full.last_hash)
        incremental_s = time.perf_counter() - start
        store.close()
    n = args.events
    print(f"backend: {(args.uri or 'sqlite').split(':')[0]}")
    print(f"export peak memory, streamed: {small[0]:.1f} MiB at {n} events, {large[0]:.1f} MiB at {4 * n} "
          f"(x{large[0] / small[0]:.2f})")  # fmt: skip
    print(f"export peak memory, whole list: {small[1]:.1f} MiB at {n} events, {large[1]:.1f} MiB at {4 * n} "
          f"(x{large[1] / small[1]:.2f})")  # fmt: skip
    print(f"verify, full: {full.checked} events in {full_s:.2f} s, ok={full.ok}")
    print(f"verify, from checkpoint #{full.last_seq}: {incremental.checked} events in {incremental_s:.3f} s "
          f"({full_s / incremental_s:.0f}x faster), ok={incremental.ok}")  # fmt: skip


if __name__ == "__main__":
    main()
