"""Stored analyses of a version: validation runs and explanations."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

# -- validation ----------------------------------------------------------------------------------

validation_runs = sa.Table(
    "validation_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("data_fingerprint", text(64), nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("target", text(), nullable=False),
    sa.Column("task", text(16), nullable=False),
    sa.Column("against", text(), nullable=True),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("report", json_column(), nullable=False),
    # one version's runs, newest first
    sa.Index("ix_validation_runs_version_id_id", "version_id", "id"),
    sqlite_autoincrement=True,
)

# -- explanations (issue 5): one row per version, data fingerprint and request ----------------------

explanations = sa.Table(
    "explanations",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", text(16), nullable=False),
    sa.Column("data_fingerprint", text(64), nullable=False),
    sa.Column("request_key", text(64), nullable=False),
    sa.Column("request", json_column(), nullable=False),
    sa.Column("result", json_column(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("version_id", "data_fingerprint", "request_key"),
    sqlite_autoincrement=True,
)
