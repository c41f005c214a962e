"""Retraining: what a model declares (entry point, data, triggers), its runs, the trigger cursor."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

# -- retraining (issue 8): what a model declares, its runs, and the trigger evaluator's cursor ------

retrain_configs = sa.Table(
    "retrain_configs",
    metadata,
    sa.Column("model", text(128), primary_key=True),
    sa.Column("config", json_column(), nullable=False),
    sa.Column("updated_by", text(), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # alerts fired after this audit seq count (the config's own retrain.configure event)
    sa.Column("since_seq", sa.BigInteger, nullable=False),
    # the next cron tick due (missed ticks collapse into one), and the last performance window acted on
    sa.Column("next_due", UTCDateTime, nullable=True),
    sa.Column("performance_seen", UTCDateTime, nullable=True),
)

retrain_runs = sa.Table(
    "retrain_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("model", text(128), nullable=False),
    sa.Column("trigger", text(16), nullable=False),
    sa.Column("trigger_detail", text(), nullable=False),
    sa.Column("state", text(16), nullable=False),
    # the model's name while the run is queued or running, else NULL: at most one active run per model
    sa.Column("active_key", text(128), nullable=True, unique=True),
    sa.Column("engine", text(16), nullable=False),
    sa.Column("config", json_column(), nullable=False),
    sa.Column("params", json_column(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("parent", text(), nullable=True),
    sa.Column("candidate", text(), nullable=True),
    sa.Column("validation_run", sa.BigInteger, nullable=True),
    sa.Column("validation_passed", sa.Boolean, nullable=True),
    sa.Column("approval", sa.BigInteger, nullable=True),
    sa.Column("outcome", text(), nullable=False),
    sa.Column("progress", sa.Double, nullable=False),
    sa.Column("message", text(), nullable=False),
    sa.Column("error", text(), nullable=False),
    sa.Column("log_path", text(), nullable=False),
    # the runner's claim, renewed while the process lives; an expired lease means the runner died
    sa.Column("lease_token", text(64), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Index("ix_retrain_runs_model_id", "model", "id"),
    sa.Index("ix_retrain_runs_state", "state"),
    sqlite_autoincrement=True,
)

retrain_cursors = sa.Table(
    "retrain_cursors",
    metadata,
    sa.Column("name", text(64), primary_key=True),
    # the seq of the last audit event the alert trigger looked at
    sa.Column("seq", sa.BigInteger, nullable=False),
)
