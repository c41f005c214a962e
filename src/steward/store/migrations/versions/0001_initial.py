"""Initial schema: models, versions, search key/values, aliases, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, table: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete="CASCADE"
    )


def _key_value_table(name: str, value_type: sa.types.TypeEngine[Any]) -> None:
    op.create_table(
        name,
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", _text(250), nullable=False),
        sa.Column("value", value_type, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "key", name=f"pk_{name}"),
        _fk("version_id", name, "model_versions"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(128), nullable=False),
        sa.Column("description", _text(), nullable=False),
        sa.Column("owner", _text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registered_models"),
        sa.UniqueConstraint("name", name="uq_registered_models_name"),
    )
    op.create_table(
        "model_tags",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("key", _text(250), nullable=False),
        sa.Column("value", _text(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "key", name="pk_model_tags"),
        _fk("model_id", "model_tags", "registered_models"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("artifact_digest", _text(64), nullable=False),
        sa.Column("flavor", _text(32), nullable=False),
        sa.Column("flavor_options", sa.JSON(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("lineage", sa.JSON(), nullable=False),
        sa.Column("description", _text(), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
        sa.UniqueConstraint("model_id", "version", name="uq_model_versions_model_id_version"),
        _fk("model_id", "model_versions", "registered_models"),
    )
    op.create_index("ix_model_versions_artifact_digest", "model_versions", ["artifact_digest"])
    op.create_index("ix_model_versions_created_at_id", "model_versions", ["created_at", "id"])
    op.create_index(
        "ix_model_versions_model_id_created_at_id", "model_versions", ["model_id", "created_at", "id"]
    )

    _key_value_table("version_tags", _text())
    _key_value_table("version_metrics", sa.Double())
    _key_value_table("version_params", _text())
    op.create_index("ix_version_metrics_key_value", "version_metrics", ["key", "value"])

    op.create_table(
        "aliases",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", _text(64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "alias", name="pk_aliases"),
        _fk("model_id", "aliases", "registered_models"),
        _fk("version_id", "aliases", "model_versions"),
    )
    op.create_index("ix_aliases_version_id", "aliases", ["version_id"])

    op.create_table(
        "alias_events",
        sa.Column("seq", _seq(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", _text(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("actor", _text(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("reason", _text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_alias_events"),
        _fk("model_id", "alias_events", "registered_models"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_alias_events_model_id_alias_at_seq", "alias_events", ["model_id", "alias", "at", "seq"]
    )

    op.create_table(
        "audit_events",
        sa.Column("seq", _seq(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("actor", _text(), nullable=False),
        sa.Column("action", _text(), nullable=False),
        sa.Column("target_type", _text(), nullable=False),
        sa.Column("target", _text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", _text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_target", "audit_events", ["target"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "alias_events",
        "aliases",
        "version_params",
        "version_metrics",
        "version_tags",
        "model_versions",
        "model_tags",
        "registered_models",
    ):
        op.drop_table(table)
