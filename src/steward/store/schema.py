"""The metadata tables (SQLAlchemy Core).

Migrations in ``migrations/versions`` create these; a test checks the two agree.
Text columns use the "C" collation on PostgreSQL so comparisons and ordering
follow code points, as SQLite's BINARY collation does. Times are stored in UTC
with microseconds and always come back as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def text(length: int | None = None) -> sa.types.TypeEngine[str]:
    """A text column; byte-order ("C") collation on PostgreSQL."""
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


#: Integer keys that autoincrement on both backends (SQLite needs plain INTEGER).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time: stored in UTC, returned timezone-aware (naive input means UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class MetricsJSON(TypeDecorator[dict[str, float]]):
    """Metrics as a JSON object; infinities (not valid JSON) are stored as "inf"/"-inf"."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, float] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return {k: v if math.isfinite(v) else ("inf" if v > 0 else "-inf") for k, v in value.items()}

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, float] | None:
        if value is None:
            return None
        return {str(k): float(v) for k, v in value.items()}


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


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
    sa.Column("flavor_options", _json(), nullable=False),
    sa.Column("signature", _json(), nullable=True),
    sa.Column("metrics", MetricsJSON(none_as_null=True), nullable=False),
    sa.Column("params", _json(), nullable=False),
    sa.Column("tags", _json(), nullable=False),
    sa.Column("lineage", _json(), nullable=False),
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

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", BigId, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", text(), nullable=False),
    sa.Column("action", text(), nullable=False, index=True),
    sa.Column("target_type", text(), nullable=False),
    sa.Column("target", text(), nullable=False, index=True),
    sa.Column("before", _json(), nullable=True),
    sa.Column("after", _json(), nullable=True),
    sa.Column("reason", text(), nullable=False),
    sa.Column("details", _json(), nullable=False),
    # the hash chain (governance): sha256 of the event's canonical JSON and prev_hash
    sa.Column("prev_hash", text(64), nullable=False),
    sa.Column("hash", text(64), nullable=False),
    sqlite_autoincrement=True,
)

deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(63), nullable=False, unique=True),
    sa.Column("current_revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

deployment_revisions = sa.Table(
    "deployment_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("deployment_id", sa.ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("spec", _json(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.UniqueConstraint("deployment_id", "revision"),
)


# -- governance: the audit chain's head, identities, tokens, approvals, policies ----------

#: One row (id 1): the last event of the audit chain. Appends lock it, so the
#: chain never forks, and ``verify`` compares it with the log's tail.
audit_chain = sa.Table(
    "audit_chain",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_hash", text(64), nullable=False),
)

principals = sa.Table(
    "principals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False, unique=True),
    sa.Column("kind", text(16), nullable=False),  # "user" | "service"
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("principal_id", sa.ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", text(16), nullable=False),
    sa.Column("model", text(128), nullable=False),  # "" means every model
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("principal_id", "role", "model"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("principal_id", sa.ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", text(128), nullable=False),
    sa.Column("token_hash", text(64), nullable=False, unique=True),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

approval_requests = sa.Table(
    "approval_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("target", text(64), nullable=False),
    sa.Column("requested_by", text(), nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.Index("ix_approval_requests_model_version_target", "model", "version", "target"),
)

approval_decisions = sa.Table(
    "approval_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.ForeignKey("approval_requests.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reviewer", text(), nullable=False),
    sa.Column("decision", text(16), nullable=False),  # "approve" | "reject"
    sa.Column("comment", text(), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("request_id", "reviewer"),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", _json(), nullable=False),
    sa.Column("source", text(), nullable=False),
    sa.Column("published_by", text(), nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("name", "version"),
)


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
    sa.Column("features", _json(), nullable=False),
    sa.Column("profile", _json(), nullable=False),
    sa.Column("calibration", _json(), nullable=True),
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
    sa.Column("drift", _json(), nullable=False),
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
    sa.Column("profile", _json(), nullable=False),
    sa.Column("traffic", _json(), nullable=False),
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
    sa.Column("details", _json(), nullable=False),
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
    sa.Column("label", _json(), nullable=False),
    sa.Column("arrived_at", UTCDateTime, nullable=False),
)

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", text(128), nullable=False, unique=True),
    sa.Column("spec", _json(), nullable=False),
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


# -- validation ----------------------------------------------------------------------------------

validation_runs = sa.Table(
    "validation_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("data_fingerprint", text(64), nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("target", text(), nullable=False),
    sa.Column("task", text(16), nullable=False),
    sa.Column("against", text(), nullable=True),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("report", _json(), nullable=False),
    # one version's runs, newest first
    sa.Index("ix_validation_runs_version_id_id", "version_id", "id"),
    sqlite_autoincrement=True,
)

# -- explanations (issue 5): one row per version, data fingerprint and request ----------------------

explanations = sa.Table(
    "explanations",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", text(16), nullable=False),
    sa.Column("data_fingerprint", text(64), nullable=False),
    sa.Column("request_key", text(64), nullable=False),
    sa.Column("request", _json(), nullable=False),
    sa.Column("result", _json(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("version_id", "data_fingerprint", "request_key"),
    sqlite_autoincrement=True,
)

# -- kill switch (issue 6): versions no deployment may serve -----------------------------------------

killed_versions = sa.Table(
    "killed_versions",
    metadata,
    sa.Column("model", text(), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("reason", text(), nullable=False),
    sa.Column("killed_by", text(), nullable=False),
    sa.Column("killed_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("model", "version"),
)


# -- model cards (issue 6): the human sections and review status of a version's card ---------------

model_cards = sa.Table(
    "model_cards",
    metadata,
    sa.Column("version_id", sa.ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", text(16), nullable=False),
    sa.Column("sections", _json(), nullable=False),
    sa.Column("edited_by", text(), nullable=False),
    sa.Column("edited_at", UTCDateTime, nullable=False),
    sa.Column("reviewed_by", text(), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
)


# -- governance gates (issue 6): findings raised on a version, open until closed with a resolution --

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model", text(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", text(200), nullable=False),
    sa.Column("severity", text(16), nullable=False),
    sa.Column("description", text(), nullable=False),
    sa.Column("status", text(16), nullable=False),
    sa.Column("opened_by", text(), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", text(), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("resolution", text(), nullable=True),
    sa.Index("ix_findings_model_version", "model", "version"),
)


# -- events (issue 8): webhook subscriptions, their cursor over the audit log, every delivery attempt ---

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("url", text(), nullable=False),
    sa.Column("events", _json(), nullable=False),
    sa.Column("secret", text(), nullable=False),
    sa.Column("created_by", text(), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # the seq of the last audit event handled (delivered or skipped): delivery resumes after it
    sa.Column("cursor", sa.BigInteger, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("last_error", text(), nullable=False),
    # a dispatcher's claim: only the holder of lease_token may advance the cursor until lease_until
    sa.Column("lease_token", text(64), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sqlite_autoincrement=True,
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("webhook_id", sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("type", text(200), nullable=False),
    sa.Column("delivery_id", text(100), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", text(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("duration_ms", sa.Double, nullable=False),
    # one subscription's attempts, newest first
    sa.Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    sqlite_autoincrement=True,
)


# -- retraining (issue 8): what a model declares, its runs, and the trigger evaluator's cursor ------

retrain_configs = sa.Table(
    "retrain_configs",
    metadata,
    sa.Column("model", text(128), primary_key=True),
    sa.Column("config", _json(), nullable=False),
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
    sa.Column("config", _json(), nullable=False),
    sa.Column("params", _json(), nullable=False),
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


# -- progressive rollout (issue 8): a challenger stepped up while guardrails hold -----------------

rollouts = sa.Table(
    "rollouts",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("deployment", text(63), nullable=False),
    sa.Column("plan", _json(), nullable=False),
    sa.Column("champion", text(), nullable=False),
    sa.Column("challenger", text(), nullable=False),
    sa.Column("state", text(16), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("started_by", text(), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("step_started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("reason", text(), nullable=False),
    sa.Column("history", _json(), nullable=False),
    # the deployment's name while the rollout runs, NULL once it ended: at most one running per deployment
    sa.Column("running", text(63), nullable=True, unique=True),
    sa.Index("ix_rollouts_deployment_id", "deployment", "id"),
    sqlite_autoincrement=True,
)
