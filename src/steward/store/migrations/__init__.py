"""Alembic migrations of the metadata store (run by ``steward.store.migrate``)."""
