"""Progressive rollout: one row per rollout, at most one running per deployment.

Revision ID: 0013_rollouts
Revises: 0012_retraining
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_rollouts"
down_revision = "0012_retraining"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rollouts",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("deployment", _text(63), nullable=False),
        sa.Column("plan", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("champion", _text(), nullable=False),
        sa.Column("challenger", _text(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("started_by", _text(), nullable=False),
        sa.Column("started_at", _time(), nullable=False),
        sa.Column("step_started_at", _time(), nullable=False),
        sa.Column("finished_at", _time(), nullable=True),
        sa.Column("reason", _text(), nullable=False),
        sa.Column("history", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("running", _text(63), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rollouts"),
        sa.UniqueConstraint("running", name="uq_rollouts_running"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rollouts_deployment_id", "rollouts", ["deployment", "id"])


def downgrade() -> None:
    op.drop_table("rollouts")
