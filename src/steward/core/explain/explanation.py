"""Explanations as domain values: what was asked (:class:`ExplainRequest`) and what is stored.

An explanation is stored per version, data fingerprint and request; asking
the same question of the same version on the same data returns the stored
one. :meth:`ExplainRequest.key` is the request's identity for that lookup.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from steward.core.errors import InvalidInputError

#: The scorer names permutation importance accepts.
SCORINGS = (
    "roc_auc",
    "accuracy",
    "balanced_accuracy",
    "r2",
    "neg_mean_squared_error",
    "neg_mean_absolute_error",
)
KINDS = ("global", "local", "pdp", "sensitivity")
METHODS = {
    "global": ("auto", "permutation", "treeshap"),
    "local": ("auto", "treeshap", "linear", "sampling"),
    "pdp": ("auto",),
    "sensitivity": ("auto",),
}
#: Default budgets: rows used for global explanations, PD and sensitivity; background rows for local.
MAX_ROWS = 1000
BACKGROUND = 100
LIMITS = {
    "n_repeats": (1, 100),
    "max_rows": (10, 1_000_000),
    "background": (1, 10_000),
    "grid_size": (2, 200),
    "ice_rows": (0, 1000),
    "seed": (0, 2**32 - 1),
}


def check_kind(kind: str | None) -> str | None:
    """*kind* if it is one of :data:`KINDS` (or None)."""
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(f"Unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
    return kind


@dataclass(frozen=True)
class ExplainRequest:
    """The question: which kind of explanation, by which method, within which budget."""

    kind: str = "global"
    method: str = "auto"
    row: int | None = None  # local (required) and sensitivity: a row position in the data, from 0
    target: str | None = None  # the label column, for permutation importance
    scoring: str | None = None  # permutation importance's metric (default by model type)
    features: tuple[str, ...] | None = None  # pdp and sensitivity: which columns (default all)
    class_index: int | None = None  # classifiers: which class's probability (default the last)
    n_repeats: int = 5
    max_rows: int = MAX_ROWS
    background: int = BACKGROUND
    grid_size: int = 20
    ice_rows: int = 50
    seed: int = 0

    def checked(self) -> ExplainRequest:
        if self.kind not in KINDS:
            raise InvalidInputError(f"Unknown kind {self.kind!r}; use one of {', '.join(KINDS)}.")
        if self.method not in METHODS[self.kind]:
            raise InvalidInputError(
                f"Unknown method {self.method!r} for kind {self.kind!r}; "
                f"use one of {', '.join(METHODS[self.kind])}."
            )
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidInputError(f"{name} is a whole number from {low} to {high}, not {value!r}.")
        if self.row is not None and (
            isinstance(self.row, bool) or not isinstance(self.row, int) or self.row < 0
        ):
            raise InvalidInputError(f"row is a row position from 0, not {self.row!r}.")
        if self.kind == "local" and self.row is None:
            raise InvalidInputError("A local explanation needs the row to explain (--row N, from 0).")
        if self.kind in ("global", "pdp") and self.row is not None:
            raise InvalidInputError(
                f"A {self.kind} explanation covers all rows; drop row, or use kind local."
            )
        if self.class_index is not None and (
            isinstance(self.class_index, bool) or not isinstance(self.class_index, int)
        ):
            raise InvalidInputError("class_index is a whole number (a column of predict_proba).")
        if self.scoring is not None and self.scoring not in SCORINGS:
            raise InvalidInputError(f"Unknown scoring {self.scoring!r}; use one of {', '.join(SCORINGS)}.")
        for text in (self.target, *(self.features or ())):
            if text is not None and (not isinstance(text, str) or not text or len(text) > 250):
                raise InvalidInputError("Column names are text of 1 to 250 characters.")
        if self.features is not None and not self.features:
            raise InvalidInputError("features, when given, names at least one column.")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["features"] = list(self.features) if self.features is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ExplainRequest:
        if not isinstance(data, dict):
            raise InvalidInputError("An explanation request is an object.")
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(data) - known):
            raise InvalidInputError(
                f"Unknown explanation parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
            )
        values = dict(data)
        if isinstance(values.get("features"), list):
            values["features"] = tuple(values["features"])
        return cls(**values).checked()

    def key(self) -> str:
        """The request's identity: sha256 of its canonical JSON."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_method(self, method: str) -> ExplainRequest:
        return replace(self, method=method)


@dataclass(frozen=True)
class Explanation:
    """A stored explanation of one version on one data set."""

    model: str
    version: int
    kind: str
    data_fingerprint: str
    request: ExplainRequest
    result: dict[str, Any]
    created_by: str
    created_at: datetime
    id: int | None = None
    reused: bool = field(default=False, compare=False)  # True when an earlier result was returned

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"


def explanation_to_dict(explanation: Explanation, *, with_result: bool = True) -> dict[str, Any]:
    """The JSON form the REST API returns and the SDK reads back."""
    data: dict[str, Any] = {
        "id": explanation.id,
        "model": explanation.model,
        "version": explanation.version,
        "ref": explanation.ref,
        "kind": explanation.kind,
        "method": explanation.result.get("method"),
        "data_fingerprint": explanation.data_fingerprint,
        "request": explanation.request.to_dict(),
        "created_by": explanation.created_by,
        "created_at": explanation.created_at.isoformat(),
        "reused": explanation.reused,
    }
    if with_result:
        data["result"] = explanation.result
    return data


def explanation_from_dict(data: dict[str, Any]) -> Explanation:
    return Explanation(
        model=str(data["model"]),
        version=int(data["version"]),
        kind=str(data["kind"]),
        data_fingerprint=str(data["data_fingerprint"]),
        request=ExplainRequest.from_dict(data["request"]),
        result=dict(data.get("result") or {}),
        created_by=str(data["created_by"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        id=None if data.get("id") is None else int(data["id"]),
        reused=bool(data.get("reused", False)),
    )
