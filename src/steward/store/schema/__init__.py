"""The metadata tables (SQLAlchemy Core), one module per aggregate.

Migrations in ``migrations/versions`` create these; a test checks the two agree.
Text columns use the "C" collation on PostgreSQL so comparisons and ordering
follow code points, as SQLite's BINARY collation does. Times are stored in UTC
with microseconds and always come back as timezone-aware UTC datetimes.
"""

from __future__ import annotations

from steward.store.schema.analysis import (
    explanations,
    validation_runs,
)
from steward.store.schema.audit import (
    audit_chain,
    audit_events,
)
from steward.store.schema.deployments import (
    deployment_revisions,
    deployments,
    killed_versions,
)
from steward.store.schema.events import (
    webhook_deliveries,
    webhooks,
)
from steward.store.schema.governance import (
    api_tokens,
    approval_decisions,
    approval_requests,
    findings,
    grants,
    model_cards,
    policies,
    principals,
)
from steward.store.schema.monitoring import (
    alert_rules,
    alerts,
    monitoring_figures,
    monitoring_files,
    monitoring_labels,
    monitoring_references,
    monitoring_windows,
    monitors,
)
from steward.store.schema.registry import (
    alias_events,
    aliases,
    model_tags,
    model_versions,
    registered_models,
    version_metrics,
    version_params,
    version_tags,
)
from steward.store.schema.retraining import retrain_configs, retrain_cursors, retrain_runs
from steward.store.schema.rollouts import rollouts
from steward.store.schema.types import BigId, MetricsJSON, UTCDateTime, json_column, metadata, text

__all__ = [
    "BigId",
    "MetricsJSON",
    "UTCDateTime",
    "alert_rules",
    "alerts",
    "alias_events",
    "aliases",
    "api_tokens",
    "approval_decisions",
    "approval_requests",
    "audit_chain",
    "audit_events",
    "deployment_revisions",
    "deployments",
    "explanations",
    "findings",
    "grants",
    "json_column",
    "killed_versions",
    "metadata",
    "model_cards",
    "model_tags",
    "model_versions",
    "monitoring_figures",
    "monitoring_files",
    "monitoring_labels",
    "monitoring_references",
    "monitoring_windows",
    "monitors",
    "policies",
    "principals",
    "registered_models",
    "retrain_configs",
    "retrain_cursors",
    "retrain_runs",
    "rollouts",
    "text",
    "validation_runs",
    "version_metrics",
    "version_params",
    "version_tags",
    "webhook_deliveries",
    "webhooks",
]
