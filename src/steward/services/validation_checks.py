"""Run one check of a suite on a scored holdout and say how it went.

Each ``_check_<kind>`` turns a :class:`~steward.core.validation.suites.Check`
into a :class:`~steward.core.validation.results.CheckResult`; the statistics
live in ``steward.core.validation``. A check that cannot be computed on this
data (a model without probabilities asked for calibration, a model that
refuses missing values) is an ``error`` with the reason, so the run fails
loudly instead of passing by omission.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.signature import Signature
from steward.core.validation.bootstrap import paired_bootstrap, worse_beyond
from steward.core.validation.calibration import reliability
from steward.core.validation.contract import contract_violations
from steward.core.validation.fairness import disparity, group_rates
from steward.core.validation.metrics import Outcomes, get_metric
from steward.core.validation.results import CheckResult, Status
from steward.core.validation.robustness import (
    Stability,
    invariance,
    missing_stability,
    noise_stability,
    p95_latency_ms,
)
from steward.core.validation.suites import Check


@dataclass(frozen=True)
class Scored:
    """A holdout, the candidate's outcomes on it and what the checks need besides."""

    data: pd.DataFrame  # the whole holdout (features, target, slices, sensitive columns)
    features: pd.DataFrame  # what the model takes
    outcomes: Outcomes
    predict: Callable[[pd.DataFrame], Any]
    labels: Callable[[Any], np.ndarray[Any, Any]]  # raw predictions -> comparable values
    signature: Signature | None
    sensitive: tuple[str, ...]
    clock: Callable[[], float]
    baseline: Outcomes | None = None
    against: str | None = None


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _bounds(check: Check) -> dict[str, float]:
    return {k: v for k, v in (("min", check.min), ("max", check.max)) if v is not None}


def _verdict(check: Check, value: float) -> tuple[Status, str]:
    if check.min is not None and value < check.min:
        return "fail", f"{value:.4g} is below the minimum {check.min:g}"
    if check.max is not None and value > check.max:
        return "fail", f"{value:.4g} is above the maximum {check.max:g}"
    return "pass", f"{value:.4g} is within {_describe(check)}"


def _describe(check: Check) -> str:
    parts = []
    if check.min is not None:
        parts.append(f"min {check.min:g}")
    if check.max is not None:
        parts.append(f"max {check.max:g}")
    return " and ".join(parts) or "no bound"


def _result(check: Check, status: Status, message: str, value: float | None, **details: Any) -> CheckResult:
    return CheckResult(check.name, check.kind, status, message, finite(value), _bounds(check), details)


def _metric(check: Check, s: Scored) -> CheckResult:
    metric = get_metric(str(check.metric), s.outcomes.task)
    if check.by is None:
        value = metric.compute(s.outcomes)
        if not math.isfinite(value):
            return _result(check, "not_estimable", f"{metric.name} cannot be computed on this data", None)
        status, why = _verdict(check, value)
        return _result(check, status, f"{metric.name} {why}", value)
    codes, names = pd.factorize(s.data[check.by], sort=True)
    slices: dict[str, float | None] = {}
    for code, name in enumerate(names):
        value = metric.compute(s.outcomes.take(np.asarray(codes == code)))
        slices[str(name)] = finite(value)
    known = {k: v for k, v in slices.items() if v is not None}
    unknown = sorted(set(slices) - set(known))
    if not known:
        return _result(
            check, "not_estimable", f"{metric.name} cannot be computed on any {check.by} slice", None
        )
    worst_name = (
        min(known, key=lambda k: known[k]) if metric.higher_is_better else max(known, key=lambda k: known[k])
    )
    failing = [k for k, v in known.items() if _verdict(check, v)[0] == "fail"]
    note = f"; not estimable on {', '.join(map(repr, unknown))}" if unknown else ""
    if failing:
        message = (
            f"{metric.name} fails {_describe(check)} on {check.by} = {', '.join(map(repr, failing))}{note}"
        )
        return _result(check, "fail", message, known[worst_name], slices=slices, failing=failing)
    message = (
        f"{metric.name} is within {_describe(check)} on every {check.by} slice (worst {worst_name!r}){note}"
    )
    return _result(check, "pass", message, known[worst_name], slices=slices, failing=[])


def _no_regression(check: Check, s: Scored) -> CheckResult:
    if s.baseline is None:
        return _result(check, "not_estimable", "no baseline version to compare with (no champion yet?)", None)
    metric = get_metric(str(check.metric), s.outcomes.task)
    diff = paired_bootstrap(
        metric,
        s.outcomes,
        s.baseline,
        resamples=check.resamples,
        confidence=check.confidence,
        seed=check.seed,
    )
    tolerance = float(check.tolerance or 0.0)
    worse = worse_beyond(diff, higher_is_better=metric.higher_is_better, tolerance=tolerance)
    interval = f"{diff.difference:+.4g} [{diff.low:+.4g}, {diff.high:+.4g}] at {diff.confidence:.0%}"
    verdict = "worse than" if worse else "not worse than"
    message = (
        f"{metric.name} vs {s.against}: {interval}; {verdict} the baseline beyond tolerance {tolerance:g}"
    )
    details = {k: finite(v) if isinstance(v, float) else v for k, v in diff.to_dict().items()}
    details |= {"against": s.against, "higher_is_better": metric.higher_is_better, "tolerance": tolerance}
    return _result(check, "fail" if worse else "pass", message, diff.difference, **details)


def _fairness(check: Check, s: Scored) -> list[CheckResult]:
    if s.outcomes.task != "binary":
        raise InvalidInputError(
            f"Fairness checks apply to binary classifiers; this model is {s.outcomes.task}."
        )
    features = check.features or s.sensitive
    if not features:
        raise InvalidInputError(f"Check {check.name} needs a sensitive feature: pass --sensitive COLUMN.")
    positive = len(s.outcomes.classes) - 1
    y_true = (s.outcomes.y_true == positive).astype(np.int64)
    y_pred = (s.outcomes.y_pred == positive).astype(np.int64)
    out = []
    for feature in features:
        rates = group_rates(s.data[feature], y_true, y_pred, min_group_size=check.min_group_size)
        found, reasons = disparity(str(check.metric), rates, check.min_group_size)
        name = f"{check.name}[{feature}]"
        details = {
            "feature": feature,
            "groups": [g.to_dict() for g in rates],
            **found.to_dict(),
            "reasons": reasons,
        }
        if found.value is None:
            message = f"{check.metric} on {feature!r} is not estimable: " + "; ".join(reasons)
            out.append(CheckResult(name, check.kind, "not_estimable", message, None, _bounds(check), details))
            continue
        status, why = _verdict(check, found.value)
        message = f"{check.metric} on {feature!r} {why}"
        if status == "fail":
            message += f": group {found.worst_group!r} against {found.best_group!r}"
        if reasons:
            message += f" (left out: {'; '.join(reasons)})"
        out.append(CheckResult(name, check.kind, status, message, found.value, _bounds(check), details))
    return out


def _calibration(check: Check, s: Scored) -> CheckResult:
    o = s.outcomes
    if o.task == "regression" or o.scores is None:
        return _result(check, "error", "calibration needs predicted probabilities (predict_proba)", None)
    if o.task == "binary":
        curve = reliability(o.y_true == len(o.classes) - 1, o.scores[:, -1], check.bins)
    else:
        top = o.scores.argmax(axis=1)
        curve = reliability(top == o.y_true, o.scores.max(axis=1), check.bins)
    status, why = _verdict(check, curve.ece)
    return _result(
        check,
        status,
        f"expected calibration error ({check.bins} equal-width bins) {why}",
        curve.ece,
        **curve.to_dict(),
    )


def _tolerance(check: Check, s: Scored) -> float | None:
    if s.outcomes.task != "regression":
        return None  # a label either changed or not
    spread = float(np.std(s.outcomes.y_true)) or 1.0
    return float(check.tolerance if check.tolerance is not None else 0.1) * spread


def _stability(check: Check, s: Scored) -> CheckResult:
    baseline = s.labels(s.predict(s.features))

    def predict(frame: pd.DataFrame) -> Any:
        return s.labels(s.predict(frame))

    tolerance = _tolerance(check, s)
    try:
        found: Stability
        if check.kind == "noise_stability":
            found = noise_stability(
                predict, s.features, baseline, scale=check.scale, tolerance=tolerance, seed=check.seed
            )
        elif check.kind == "missing_stability":
            found = missing_stability(
                predict, s.features, baseline, rate=check.rate, tolerance=tolerance, seed=check.seed
            )
        else:
            found = invariance(
                predict, s.features, baseline, check.features, tolerance=tolerance, seed=check.seed
            )
    except (ValueError, TypeError) as exc:  # e.g. a model that refuses NaN: the check could not run
        if isinstance(exc, InvalidInputError):
            raise
        return _result(
            check, "error", f"the model failed on perturbed data: {' '.join(str(exc).split())[:300]}", None
        )
    status, why = _verdict(check, found.changed)
    what = {
        "noise_stability": f"Gaussian noise of {check.scale:g} std",
        "missing_stability": f"{check.rate:.0%} missing cells",
    }
    cause = what.get(check.kind, f"shuffling {', '.join(check.features)}")
    tol = "" if tolerance is None else f" by more than {tolerance:.4g}"
    return _result(
        check,
        status,
        f"share of predictions changed{tol} by {cause}: {why}",
        found.changed,
        **found.to_dict(),
    )


def _contract(check: Check, s: Scored) -> CheckResult:
    if s.signature is None:
        return _result(check, "not_estimable", "the version has no signature to check the data against", None)
    problems = contract_violations(s.data, s.signature)
    if problems:
        return _result(
            check,
            "fail",
            "the data breaks the signature: " + "; ".join(problems),
            float(len(problems)),
            problems=problems,
        )
    return _result(check, "pass", "the data conforms to the version's signature", 0.0, problems=[])


def _latency(check: Check, s: Scored) -> CheckResult:
    p95, samples = p95_latency_ms(s.predict, s.features, s.clock, samples=check.samples)
    status, why = _verdict(check, p95)
    return _result(
        check,
        status,
        f"p95 single-row predict over {samples} rows: {p95:.3g} ms; {why}",
        p95,
        samples=samples,
    )


def run_check(check: Check, s: Scored) -> list[CheckResult]:
    """The results of *check* on *s* (one per sensitive feature for fairness, else one)."""
    if check.kind == "fairness":
        return _fairness(check, s)
    runners: dict[str, Callable[[Check, Scored], CheckResult]] = {
        "metric": _metric,
        "no_regression": _no_regression,
        "calibration": _calibration,
        "noise_stability": _stability,
        "missing_stability": _stability,
        "invariance": _stability,
        "data_contract": _contract,
        "latency": _latency,
    }
    return [runners[check.kind](check, s)]
