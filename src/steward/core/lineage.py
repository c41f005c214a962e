"""Lineage: the data, code and environment a version came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from steward.core.errors import InvalidInputError

DATASET_ROLES = ("training", "evaluation", "validation", "test", "reference", "other")


@dataclass(frozen=True)
class DatasetRef:
    """A dataset a version was trained or evaluated on, identified by its content."""

    name: str
    role: str
    fingerprint: str
    rows: int
    schema: tuple[dict[str, Any], ...] = ()
    uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "fingerprint": self.fingerprint,
            "rows": self.rows,
            "schema": list(self.schema),
            "uri": self.uri,
        }

    @classmethod
    def from_dict(cls, data: Any) -> DatasetRef:
        if not isinstance(data, dict):
            raise InvalidInputError("A dataset reference is an object.")
        role = data.get("role", "training")
        if role not in DATASET_ROLES:
            raise InvalidInputError(f"Unknown dataset role {role!r}; use one of {', '.join(DATASET_ROLES)}.")
        try:
            return cls(
                name=str(data["name"]),
                role=role,
                fingerprint=str(data["fingerprint"]),
                rows=int(data["rows"]),
                schema=tuple(data.get("schema") or ()),
                uri=data.get("uri"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"Incomplete dataset reference: {exc}") from None


@dataclass(frozen=True)
class Lineage:
    datasets: tuple[DatasetRef, ...] = ()
    code_commit: str | None = None
    code_repo: str | None = None
    code_dirty: bool | None = None
    python_version: str | None = None
    packages: dict[str, str] = field(default_factory=dict)
    parent: str | None = None  # "model/version" this version was retrained from
    source: str | None = None  # free text: a run id, a pipeline name

    def to_dict(self) -> dict[str, Any]:
        return {
            "datasets": [d.to_dict() for d in self.datasets],
            "code_commit": self.code_commit,
            "code_repo": self.code_repo,
            "code_dirty": self.code_dirty,
            "python_version": self.python_version,
            "packages": dict(self.packages),
            "parent": self.parent,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Lineage:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise InvalidInputError("Lineage is an object.")
        return cls(
            datasets=tuple(DatasetRef.from_dict(d) for d in data.get("datasets") or ()),
            code_commit=data.get("code_commit"),
            code_repo=data.get("code_repo"),
            code_dirty=data.get("code_dirty"),
            python_version=data.get("python_version"),
            packages={str(k): str(v) for k, v in (data.get("packages") or {}).items()},
            parent=data.get("parent"),
            source=data.get("source"),
        )


def _to_pandas(data: Any) -> Any:
    import pandas as pd

    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return data.to_frame() if isinstance(data, pd.Series) else data
    if module in ("polars", "pyarrow"):
        return data.to_pandas()
    if module == "numpy":
        import numpy as np

        array = np.asarray(data)
        return pd.DataFrame(array.reshape(len(array), -1) if array.ndim != 2 else array)
    if isinstance(data, (dict, list)):
        return pd.DataFrame(data)
    raise InvalidInputError(
        f"Cannot fingerprint {type(data).__name__}: pass a pandas, polars or pyarrow table or a numpy array."
    )


def describe_dataset(data: Any, name: str, role: str = "training", uri: str | None = None) -> DatasetRef:
    """Fingerprint a dataset by content: same rows in the same order, same fingerprint."""
    import pandas as pd

    from steward.core.signature import infer_schema

    if role not in DATASET_ROLES:
        raise InvalidInputError(f"Unknown dataset role {role!r}; use one of {', '.join(DATASET_ROLES)}.")
    frame = _to_pandas(data)
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(frame[c].dtype)) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    columns, _ = infer_schema(frame)
    return DatasetRef(
        name=name,
        role=role,
        fingerprint=digest.hexdigest(),
        rows=len(frame),
        schema=tuple(c.to_dict() for c in columns),
        uri=uri,
    )
