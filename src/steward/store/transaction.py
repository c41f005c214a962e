"""The SQL metadata store: opens the database, migrates it, hands out transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from steward.ports import (
    AlertRepository,
    ApprovalRepository,
    AuditLog,
    CardRepository,
    DeploymentRepository,
    ExplanationRepository,
    FindingRepository,
    IdentityRepository,
    KilledVersionRepository,
    ModelRepository,
    MonitoringRepository,
    PolicyRepository,
    RetrainRepository,
    RolloutRepository,
    ValidationRepository,
    WebhookRepository,
)
from steward.store.alerts import SqlAlertRepository
from steward.store.approvals import SqlApprovalRepository
from steward.store.audit import SqlAuditLog
from steward.store.cards import SqlCardRepository
from steward.store.deployments import SqlDeploymentRepository
from steward.store.engine import WRITE_OPTION, create_engine, normalise_url
from steward.store.explanations import SqlExplanationRepository
from steward.store.findings import SqlFindingRepository
from steward.store.identities import SqlIdentityRepository
from steward.store.killed_versions import SqlKilledVersionRepository
from steward.store.migrate import upgrade
from steward.store.models import SqlModelRepository
from steward.store.monitoring import SqlMonitoringRepository
from steward.store.policies import SqlPolicyRepository
from steward.store.retraining import SqlRetrainRepository
from steward.store.rollouts import SqlRolloutRepository
from steward.store.validation import SqlValidationRepository
from steward.store.webhooks import SqlWebhookRepository

if TYPE_CHECKING:
    from steward.ports import Store


class SqlTransaction:
    """The repositories bound to one database transaction (the ``Transaction`` port).

    ``connection`` is there for adapters of other aggregates that share the transaction.
    """

    models: ModelRepository
    audit: AuditLog
    deployments: DeploymentRepository
    killed_versions: KilledVersionRepository
    identities: IdentityRepository
    approvals: ApprovalRepository
    policies: PolicyRepository
    monitoring: MonitoringRepository
    alerts: AlertRepository
    validation: ValidationRepository
    explanations: ExplanationRepository
    cards: CardRepository
    findings: FindingRepository
    webhooks: WebhookRepository
    retraining: RetrainRepository
    rollouts: RolloutRepository

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.models = SqlModelRepository(connection)
        self.audit = SqlAuditLog(connection)
        self.deployments = SqlDeploymentRepository(connection)
        self.killed_versions = SqlKilledVersionRepository(connection)
        self.identities = SqlIdentityRepository(connection)
        self.approvals = SqlApprovalRepository(connection)
        self.policies = SqlPolicyRepository(connection)
        self.monitoring = SqlMonitoringRepository(connection)
        self.alerts = SqlAlertRepository(connection)
        self.explanations = SqlExplanationRepository(connection)
        self.validation = SqlValidationRepository(connection)
        self.cards = SqlCardRepository(connection)
        self.findings = SqlFindingRepository(connection)
        self.webhooks = SqlWebhookRepository(connection)
        self.retraining = SqlRetrainRepository(connection)
        self.rollouts = SqlRolloutRepository(connection)


class SqlStore:
    """Metadata in SQLite or PostgreSQL (the ``Store`` port).

    Open one per process (engines do not survive ``fork``); it is safe to share
    between threads. ``url`` is the normalised URL, password included; ``repr``
    hides the password.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    @contextmanager
    def write(self) -> Iterator[SqlTransaction]:
        """A read-write transaction, committed on clean exit, rolled back on error.

        On SQLite it begins with ``BEGIN IMMEDIATE``: writers queue (up to the
        busy timeout) instead of failing halfway through.
        """
        with self._writer.begin() as connection:
            yield SqlTransaction(connection)

    @contextmanager
    def read(self) -> Iterator[SqlTransaction]:
        """A transaction for reading: one consistent snapshot on SQLite, READ COMMITTED on PostgreSQL."""
        with self.engine.connect() as connection, connection.begin():
            yield SqlTransaction(connection)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"


def open_store(url: str) -> SqlStore:
    """Open the metadata store at *url*, creating and migrating the database as needed.

    Accepts ``sqlite:///path.db`` (the folder is created) and
    ``postgresql://…`` / ``postgres://…`` (needs ``steward-mlops[postgres]``).
    """
    engine = create_engine(normalise_url(url))
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine)


if TYPE_CHECKING:  # mypy proves the adapter satisfies the ports

    def _is_a_store(store: SqlStore) -> Store:
        return store
