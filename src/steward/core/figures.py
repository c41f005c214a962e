"""The figures of one monitoring window, computed from profiles and traffic counts (pure).

Names: ``requests``, ``rows``, ``error_rate``, ``latency.p50``, ``latency.p99``;
``drift.<feature>`` (the drift score, details say method, threshold, p-values),
``drift.share``, ``drift.weighted`` (the importance-weighted share, when the reference has feature
importances) and ``drift.dataset`` (1 when the dataset drifted); ``drift.multivariate`` (the PCA
reconstruction error of a sample of the window's rows) and ``drift.multivariate.drifted`` (1 past the
threshold learned from the reference);
``quality.missing.<feature>`` (missing rate) and ``quality.<check>[.<feature>]``
for each quality issue; ``estimated.<metric>`` (confidence-based estimate for
binary classifiers, details state its assumptions); from labels
``performance.<metric>`` and ``performance.labelled``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from steward.core.monitoring.drift import DriftConfig, compare
from steward.core.monitoring.multivariate import ReconstructionDrift
from steward.core.monitoring.profile import PROBA, Profile
from steward.core.monitoring.quality import check_quality
from steward.core.monitoring.reservoir import RowSample
from steward.core.windows import Figure, LatencyHistogram, finite


def traffic_figures(
    deployment: str, version: str, start: datetime, end: datetime, traffic: Mapping[str, Any]
) -> list[Figure]:
    requests = int(traffic.get("requests", 0))
    errors = int(traffic.get("errors", 0))
    latency = LatencyHistogram(traffic.get("latency") or {})

    def make(name: str, value: float | None, **details: Any) -> Figure:
        return Figure(deployment, version, start, end, name, finite(value), details)

    return [
        make("requests", requests),
        make("rows", int(traffic.get("rows", 0))),
        make("error_rate", errors / requests if requests else None, errors=errors),
        make("latency.p50", latency.quantile(0.5), unit="ms"),
        make("latency.p99", latency.quantile(0.99), unit="ms"),
    ]


def profile_figures(
    deployment: str,
    version: str,
    start: datetime,
    end: datetime,
    reference: Profile,
    current: Profile,
    config: DriftConfig,
    importance: Mapping[str, float] | None = None,
    importance_source: str | None = None,
) -> list[Figure]:
    """Drift and quality figures of a window's merged profile against the reference; with feature
    *importance*, ``drift.weighted`` too (and ``drift.dataset`` decides on it)."""
    out: list[Figure] = []

    def make(name: str, value: float | None, details: Mapping[str, Any]) -> None:
        out.append(Figure(deployment, version, start, end, name, finite(value), _safe(details)))

    if current.rows == 0:
        make("quality.empty_window", 1.0, {"severity": "error", "message": "The window has no rows."})
        return out
    report = compare(reference, current, config, importance=importance)
    for item in report.features:
        make(
            f"drift.{item.feature}",
            item.score,
            {
                "method": item.method,
                "threshold": item.threshold,
                "drifted": item.drifted,
                "p_value": item.p_value,
                "p_adjusted": item.p_adjusted,
                "out_of_range": item.out_of_range,
                "statistics": dict(item.statistics),
                "note": item.note,
            },
        )
    make("drift.share", report.drifted_share, {"drifted_share_threshold": config.drifted_share})
    if report.weighted_score is not None:
        make(
            "drift.weighted",
            report.weighted_score,
            {"source": importance_source, "drifted_share_threshold": config.drifted_share},
        )
    make(
        "drift.dataset", 1.0 if report.dataset_drift else 0.0, {"weighted": report.weighted_score is not None}
    )
    for name, feature in current.features.items():
        seen = feature.count + feature.missing
        make(
            f"quality.missing.{name}", feature.missing / seen if seen else None, {"missing": feature.missing}
        )
    for issue in check_quality(reference, current):
        name = f"quality.{issue.check}" + (f".{issue.feature}" if issue.feature else "")
        value = issue.value if issue.value is not None else 1.0
        make(name, value, {"severity": issue.severity, "message": issue.message})
    return out


def multivariate_figures(
    deployment: str,
    version: str,
    start: datetime,
    end: datetime,
    detector: ReconstructionDrift,
    sample: RowSample,
) -> list[Figure]:
    """The reconstruction error of the window's row sample against the reference's, and its flag."""
    if not len(sample.keys):
        return []
    score = detector.score(sample.frame())
    drifted = score > detector.threshold_
    details = {
        "method": "pca_reconstruction",
        "threshold": detector.threshold_,
        "reference_error": detector.reference_error_,
        "drifted": bool(drifted),
        "components": int(detector.components_.shape[0]),
        "features": list(detector.features_),
        "sampled_rows": len(sample.keys),
        "rows": sample.seen,
    }
    return [
        Figure(deployment, version, start, end, "drift.multivariate", finite(score), _safe(details)),
        Figure(
            deployment, version, start, end, "drift.multivariate.drifted", 1.0 if drifted else 0.0,
            {"threshold": detector.threshold_},
        ),
    ]  # fmt: skip


def estimated_figures(
    deployment: str,
    version: str,
    start: datetime,
    end: datetime,
    current: Profile,
    calibration: Mapping[str, Any] | None,
) -> list[Figure]:
    """Confidence-based performance estimates, when the reference has labels and the model probabilities.

    The window's scores come from the ``__proba__`` sketch (each bin's mean score, weighted by its
    count), so no raw scores are kept; the estimate's resolution is the sketch's."""
    feature = current.features.get(PROBA)
    if not calibration or feature is None or not feature.count or not feature.sketch_counts:
        return []
    from steward.core.monitoring.performance import ConfidenceBasedEstimator

    counts = np.asarray(feature.sketch_counts, dtype=np.int64)
    sums = np.asarray(feature.sketch_sums, dtype=np.float64)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    seen = counts > 0
    estimator = ConfidenceBasedEstimator().fit(
        np.asarray(calibration["scores"], dtype=float), np.asarray(calibration["labels"])
    )
    estimates = estimator.estimate(np.clip(means[seen], 0.0, 1.0), weights=counts[seen])
    return [
        Figure(
            deployment,
            version,
            start,
            end,
            f"estimated.{metric}",
            finite(value),
            {"assumptions": estimator.assumptions},
        )
        for metric, value in estimates.items()
    ]


def _safe(value: Any) -> Any:
    """JSON-safe details: NaN and infinities become None, numpy scalars plain numbers."""
    if isinstance(value, Mapping):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return finite(value) if isinstance(value, float | np.floating) else int(value)
    return str(value)
