"""The registry's tables: models, versions (tags, metrics and params as searchable rows), aliases, moves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from steward.store.schema.types import BigId, MetricsJSON, UTCDateTime, json_column, metadata, text

registered_models = sa.Table(
    "registered_models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False, unique=True),
    sa.Column("description", text(), nullable=False),
    sa.Column("owner", text(), nullable=False),
    sa.Column("latest_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

model_tags = sa.Table(
    "model_tags",
    metadata,
    sa.Column("model_id", sa.ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", text(250), primary_key=True),
    sa.Column("value", text(), nullable=False),
    sqlite_with_rowid=False,
)

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model_id", sa.ForeignKey("registered_models.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("artifact_digest", text(64), nullable=False, index=True),
    sa.Column("flavor", text(32), nullable=False),
    sa.Column("flavor_options", json_column(), nullable=False),
    sa.Column("signature", json_column(), nullable=True),
    sa.Column("metrics", MetricsJSON(none_as_null=True), nullable=False),
    sa.Column("params", json_column(), nullable=False),
    sa.Column("tags", json_column(), nullable=False),
    sa.Column("lineage", json_column(), nullable=False),
    sa.Column("description", text(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("model_id", "version"),
    sa.Index("ix_model_versions_created_at_id", "created_at", "id"),
    # one model's versions newest first, without sorting them all
    sa.Index("ix_model_versions_model_id_created_at_id", "model_id", "created_at", "id"),
    sa.Index("ix_model_versions_artifact_digest", "artifact_digest"),
)


def _key_value_table(name: str, value_type: sa.types.TypeEngine[Any]) -> sa.Table:
    """``(version_id, key) -> value``: one row per tag, metric or param, for search.

    Searches probe the primary key (``EXISTS``); on SQLite the table *is* that
    key (WITHOUT ROWID), so a probe is one B-tree lookup.
    """
    return sa.Table(
        name,
        metadata,
        sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", text(250), primary_key=True),
        sa.Column("value", value_type, nullable=False),
        sqlite_with_rowid=False,
    )


version_tags = _key_value_table("version_tags", text())
version_metrics = _key_value_table("version_metrics", sa.Double())
version_params = _key_value_table("version_params", text())
sa.Index("ix_version_metrics_key_value", version_metrics.c.key, version_metrics.c.value)

aliases = sa.Table(
    "aliases",
    metadata,
    sa.Column("model_id", sa.ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("alias", text(64), primary_key=True),
    sa.Column(
        "version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
)

alias_events = sa.Table(
    "alias_events",
    metadata,
    sa.Column("seq", BigId, primary_key=True),
    sa.Column("model_id", sa.ForeignKey("registered_models.id", ondelete="CASCADE"), nullable=False),
    sa.Column("alias", text(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("previous_version", sa.Integer, nullable=True),
    sa.Column("actor", text(), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.Index("ix_alias_events_model_id_alias_at_seq", "model_id", "alias", "at", "seq"),
    sqlite_autoincrement=True,
)
