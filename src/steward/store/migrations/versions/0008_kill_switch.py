"""Kill switch: versions no deployment may serve.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "killed_versions",
        sa.Column("model", _text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("reason", _text(), nullable=False),
        sa.Column("killed_by", _text(), nullable=False),
        sa.Column("killed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model", "version", name="pk_killed_versions"),
    )


def downgrade() -> None:
    op.drop_table("killed_versions")
