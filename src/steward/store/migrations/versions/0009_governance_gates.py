"""Governance gates: findings raised on a version.

Deployments' environments live in their spec (JSON, per revision), so they need no column.

Revision ID: 0009_governance_gates
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_governance_gates"
down_revision = "0008"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", _text(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", _text(200), nullable=False),
        sa.Column("severity", _text(16), nullable=False),
        sa.Column("description", _text(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("opened_by", _text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", _text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", _text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_model_version", "findings", ["model", "version"])


def downgrade() -> None:
    op.drop_index("ix_findings_model_version", table_name="findings")
    op.drop_table("findings")
