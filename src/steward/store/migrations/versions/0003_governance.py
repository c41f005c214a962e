"""Governance: the audit hash chain, identities, tokens, grants, approvals, policies.

Existing audit events are chained in ``seq`` order, so a database created
before governance verifies from its first event on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steward.core.audit import GENESIS_HASH, AuditEvent, chain_hash
from steward.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(column: str, table: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete="CASCADE"
    )


def _chain_existing_events() -> tuple[int, str]:
    """Hash the events already stored, oldest first; returns the chain's head."""
    events = sa.table(
        "audit_events",
        sa.column("seq", sa.BigInteger()),
        sa.column("at", UTCDateTime()),
        sa.column("actor", sa.Text()),
        sa.column("action", sa.Text()),
        sa.column("target_type", sa.Text()),
        sa.column("target", sa.Text()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("reason", sa.Text()),
        sa.column("details", sa.JSON()),
        sa.column("prev_hash", sa.Text()),
        sa.column("hash", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(events).order_by(events.c.seq)).all()
    seq, previous = 0, GENESIS_HASH
    for row in rows:
        event = AuditEvent(
            action=row.action,
            target_type=row.target_type,
            target=row.target,
            actor=row.actor,
            at=row.at,
            before=row.before,
            after=row.after,
            reason=row.reason,
            details=row.details or {},
        )
        seq = int(row.seq)
        digest = chain_hash(event, seq, previous)
        bind.execute(sa.update(events).where(events.c.seq == seq).values(prev_hash=previous, hash=digest))
        previous = digest
    return seq, previous


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("prev_hash", _text(64), nullable=True))
        batch.add_column(sa.Column("hash", _text(64), nullable=True))
    last_seq, last_hash = _chain_existing_events()
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("prev_hash", existing_type=_text(64), nullable=False)
        batch.alter_column("hash", existing_type=_text(64), nullable=False)

    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", _text(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain"),
    )
    op.bulk_insert(chain, [{"id": 1, "last_seq": last_seq, "last_hash": last_hash}])

    op.create_table(
        "principals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(128), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_principals"),
        sa.UniqueConstraint("name", name="uq_principals_name"),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("role", _text(16), nullable=False),
        sa.Column("model", _text(128), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.UniqueConstraint("principal_id", "role", "model", name="uq_grants_principal_id_role_model"),
        _fk("principal_id", "grants", "principals"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("name", _text(128), nullable=False),
        sa.Column("token_hash", _text(64), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=True),
        sa.Column("revoked_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        _fk("principal_id", "api_tokens", "principals"),
    )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", _text(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("target", _text(64), nullable=False),
        sa.Column("requested_by", _text(), nullable=False),
        sa.Column("requested_at", _time(), nullable=False),
        sa.Column("reason", _text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_requests"),
    )
    op.create_index(
        "ix_approval_requests_model_version_target", "approval_requests", ["model", "version", "target"]
    )
    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", _text(), nullable=False),
        sa.Column("decision", _text(16), nullable=False),
        sa.Column("comment", _text(), nullable=False),
        sa.Column("decided_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_decisions"),
        sa.UniqueConstraint("request_id", "reviewer", name="uq_approval_decisions_request_id_reviewer"),
        _fk("request_id", "approval_decisions", "approval_requests"),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", _text(), nullable=False),
        sa.Column("published_by", _text(), nullable=False),
        sa.Column("published_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policies"),
        sa.UniqueConstraint("name", "version", name="uq_policies_name_version"),
    )


def downgrade() -> None:
    for table in (
        "policies",
        "approval_decisions",
        "approval_requests",
        "api_tokens",
        "grants",
        "principals",
        "audit_chain",
    ):
        op.drop_table(table)
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
