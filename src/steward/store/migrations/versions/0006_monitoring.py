"""Monitoring: reference profiles, window figures, labels and alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "monitoring_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("ref", _text(300), nullable=False),
        sa.Column("task", _text(32), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("calibration", sa.JSON(), nullable=True),
        sa.Column("fingerprint", _text(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_references"),
        sa.UniqueConstraint("version_id", name="uq_monitoring_references_version_id"),
        _fk("version_id", "monitoring_references", "model_versions"),
    )
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("window", _text(16), nullable=False),
        sa.Column("drift", sa.JSON(), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitors"),
        sa.UniqueConstraint("deployment_id", name="uq_monitors_deployment_id"),
        _fk("deployment_id", "monitors", "deployments"),
    )
    op.create_table(
        "monitoring_files",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("path", _text(1000), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("processed_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("monitor_id", "path", name="pk_monitoring_files"),
        _fk("monitor_id", "monitoring_files", "monitors"),
    )
    op.create_table(
        "monitoring_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("start", _time(), nullable=False),
        sa.Column("end", _time(), nullable=False),
        sa.Column("version", _text(300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("traffic", sa.JSON(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_windows"),
        sa.UniqueConstraint(
            "monitor_id", "start", "version", name="uq_monitoring_windows_monitor_id_start_version"
        ),
        _fk("monitor_id", "monitoring_windows", "monitors"),
    )
    op.create_table(
        "monitoring_figures",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("start", _time(), nullable=False),
        sa.Column("end", _time(), nullable=False),
        sa.Column("version", _text(300), nullable=False),
        sa.Column("name", _text(300), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_figures"),
        sa.UniqueConstraint(
            "monitor_id",
            "start",
            "version",
            "name",
            name="uq_monitoring_figures_monitor_id_start_version_name",
        ),
        _fk("monitor_id", "monitoring_figures", "monitors"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_monitoring_figures_monitor_id_name_start", "monitoring_figures", ["monitor_id", "name", "start"]
    )
    op.create_table(
        "monitoring_labels",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("request_id", _text(200), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("arrived_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("monitor_id", "request_id", "row", name="pk_monitoring_labels"),
        _fk("monitor_id", "monitoring_labels", "monitors"),
    )
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(128), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_by", _text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_rules"),
        sa.UniqueConstraint("name", name="uq_alert_rules_name"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("deployment", _text(63), nullable=False),
        sa.Column("version", _text(300), nullable=False),
        sa.Column("figure", _text(300), nullable=False),
        sa.Column("severity", _text(16), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("window_start", _time(), nullable=False),
        sa.Column("fired_at", _time(), nullable=False),
        sa.Column("resolved_at", _time(), nullable=True),
        sa.Column("open_key", _text(700), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("open_key", name="uq_alerts_open_key"),
        _fk("rule_id", "alerts", "alert_rules"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alerts_rule_id_figure_fired_at", "alerts", ["rule_id", "figure", "fired_at"])


def downgrade() -> None:
    for table in (
        "alerts",
        "alert_rules",
        "monitoring_labels",
        "monitoring_figures",
        "monitoring_windows",
        "monitoring_files",
        "monitors",
        "monitoring_references",
    ):
        op.drop_table(table)
