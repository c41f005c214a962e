"""The audit log and the head of its hash chain."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", BigId, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", text(), nullable=False),
    sa.Column("action", text(), nullable=False, index=True),
    sa.Column("target_type", text(), nullable=False),
    sa.Column("target", text(), nullable=False, index=True),
    sa.Column("before", json_column(), nullable=True),
    sa.Column("after", json_column(), nullable=True),
    sa.Column("reason", text(), nullable=False),
    sa.Column("details", json_column(), nullable=False),
    # the hash chain (governance): sha256 of the event's canonical JSON and prev_hash
    sa.Column("prev_hash", text(64), nullable=False),
    sa.Column("hash", text(64), nullable=False),
    sqlite_autoincrement=True,
)


#: One row (id 1): the last event of the audit chain. Appends lock it, so the
#: chain never forks, and ``verify`` compares it with the log's tail.
audit_chain = sa.Table(
    "audit_chain",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_hash", text(64), nullable=False),
)
