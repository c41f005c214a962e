"""Data drift: each feature of a window compared with the reference, from their profiles alone.

Every statistic is computed for every feature (``FeatureDrift.statistics``); the configured method's
is the *score*, and the feature drifts when the score passes its threshold (the effect size decides)
and, by default, its Benjamini-Hochberg-adjusted p-value is below ``alpha`` (so a small window's noise
is not flagged). With a million rows every p-value is tiny, and the effect size alone decides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError
from steward.core.monitoring import statistics as st
from steward.core.monitoring.profile import PREDICTION, PROBA, FeatureProfile, Profile

NUMERIC_METHODS = ("wasserstein", "psi", "ks", "jensenshannon")
CATEGORICAL_METHODS = ("jensenshannon", "psi", "chi2")
#: Default thresholds of each method's score (see docs/monitoring-statistics.md for why these).
THRESHOLDS: Mapping[str, float] = {
    "wasserstein": 0.1,  # Wasserstein distance / reference standard deviation
    "psi": 0.1,
    "ks": 0.1,  # largest CDF gap
    "jensenshannon": 0.1,  # distance, base 2
    "chi2": 0.1,  # Cramer's V of the 2 x k table
}
DECISIONS = ("both", "effect", "p_value")
OUTPUTS = (PREDICTION, PROBA)


@dataclass(frozen=True)
class DriftConfig:
    numeric_method: str = "wasserstein"
    categorical_method: str = "jensenshannon"
    thresholds: Mapping[str, float] = field(default_factory=dict)
    alpha: float = 0.05
    drifted_share: float = 0.5
    #: "both": the effect passes its threshold and the adjusted p-value is below alpha (default);
    #: "effect": the effect size alone; "p_value": the adjusted p-value alone.
    decision: str = "both"
    #: Rows of each window (and version) kept, uniformly at random, for multivariate drift.
    multivariate_sample: int = 1000

    def __post_init__(self) -> None:
        size = self.multivariate_sample
        if isinstance(size, bool) or not isinstance(size, int) or not 10 <= size <= 100_000:
            raise InvalidInputError("multivariate_sample is a whole number of rows from 10 to 100000.")
        if self.numeric_method not in NUMERIC_METHODS:
            raise InvalidInputError(
                f"Unknown numeric drift method {self.numeric_method!r}; "
                f"use one of {', '.join(NUMERIC_METHODS)}."
            )
        if self.categorical_method not in CATEGORICAL_METHODS:
            raise InvalidInputError(
                f"Unknown categorical drift method {self.categorical_method!r}; "
                f"use one of {', '.join(CATEGORICAL_METHODS)}."
            )
        if self.decision not in DECISIONS:
            raise InvalidInputError(
                f"Unknown drift decision {self.decision!r}; use one of {', '.join(DECISIONS)}."
            )
        if not 0.0 < self.alpha < 1.0 or not 0.0 < self.drifted_share <= 1.0:
            raise InvalidInputError("alpha is between 0 and 1, and drifted_share in (0, 1].")
        bad = {
            k: v for k, v in self.thresholds.items() if not (isinstance(v, int | float) and math.isfinite(v))
        }
        if bad:
            raise InvalidInputError(f"Thresholds are finite numbers; fix {', '.join(sorted(bad))}.")


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str
    method: str
    score: float
    threshold: float
    drifted: bool
    p_value: float | None
    p_adjusted: float | None
    statistics: Mapping[str, float]
    out_of_range: float
    #: Why no figure could be computed (no values in the window ...); empty when all is well.
    note: str = ""


@dataclass(frozen=True)
class DriftReport:
    features: tuple[FeatureDrift, ...]
    drifted_share: float
    dataset_drift: bool
    weighted_score: float | None

    @property
    def prediction(self) -> tuple[FeatureDrift, ...]:
        """The model outputs' drift (``__prediction__``, ``__proba__``): not counted in drifted_share."""
        return tuple(f for f in self.features if f.feature in OUTPUTS)

    def feature(self, name: str) -> FeatureDrift:
        for item in self.features:
            if item.feature == name:
                return item
        raise InvalidInputError(f"No drift result for feature {name!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: NaN and infinities become ``None``."""
        safe: dict[str, Any] = _json_safe(asdict(self))
        return safe


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _arrays(fp: FeatureProfile, name: str) -> np.ndarray[Any, Any]:
    return np.asarray(getattr(fp, name), dtype=np.float64)


def _numeric_statistics(
    ref: FeatureProfile, cur: FeatureProfile
) -> tuple[dict[str, float], float | None, float]:
    coarse_r, coarse_c = _arrays(ref, "counts"), _arrays(cur, "counts")
    fine_r, fine_c = _arrays(ref, "sketch_counts"), _arrays(cur, "sketch_counts")
    w1 = st.wasserstein_binned(fine_r, _arrays(ref, "sketch_sums"), fine_c, _arrays(cur, "sketch_sums"))
    std = ref.std or 0.0
    ks, p = st.ks_on_grid(fine_r, fine_c)
    values = {
        "wasserstein": w1 / std if std > 0 else w1,
        "wasserstein_raw": w1,
        "psi": st.psi(coarse_r, coarse_c),
        "ks": ks,
        "jensenshannon": st.jensen_shannon(coarse_r, coarse_c),
        "mean_reference": ref.mean if ref.mean is not None else math.nan,
        "mean_current": cur.mean if cur.mean is not None else math.nan,
    }
    outside = float(fine_c[0] + fine_c[-1]) / cur.count if fine_c.size > 1 else 0.0
    return values, p, outside


def _categorical_statistics(
    ref: FeatureProfile, cur: FeatureProfile
) -> tuple[dict[str, float], float | None, float]:
    r, c = _arrays(ref, "counts"), _arrays(cur, "counts")
    chi2, p, cramers_v = st.chi_square(r, c)
    values = {
        "psi": st.psi(r, c),
        "jensenshannon": st.jensen_shannon(r, c),
        "chi2": cramers_v,
        "chi2_statistic": chi2,
    }
    other_ref = r[-1] / r.sum() if r.sum() else 0.0
    other_cur = c[-1] / c.sum() if c.sum() else 0.0
    return values, p, float(max(other_cur - other_ref, 0.0))


def _feature(
    ref: FeatureProfile, cur: FeatureProfile, config: DriftConfig
) -> tuple[FeatureDrift, float | None]:
    numeric = ref.kind == "numeric"
    method = config.numeric_method if numeric else config.categorical_method
    threshold = float(config.thresholds.get(ref.name, THRESHOLDS[method]))
    note = ""
    if cur.count == 0:
        note = "no values in the window (missing column, or all missing)"
    elif ref.count == 0:
        note = "the reference has no values for this feature"
    if note:
        return FeatureDrift(
            ref.name, ref.kind, method, math.nan, threshold, False, None, None, {}, 0.0, note
        ), None
    values, p, outside = (_numeric_statistics if numeric else _categorical_statistics)(ref, cur)
    drift = FeatureDrift(
        ref.name, ref.kind, method, values[method], threshold, False, p, None, values, outside
    )
    return drift, p


def _decide(item: FeatureDrift, config: DriftConfig) -> bool:
    if item.note:
        return False
    effect = item.score > item.threshold
    significant = item.p_adjusted is None or item.p_adjusted < config.alpha
    if config.decision == "effect":
        return effect
    if config.decision == "p_value":
        return item.p_adjusted is not None and item.p_adjusted < config.alpha
    return effect and significant


def compare(
    reference: Profile,
    current: Profile,
    config: DriftConfig | None = None,
    *,
    importance: Mapping[str, float] | None = None,
) -> DriftReport:
    """Drift of every reference feature in *current*; never raises on odd windows (empty, missing)."""
    config = config or DriftConfig()
    if importance is not None and any(not (math.isfinite(w) and w >= 0) for w in importance.values()):
        raise InvalidInputError("Feature importances are finite and non-negative.")
    if set(reference.features) != set(current.features):
        raise InvalidInputError("Profile the window with profile_like(reference, data) before comparing.")
    items = [_feature(ref, current.features[name], config) for name, ref in reference.features.items()]
    tested = [i for i, (_, p) in enumerate(items) if p is not None]
    adjusted = dict(zip(tested, st.benjamini_hochberg([items[i][1] or 0.0 for i in tested]), strict=True))
    results: list[FeatureDrift] = []
    for i, (item, _) in enumerate(items):
        item = replace(item, p_adjusted=adjusted.get(i))
        results.append(replace(item, drifted=_decide(item, config)))
    judged = [f for f in results if not f.note and f.feature not in OUTPUTS]
    share = sum(f.drifted for f in judged) / len(judged) if judged else 0.0
    weighted = None
    if importance:
        weights = {f.feature: float(importance.get(f.feature, 0.0)) for f in judged}
        drifted_by_name = {f.feature: f.drifted for f in judged}
        total = sum(weights.values())
        weighted = sum(w for name, w in weights.items() if drifted_by_name[name]) / total if total else None
    decisive = weighted if weighted is not None else share
    return DriftReport(tuple(results), share, bool(judged) and decisive >= config.drifted_share, weighted)
