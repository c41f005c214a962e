"""Webhook subscriptions, their cursor over the audit log, and every delivery attempt."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

# -- events (issue 8): webhook subscriptions, their cursor over the audit log, every delivery attempt ---

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("url", text(), nullable=False),
    sa.Column("events", json_column(), nullable=False),
    sa.Column("secret", text(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # the seq of the last audit event handled (delivered or skipped): delivery resumes after it
    sa.Column("cursor", sa.BigInteger, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("last_error", text(), nullable=False),
    # a dispatcher's claim: only the holder of lease_token may advance the cursor until lease_until
    sa.Column("lease_token", text(64), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sqlite_autoincrement=True,
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("webhook_id", sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("type", text(200), nullable=False),
    sa.Column("delivery_id", text(100), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", text(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("duration_ms", sa.Double, nullable=False),
    # one subscription's attempts, newest first
    sa.Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    sqlite_autoincrement=True,
)
