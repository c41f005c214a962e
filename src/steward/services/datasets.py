"""Tables people hand to validation and explanation: read from a file, fingerprinted by content."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.lineage import describe_dataset

#: File extensions :func:`load_table` reads, and the reader for each.
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def load_table(path: str | Path, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a Parquet or CSV file (chosen by extension) into a DataFrame.

    With *columns*, only those columns are returned, in that order; a column the
    file lacks is an :class:`InvalidInputError` naming the columns it has.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInputError(
            f"Cannot read {path.name!r}: use a Parquet (.parquet, .pq) or CSV (.csv) file."
        )
    if not path.is_file():
        raise InvalidInputError(f"No such data file: {str(path)!r}. Check the path.")
    try:
        frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InvalidInputError(f"Cannot read {path.name!r} as {fmt.upper()}: {exc}") from None
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InvalidInputError(
                f"{path.name!r} has no column(s) {', '.join(map(repr, missing))}; "
                f"it has {', '.join(map(repr, map(str, frame.columns)))}."
            )
        frame = frame[list(columns)]
    return frame


def fingerprint(frame: pd.DataFrame) -> str:
    """The sha256 content fingerprint of *frame*: same columns, dtypes and rows in order, same value.

    It is the fingerprint lineage records for registered datasets, so a
    validation run and a version's lineage can be compared.
    """
    return describe_dataset(frame, name="data").fingerprint
