"""Model cards: the human sections and review status of a version's card.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "model_cards",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("edited_by", _text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", _text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version_id", name="pk_model_cards"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name="fk_model_cards_version_id_model_versions",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("model_cards")
