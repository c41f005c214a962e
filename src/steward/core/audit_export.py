"""Audit events as JSON Lines or CSV, for export to other tools (SIEM, spreadsheets)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from steward.core.audit import AuditEvent, canonical_time
from steward.core.errors import InvalidInputError

FORMATS = ("jsonl", "csv")
COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "target_type",
    "target",
    "before",
    "after",
    "reason",
    "details",
    "prev_hash",
    "hash",
)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown export format {fmt!r}: use {' or '.join(FORMATS)}.")
    return fmt


def export_record(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": canonical_time(event.at),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target": event.target,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def export_lines(events: Iterable[AuditEvent], fmt: str) -> Iterator[str]:
    """Each line of the export (with its newline); CSV starts with a header, JSON columns as JSON text."""
    check_format(fmt)
    if fmt == "jsonl":
        for event in events:
            yield json.dumps(export_record(event), ensure_ascii=False, sort_keys=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield _drain(buffer)
    for event in events:
        record = export_record(event)
        writer.writerow(
            [
                json.dumps(record[c], ensure_ascii=False)
                if c in ("before", "after", "details")
                else record[c]
                for c in COLUMNS
            ]
        )
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def chunks(lines: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """*lines* joined into pieces of about *size* characters: written as they are read."""
    pending: list[str] = []
    length = 0
    for line in lines:
        pending.append(line)
        length += len(line)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)
