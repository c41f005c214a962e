"""Progressive rollouts: a challenger stepped up on a deployment while guardrails hold."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

# -- progressive rollout (issue 8): a challenger stepped up while guardrails hold -----------------

rollouts = sa.Table(
    "rollouts",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("deployment", text(63), nullable=False),
    sa.Column("plan", json_column(), nullable=False),
    sa.Column("champion", text(), nullable=False),
    sa.Column("challenger", text(), nullable=False),
    sa.Column("state", text(16), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("started_by", text(), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("step_started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("reason", text(), nullable=False),
    sa.Column("history", json_column(), nullable=False),
    # the deployment's name while the rollout runs, NULL once it ended: at most one running per deployment
    sa.Column("running", text(63), nullable=True, unique=True),
    sa.Index("ix_rollouts_deployment_id", "deployment", "id"),
    sqlite_autoincrement=True,
)
