"""Deployments: a named record and every revision of its spec.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(63), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
        sa.UniqueConstraint("name", name="uq_deployments_name"),
    )
    op.create_table(
        "deployment_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("reason", _text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deployment_revisions"),
        sa.UniqueConstraint(
            "deployment_id", "revision", name="uq_deployment_revisions_deployment_id_revision"
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name="fk_deployment_revisions_deployment_id_deployments",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("deployment_revisions")
    op.drop_table("deployments")
