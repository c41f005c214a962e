"""Monitoring: references, monitors, payload files read, windows, figures, labels, alert rules and alerts."""

from __future__ import annotations

import sqlalchemy as sa

from steward.store.schema.types import BigId, UTCDateTime, json_column, metadata, text

# -- monitoring ----------------------------------------------------------------
# Reference profiles per version, monitors per deployment, the payload-log files
# each monitor has read, per-window profiles and figures (small time-series rows),
# ground-truth labels, alert rules and alerts.

monitoring_references = sa.Table(
    "monitoring_references",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False, unique=True
    ),
    sa.Column("ref", text(300), nullable=False),
    sa.Column("task", text(32), nullable=False),
    sa.Column("features", json_column(), nullable=False),
    sa.Column("profile", json_column(), nullable=False),
    sa.Column("calibration", json_column(), nullable=True),
    sa.Column("fingerprint", text(64), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

monitors = sa.Table(
    "monitors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "deployment_id", sa.ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False, unique=True
    ),
    sa.Column("window", text(16), nullable=False),
    sa.Column("drift", json_column(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

monitoring_files = sa.Table(
    "monitoring_files",
    metadata,
    sa.Column("monitor_id", sa.ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("path", text(1000), primary_key=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("processed_at", UTCDateTime, nullable=False),
)

monitoring_windows = sa.Table(
    "monitoring_windows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("monitor_id", sa.ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
    sa.Column("version", text(300), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("profile", json_column(), nullable=False),
    sa.Column("traffic", json_column(), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("monitor_id", "start", "version"),
)

monitoring_figures = sa.Table(
    "monitoring_figures",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("monitor_id", sa.ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
    sa.Column("version", text(300), nullable=False),
    sa.Column("name", text(300), nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.Column("details", json_column(), nullable=False),
    sa.UniqueConstraint("monitor_id", "start", "version", "name"),
    sa.Index("ix_monitoring_figures_monitor_id_name_start", "monitor_id", "name", "start"),
    sqlite_autoincrement=True,
)

monitoring_labels = sa.Table(
    "monitoring_labels",
    metadata,
    sa.Column("monitor_id", sa.ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("request_id", text(200), primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("label", json_column(), nullable=False),
    sa.Column("arrived_at", UTCDateTime, nullable=False),
)

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False, unique=True),
    sa.Column("spec", json_column(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("rule_id", sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
    sa.Column("deployment", text(63), nullable=False),
    sa.Column("version", text(300), nullable=False),
    sa.Column("figure", text(300), nullable=False),
    sa.Column("severity", text(16), nullable=False),
    sa.Column("status", text(16), nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.Column("window_start", UTCDateTime, nullable=False),
    sa.Column("fired_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("open_key", text(700), nullable=True, unique=True),
    sa.Index("ix_alerts_rule_id_figure_fired_at", "rule_id", "figure", "fired_at"),
    sqlite_autoincrement=True,
)
