"""Entry points for child processes (spawned, so they must live in an importable module)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier

from steward.core.audit import AuditEvent
from steward.store import open_store

from .builders import draft


def register_many(url: str, model: str, count: int, start: Barrier) -> list[int]:
    """Register *count* versions, each with its audit event in the same transaction."""
    store = open_store(url)
    numbers = []
    try:
        start.wait(timeout=60)
        for _ in range(count):
            now = datetime.now(UTC)
            with store.write() as tx:
                number = tx.models.allocate_version(model, now)
                tx.models.insert_version(draft(model, number), version=number, created_by="worker", at=now)
                tx.audit.append(AuditEvent("version.register", "version", f"{model}/{number}", "worker", now))
            numbers.append(number)
    finally:
        store.close()
    return numbers


def register_and_hang(url: str, model: str, report: Connection) -> None:
    """Allocate and insert a version, tell the parent its number, then wait to be killed."""
    store = open_store(url)
    now = datetime.now(UTC)
    with store.write() as tx:
        number = tx.models.allocate_version(model, now)
        tx.models.insert_version(draft(model, number), version=number, created_by="doomed", at=now)
        report.send(number)
        time.sleep(600)


def open_at_once(url: str, start: Barrier) -> None:
    start.wait(timeout=60)
    open_store(url).close()


def append_audit_many(url: str, count: int, start: Barrier, worker: int) -> None:
    """Append *count* audit events, one transaction each, racing the other workers."""
    store = open_store(url)
    try:
        start.wait(timeout=60)
        for i in range(count):
            with store.write() as tx:
                tx.audit.append(
                    AuditEvent("model.update", "model", f"m{worker}", f"w{worker}", datetime.now(UTC))
                )
                time.sleep(0.001 * (i % 2))
    finally:
        store.close()
