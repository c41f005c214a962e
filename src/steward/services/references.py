"""Building a version's monitoring reference: its sample, its own outputs on it, its labels.

The model is loaded and predicts on the sample, so the reference holds the
outputs' profile (``__prediction__``, and ``__proba__`` for a binary classifier)
beside the inputs'. Reference labels, when given, keep a sample of scores and
labels to calibrate performance estimates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.lineage import describe_dataset
from steward.core.monitoring.multivariate import ReconstructionDrift
from steward.core.monitoring.profile import PREDICTION, PROBA, Profile, build_reference
from steward.core.registry import ModelRef, ModelVersion
from steward.core.windows import TASKS, ReferenceInfo
from steward.ports import ArtifactStore, Transaction
from steward.services.packaging import LoadedModel, load_version

#: At most this many reference scores and labels are kept to calibrate performance estimates.
CALIBRATION_ROWS = 20_000


@dataclass(frozen=True)
class BuiltReference:
    profile: Profile
    task: str
    calibration: dict[str, Any] | None
    fingerprint: str
    rows: int
    #: The fitted multivariate drift detector (``ReconstructionDrift.to_dict()``); None with fewer
    #: than two numeric features or 20 rows.
    multivariate: dict[str, Any] | None = None

    def profile_json(self, importance: dict[str, Any] | None = None) -> dict[str, Any]:
        """The profile as stored: its dict, the detector under ``multivariate`` when fitted, and the
        feature importances (``{"values": {feature: weight}, "source": ...}``) under ``importance``."""
        stored = self.profile.to_dict()
        if self.multivariate is not None:
            stored["multivariate"] = self.multivariate
        if importance is not None:
            stored["importance"] = importance
        return stored


class Loaded:
    """A stored reference ready to compare windows with."""

    def __init__(
        self, info: ReferenceInfo, stored: dict[str, Any], calibration: dict[str, Any] | None
    ) -> None:
        self.info, self.calibration = info, calibration
        self.profile = Profile.from_dict(stored)
        self.multivariate = (
            ReconstructionDrift.from_dict(stored["multivariate"]) if stored.get("multivariate") else None
        )
        found = stored.get("importance") or {}
        self.importance: dict[str, float] | None = (
            {str(k): float(v) for k, v in found["values"].items()} if found else None
        )
        self.importance_source: str | None = found.get("source")


def load(tx: Transaction, version: str) -> Loaded | None:
    """The reference of *version* (``model/3``), or None when it has none."""
    try:
        parsed = ModelRef.parse(version)
        return Loaded(*tx.monitoring.get_reference(parsed.model, parsed.version or 0))
    except (NotFoundError, InvalidInputError):
        return None


def build(
    artifacts: ArtifactStore, version: ModelVersion, data: Any, labels: Any, task: str | None
) -> BuiltReference:
    """Profile *data* and the version's outputs on it; *labels* is a column name or one value per row."""
    frame = as_frame(data, "The reference data")
    truth: np.ndarray[Any, Any] | None = None
    if isinstance(labels, str):
        if labels not in frame.columns:
            raise InvalidInputError(f"The reference data has no label column {labels!r}.")
        truth, frame = frame[labels].to_numpy(), frame.drop(columns=[labels])
    elif labels is not None:
        truth = np.asarray(labels)
        if truth.shape != (len(frame),):
            raise InvalidInputError(f"Give one label per reference row ({len(frame)}), got {truth.shape}.")
    if task is not None and task not in TASKS:
        raise InvalidInputError(f"Unknown task {task!r}: use one of {', '.join(TASKS)}.")
    model = load_version(artifacts, version)
    try:
        inputs = model_inputs(model, frame, labels)
        outputs = frame.copy()
        try:
            outputs[PREDICTION] = np.asarray(model.predict(inputs)).reshape(len(frame), -1)[:, 0]
            proba = _binary_proba(model, inputs)
        except InvalidInputError:
            raise
        except (ValueError, TypeError, KeyError) as exc:  # the framework's own refusal, as bad input
            raise InvalidInputError(
                f"Version {version.ref} cannot predict on the reference data: "
                f"{' '.join(str(exc).split())[:300]}"
            ) from None
    finally:
        model.close()
    if proba is not None:
        outputs[PROBA] = proba
    discrete = proba is not None or _looks_discrete(outputs[PREDICTION])
    task = task or ("classification" if discrete else "regression")
    calibration = None
    if truth is not None and proba is not None and task == "classification":
        keep = np.random.default_rng(0).permutation(len(frame))[:CALIBRATION_ROWS]
        calibration = {"scores": proba[keep].tolist(), "labels": pd.Series(truth[keep]).tolist()}
    fingerprint = describe_dataset(frame, "reference", "reference").fingerprint
    try:
        with warnings.catch_warnings():  # an all-missing column is centred at 0, not an error
            warnings.simplefilter("ignore", RuntimeWarning)
            multivariate: dict[str, Any] | None = ReconstructionDrift().fit(frame).to_dict()
    except (InvalidInputError, np.linalg.LinAlgError):  # fewer than two numeric features or 20 rows
        multivariate = None
    return BuiltReference(build_reference(outputs), task, calibration, fingerprint, len(frame), multivariate)


def save(
    tx: Transaction,
    version: ModelVersion,
    built: BuiltReference,
    importance: Mapping[str, float] | None,
    *,
    actor: str,
    at: datetime,
) -> ReferenceInfo:
    """Store *built* as *version*'s reference (replacing any), with its audit event, in *tx*."""
    weights = importance_of(tx, version, importance, built.profile.features)
    info, previous = tx.monitoring.put_reference(
        version.model, version.version, task=built.task, features=list(built.profile.features),
        profile=built.profile_json(weights), calibration=built.calibration, fingerprint=built.fingerprint,
        rows=built.rows, actor=actor, at=at,
    )  # fmt: skip
    tx.audit.append(
        AuditEvent(
            action="monitoring.reference.set",
            target_type="version",
            target=version.ref,
            actor=actor,
            at=info.created_at,
            before=previous.to_dict() if previous else None,
            after=info.to_dict(),
        )
    )
    return info


def importance_of(
    tx: Transaction, version: ModelVersion, given: Mapping[str, float] | None, features: Iterable[str]
) -> dict[str, Any] | None:
    """The weights for ``drift.weighted``: *given*, else the newest stored permutation importance of
    *version* (negative importances count as 0), else None."""
    names = set(features)
    if given is not None:
        values = {str(k): v for k, v in given.items()}
        bad = [k for k, v in values.items() if isinstance(v, bool) or not isinstance(v, int | float)
               or not math.isfinite(v) or v < 0]  # fmt: skip
        if bad or not values:
            raise InvalidInputError(
                "Feature importances are finite, non-negative numbers, one per feature; fix "
                f"{', '.join(sorted(bad)) or 'the empty mapping'}."
            )
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidInputError(f"Importances name features the reference lacks: {', '.join(unknown)}.")
        return {"values": {k: float(v) for k, v in values.items()}, "source": "given"}
    for explanation in tx.explanations.list(version.model, version.version, "global"):
        result = explanation.result
        if result.get("method") != "permutation":
            continue
        weights = {
            str(f): max(float(w), 0.0)
            for f, w in zip(result["features"], result["importance"], strict=True)
            if str(f) in names and w is not None and math.isfinite(float(w))
        }
        if weights:
            return {"values": weights, "source": f"explanation {explanation.id}"}
    return None


def resolve_version(tx: Transaction, ref: str) -> ModelVersion:
    """The version *ref* means now (``churn/3``, ``churn@champion``, ``churn`` for the latest)."""
    parsed = ModelRef.parse(ref)
    number = parsed.version
    if parsed.alias is not None:
        number = tx.models.get_alias(parsed.model, parsed.alias)
        if number is None:
            raise NotFoundError(f"Model {parsed.model!r} has no alias {parsed.alias!r}.")
    if number is None:
        number = tx.models.get_model(parsed.model).latest_version
    return tx.models.get_version(parsed.model, number)


def as_frame(data: Any, what: str) -> pd.DataFrame:
    """A table (pandas, polars, pyarrow, dict or records) as a non-empty pandas DataFrame."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif hasattr(data, "to_pandas"):
        frame = data.to_pandas()
    elif isinstance(data, dict | list):
        frame = pd.DataFrame(data)
    else:
        raise InvalidInputError(
            f"{what} must be a table (pandas, polars or pyarrow), got {type(data).__name__}."
        )
    if frame.empty:
        raise InvalidInputError(f"{what} has no rows.")
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def model_inputs(model: LoadedModel, frame: pd.DataFrame, labels: Any) -> pd.DataFrame:
    """The columns of *frame* the model predicts on; reference data whose columns the model cannot
    take is refused, naming the columns and the fix.

    The model's columns are its signature's (extra columns are then left out of its input and
    still profiled), else the names the framework saw at fit time (``feature_names_in_``), which
    the framework itself refuses to see more or fewer of."""
    signature = model.version.signature
    if signature is not None and signature.kind == "columns":
        wanted, strict = [str(c) for c in signature.input_names], False
    else:
        fitted = getattr(model.native, "feature_names_in_", None)
        if fitted is None:
            return frame
        wanted, strict = [str(c) for c in fitted], True
    have = set(frame.columns)
    missing = [c for c in wanted if c not in have]
    if missing:
        raise InvalidInputError(
            f"The reference data lacks column(s) version {model.version.ref} takes: {', '.join(missing)}. "
            "Add them to the data."
        )
    extra = [c for c in frame.columns if c not in set(wanted)] if strict else []
    if extra:
        hint = "" if labels is not None else "; if one is the label, name it with --labels (SDK: labels=)"
        raise InvalidInputError(
            f"The reference data has column(s) version {model.version.ref} was not fitted on: "
            f"{', '.join(extra)}. Drop them from the data{hint}."
        )
    return frame[wanted] if strict else frame


def _binary_proba(model: Any, frame: pd.DataFrame) -> np.ndarray[Any, Any] | None:
    if getattr(model.predictor, "predict_proba", None) is None:
        return None
    proba = np.asarray(model.predict_proba(frame), dtype=float)
    if proba.ndim != 2 or proba.shape[1] != 2:
        return None
    return proba[:, 1]


def _looks_discrete(values: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return True
    return pd.api.types.is_integer_dtype(values)
