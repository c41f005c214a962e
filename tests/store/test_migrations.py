"""Migrations run on open: create a fresh schema, skip a current one, survive a crowd."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from steward.core.errors import StewardError
from steward.store import migrate, open_store
from steward.store.engine import create_engine, normalise_url
from steward.store.schema import metadata

from . import workers
from .builders import T0

SPAWN = multiprocessing.get_context("spawn")
TABLES = {
    "registered_models",
    "model_tags",
    "model_versions",
    "version_tags",
    "version_metrics",
    "version_params",
    "aliases",
    "alias_events",
    "audit_events",
    "deployments",
    "deployment_revisions",
    "audit_chain",
    "principals",
    "grants",
    "api_tokens",
    "approval_requests",
    "approval_decisions",
    "policies",
    # monitoring
    "monitoring_references",
    "monitors",
    "monitoring_files",
    "monitoring_windows",
    "monitoring_figures",
    "monitoring_labels",
    "killed_versions",
    "alert_rules",
    "alerts",
    "validation_runs",
    "explanations",
    "model_cards",
    "findings",
    "webhooks",
    "webhook_deliveries",
    "retrain_configs",
    "retrain_runs",
    "retrain_cursors",
    "rollouts",
    migrate.VERSION_TABLE,
}


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def fresh_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "fresh_postgres_url")
    return url


@pytest.fixture
def engine(fresh_url: str) -> Iterator[sa.Engine]:
    made = create_engine(normalise_url(fresh_url))
    yield made
    made.dispose()


def tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return migrate.current_revision(conn)


def test_a_fresh_database_gets_the_schema(engine: sa.Engine) -> None:
    assert tables(engine) == set()
    migrate.upgrade(engine)
    assert tables(engine) == TABLES
    assert revision(engine) == migrate.head_revision() is not None


def test_the_migrations_build_exactly_the_tables_the_code_uses(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": migrate.VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []


def test_a_current_database_is_left_alone(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    migrate.upgrade(engine)
    sa.event.remove(engine, "before_cursor_execute", record)
    assert statements, "the version check itself should be seen"
    changes = {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE"}
    writes = [s for s in statements if s.split()[0].upper() in changes]
    assert writes == []
    assert "BEGIN IMMEDIATE" not in statements


def test_opening_twice_keeps_the_data(fresh_url: str) -> None:
    store = open_store(fresh_url)
    with store.write() as tx:
        tx.models.create_model("churn", description="", owner="a", tags={}, at=T0)
    store.close()
    store = open_store(fresh_url)
    with store.read() as tx:
        assert tx.models.get_model("churn").name == "churn"
    store.close()


@pytest.mark.slow
def test_four_processes_opening_a_fresh_database_at_once(fresh_url: str) -> None:
    manager = SPAWN.Manager()
    start = manager.Barrier(4)
    try:
        with ProcessPoolExecutor(4, mp_context=SPAWN) as pool:
            jobs = [pool.submit(workers.open_at_once, fresh_url, start) for _ in range(4)]
            for job in jobs:
                job.result(timeout=120)
    finally:
        manager.shutdown()
    engine = create_engine(normalise_url(fresh_url))
    try:
        assert tables(engine) == TABLES
        assert revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            versions = conn.execute(sa.text(f"SELECT count(*) FROM {migrate.VERSION_TABLE}")).scalar()
        assert versions == 1
    finally:
        engine.dispose()


def test_a_database_from_a_newer_steward_is_refused_clearly(sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    engine = create_engine(normalise_url(sqlite_url))
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(StewardError, match="newer Steward: upgrade steward-mlops"):
        open_store(sqlite_url)
