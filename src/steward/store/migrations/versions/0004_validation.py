"""Validation: stored validation runs and their reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "validation_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("data_fingerprint", _text(64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("target", _text(), nullable=False),
        sa.Column("task", _text(16), nullable=False),
        sa.Column("against", _text(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_validation_runs"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name="fk_validation_runs_version_id_model_versions",
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_validation_runs_version_id_id", "validation_runs", ["version_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_validation_runs_version_id_id", table_name="validation_runs")
    op.drop_table("validation_runs")
