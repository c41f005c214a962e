"""The metadata and column types every table module shares.

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


def json_column() -> sa.JSON:
    """A JSON column where Python None is SQL NULL."""
    return sa.JSON(none_as_null=True)
