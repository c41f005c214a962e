"""Retraining: each model's retraining config, its runs, and the alert trigger's cursor.

Revision ID: 0012_retraining
Revises: 0011_events
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_retraining"
down_revision = "0011_events"
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
        "retrain_configs",
        sa.Column("model", _text(128), nullable=False),
        sa.Column("config", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("updated_by", _text(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("since_seq", sa.BigInteger(), nullable=False),
        sa.Column("next_due", _time(), nullable=True),
        sa.Column("performance_seen", _time(), nullable=True),
        sa.PrimaryKeyConstraint("model", name="pk_retrain_configs"),
    )
    op.create_table(
        "retrain_runs",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("model", _text(128), nullable=False),
        sa.Column("trigger", _text(16), nullable=False),
        sa.Column("trigger_detail", _text(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("active_key", _text(128), nullable=True),
        sa.Column("engine", _text(16), nullable=False),
        sa.Column("config", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("params", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("started_at", _time(), nullable=True),
        sa.Column("finished_at", _time(), nullable=True),
        sa.Column("parent", _text(), nullable=True),
        sa.Column("candidate", _text(), nullable=True),
        sa.Column("validation_run", sa.BigInteger(), nullable=True),
        sa.Column("validation_passed", sa.Boolean(), nullable=True),
        sa.Column("approval", sa.BigInteger(), nullable=True),
        sa.Column("outcome", _text(), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", _text(), nullable=False),
        sa.Column("error", _text(), nullable=False),
        sa.Column("log_path", _text(), nullable=False),
        sa.Column("lease_token", _text(64), nullable=True),
        sa.Column("lease_until", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_retrain_runs"),
        sa.UniqueConstraint("active_key", name="uq_retrain_runs_active_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_retrain_runs_model_id", "retrain_runs", ["model", "id"])
    op.create_index("ix_retrain_runs_state", "retrain_runs", ["state"])
    op.create_table(
        "retrain_cursors",
        sa.Column("name", _text(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_retrain_cursors"),
    )


def downgrade() -> None:
    op.drop_table("retrain_cursors")
    op.drop_table("retrain_runs")
    op.drop_table("retrain_configs")
