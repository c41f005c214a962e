"""Apply the Alembic migrations shipped inside the package, on open.

No ``alembic.ini`` is needed: the script location is this package's
``migrations`` folder. Concurrent openers of a fresh database are serialised
(``BEGIN IMMEDIATE`` on SQLite, a transaction-level advisory lock on
PostgreSQL), and the late ones find the schema current and do nothing.
"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from steward.core.errors import StewardError
from steward.store.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"
#: Our own version table, so a database shared with other Alembic users stays apart.
VERSION_TABLE = "steward_alembic_version"
#: Key of the PostgreSQL advisory lock held while migrating.
ADVISORY_LOCK_KEY = 0x5747_4D49  # "SWMI"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest revision this version of Steward knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (``None`` when it has no schema yet)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op when it is current."""
    head = head_revision()
    with engine.connect() as connection, connection.begin():
        if current_revision(connection) == head:
            return
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
        try:
            command.upgrade(alembic_config(connection), "head")
        except CommandError as exc:
            raise StewardError(
                f"Cannot migrate the Steward database ({exc}). It may have been created by a newer "
                "Steward: upgrade steward-mlops."
            ) from None
