"""Governance: identities, grants, tokens, approvals, policies, model cards and findings."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import UTCDateTime, json_column, metadata, text

principals = sa.Table(
    "principals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False, unique=True),
    sa.Column("kind", text(16), nullable=False),  # "user" | "service"
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("principal_id", sa.ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", text(16), nullable=False),
    sa.Column("model", text(128), nullable=False),  # "" means every model
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("principal_id", "role", "model"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("principal_id", sa.ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", text(128), nullable=False),
    sa.Column("token_hash", text(64), nullable=False, unique=True),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

approval_requests = sa.Table(
    "approval_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("target", text(64), nullable=False),
    sa.Column("requested_by", text(), nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.Index("ix_approval_requests_model_version_target", "model", "version", "target"),
)

approval_decisions = sa.Table(
    "approval_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.ForeignKey("approval_requests.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reviewer", text(), nullable=False),
    sa.Column("decision", text(16), nullable=False),  # "approve" | "reject"
    sa.Column("comment", text(), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("request_id", "reviewer"),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", json_column(), nullable=False),
    sa.Column("source", text(), nullable=False),
    sa.Column("published_by", text(), nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("name", "version"),
)


# -- model cards (issue 6): the human sections and review status of a version's card ---------------

model_cards = sa.Table(
    "model_cards",
    metadata,
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", text(16), nullable=False),
    sa.Column("sections", json_column(), nullable=False),
    sa.Column("edited_by", text(), nullable=False),
    sa.Column("edited_at", UTCDateTime, nullable=False),
    sa.Column("reviewed_by", text(), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
)


# -- governance gates (issue 6): findings raised on a version, open until closed with a resolution --

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", text(200), nullable=False),
    sa.Column("severity", text(16), nullable=False),
    sa.Column("description", text(), nullable=False),
    sa.Column("status", text(16), nullable=False),
    sa.Column("opened_by", text(), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", text(), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("resolution", text(), nullable=True),
    sa.Index("ix_findings_model_version", "model", "version"),
)
