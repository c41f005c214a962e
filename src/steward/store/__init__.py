"""The metadata store: SQLAlchemy over SQLite (embedded default) or PostgreSQL.

``open_store(url)`` returns a :class:`SqlStore` implementing ``steward.ports.Store``;
the schema is created and migrated (Alembic) on open.
"""

from __future__ import annotations

from steward.store.transaction import SqlStore, SqlTransaction, open_store

__all__ = ["SqlStore", "SqlTransaction", "open_store"]
