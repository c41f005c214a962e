"""Deployments, their revisions, and the kill switch's list of versions no deployment may serve."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import UTCDateTime, json_column, metadata, text

deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(63), nullable=False, unique=True),
    sa.Column("current_revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

deployment_revisions = sa.Table(
    "deployment_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("deployment_id", sa.ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("spec", json_column(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.UniqueConstraint("deployment_id", "revision"),
)


# -- kill switch (issue 6): versions no deployment may serve -----------------------------------------

killed_versions = sa.Table(
    "killed_versions",
    metadata,
    sa.Column("model", text(), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.Column("killed_by", text(), nullable=False),
    sa.Column("killed_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("model", "version"),
)
