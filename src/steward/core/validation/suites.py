"""Validation suites: a list of checks with thresholds, from YAML or Python, and the defaults per task.

A suite file looks like::

    task: binary            # optional: inferred from the model and target otherwise
    checks:
      - check: metric
        metric: roc_auc
        min: 0.75
      - check: metric       # the same metric on every value of a column
        metric: recall
        min: 0.6
        by: region
      - check: no_regression
        metric: roc_auc
        tolerance: 0.01
      - check: fairness
        metric: demographic_parity_ratio
        min: 0.8

Every check has a stable ``name`` (``metric:roc_auc``, ``metric:recall@region``,
``fairness:demographic_parity_ratio``) that reports and policy gates use.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import yaml

from steward.core.errors import InvalidInputError
from steward.core.validation.fairness import DISPARITIES
from steward.core.validation.metrics import METRICS, TASKS, Task, get_metric

#: Each check kind, the keys it takes beyond ``check``, and its default upper/lower bound.
KINDS: dict[str, tuple[frozenset[str], str]] = {
    "metric": (frozenset({"metric", "min", "max", "by"}), "Metric threshold, overall or per value of `by`."),
    "no_regression": (
        frozenset({"metric", "tolerance", "confidence", "resamples", "seed"}),
        "No worse than the baseline version beyond `tolerance`, with `confidence` (paired bootstrap).",
    ),
    "fairness": (
        frozenset({"metric", "min", "max", "min_group_size", "features"}),
        "A disparity across the groups of each sensitive feature.",
    ),
    "calibration": (frozenset({"max", "bins"}), "Expected calibration error at most `max`."),
    "noise_stability": (
        frozenset({"max", "scale", "tolerance", "seed"}),
        "Share of predictions changed by Gaussian noise of `scale` standard deviations.",
    ),
    "missing_stability": (
        frozenset({"max", "rate", "tolerance", "seed"}),
        "Share of predictions changed when `rate` of numeric cells are blanked.",
    ),
    "invariance": (
        frozenset({"features", "max", "tolerance", "seed"}),
        "Share of predictions changed by shuffling `features` the outcome must not depend on.",
    ),
    "data_contract": (frozenset(), "The data conforms to the version's input signature."),
    "latency": (frozenset({"max", "samples"}), "p95 of single-row predict at most `max` milliseconds."),
}
_DEFAULT_MAX = {"calibration": 0.1, "noise_stability": 0.05, "missing_stability": 0.1, "invariance": 0.0}
_FAIRNESS_DEFAULT = {"demographic_parity_ratio": ("min", 0.8)}  # the four-fifths rule


@dataclass(frozen=True)
class Check:
    kind: str
    metric: str | None = None
    min: float | None = None
    max: float | None = None
    by: str | None = None
    tolerance: float | None = None
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 0
    min_group_size: int = 30
    features: tuple[str, ...] = ()
    bins: int = 10
    scale: float = 0.05
    rate: float = 0.05
    samples: int = 100

    @property
    def name(self) -> str:
        base = self.kind if self.metric is None else f"{self.kind}:{self.metric}"
        return f"{base}@{self.by}" if self.by else base

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.kind}
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if f.name in KINDS[self.kind][0] and value is not None and value != ():
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Suite:
    checks: tuple[Check, ...]
    task: Task | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.checks]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "checks": [c.to_dict() for c in self.checks]}


def _number(where: str, key: str, value: Any, *, integer: bool = False) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
    ):
        kind = "a whole number" if integer else "a number"
        raise InvalidInputError(f"{where}: '{key}' must be {kind}, got {value!r}.")
    return int(value) if integer else float(value)


def parse_check(data: Any, position: int = 1) -> Check:
    """One check from its mapping; InvalidInputError saying what is wrong and what is allowed."""
    where = f"Check {position}"
    if not isinstance(data, dict) or "check" not in data:
        raise InvalidInputError(f"{where} is not a mapping with a 'check' key (one of {', '.join(KINDS)}).")
    kind = data["check"]
    if kind not in KINDS:
        raise InvalidInputError(f"{where}: unknown check {kind!r}; use one of {', '.join(KINDS)}.")
    allowed = KINDS[kind][0]
    unknown = sorted(set(data) - allowed - {"check"})
    if unknown:
        raise InvalidInputError(
            f"{where} ({kind}): unknown key(s) {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(allowed)) or 'none'}."
        )
    values: dict[str, Any] = {"kind": kind}
    for key in ("min", "max", "tolerance", "confidence", "scale", "rate"):
        if key in data:
            values[key] = _number(where, key, data[key])
    for key in ("resamples", "seed", "min_group_size", "bins", "samples"):
        if key in data:
            values[key] = _number(where, key, data[key], integer=True)
            if values[key] < (0 if key == "seed" else 1):
                raise InvalidInputError(f"{where}: '{key}' must be positive, got {values[key]}.")
    if "by" in data:
        values["by"] = str(data["by"])
    if "features" in data:
        feats = data["features"]
        feats = [feats] if isinstance(feats, str) else feats
        if not isinstance(feats, list) or not feats or not all(isinstance(f, str) for f in feats):
            raise InvalidInputError(f"{where}: 'features' is a list of column names.")
        values["features"] = tuple(feats)
    if "metric" in data:
        values["metric"] = str(data["metric"])
    _complete(where, kind, values)
    return Check(**values)


def _complete(where: str, kind: str, values: dict[str, Any]) -> None:
    """Required keys, known metric names and default thresholds."""
    metric = values.get("metric")
    if kind in ("metric", "no_regression", "fairness") and metric is None:
        raise InvalidInputError(f"{where} ({kind}) needs 'metric'.")
    if kind in ("metric", "no_regression"):
        get_metric(str(metric))
    if kind == "fairness" and metric not in DISPARITIES:
        raise InvalidInputError(
            f"{where}: unknown fairness metric {metric!r}; use one of {', '.join(DISPARITIES)}."
        )
    if kind == "metric" and "min" not in values and "max" not in values:
        raise InvalidInputError(f"{where} (metric {metric}) needs a threshold: 'min' or 'max'.")
    if kind == "fairness" and "min" not in values and "max" not in values:
        side, bound = _FAIRNESS_DEFAULT.get(str(metric), ("max", 0.1))
        values[side] = bound
    if kind in _DEFAULT_MAX and "max" not in values:
        values["max"] = _DEFAULT_MAX[kind]
    if kind == "latency" and "max" not in values:
        raise InvalidInputError(f"{where} (latency) needs 'max', the p95 budget in milliseconds.")
    if kind == "invariance" and not values.get("features"):
        raise InvalidInputError(f"{where} (invariance) needs 'features', the columns that must not matter.")
    if kind == "no_regression":
        values.setdefault("tolerance", 0.0)
        if not 0.5 <= values.get("confidence", 0.95) < 1.0:
            raise InvalidInputError(f"{where}: 'confidence' is in [0.5, 1), e.g. 0.95.")


def parse_suite(data: Any) -> Suite:
    """A suite from a mapping (``{task?, checks: [...]}``) or a bare list of checks."""
    if isinstance(data, list):
        data = {"checks": data}
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list) or not data["checks"]:
        raise InvalidInputError("A suite is a mapping with a non-empty 'checks' list.")
    unknown = sorted(set(data) - {"task", "checks"})
    if unknown:
        raise InvalidInputError(
            f"Unknown suite key(s) {', '.join(unknown)}; a suite has 'task' and 'checks'."
        )
    task = data.get("task")
    if task is not None and task not in TASKS:
        raise InvalidInputError(f"Unknown task {task!r}; use one of {', '.join(TASKS)}.")
    checks = tuple(parse_check(item, i) for i, item in enumerate(data["checks"], start=1))
    names = [c.name for c in checks]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInputError(f"Check(s) {', '.join(repeated)} appear twice; keep one of each.")
    return Suite(checks, task)


def load_suite(text: str) -> Suite:
    """A suite from YAML (or JSON) text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"The suite is not valid YAML: {' '.join(str(exc).split())}") from None
    return parse_suite(data)


def default_suite(task: Task, *, sensitive: bool = False, has_baseline: bool = False) -> Suite:
    """The suite used when none is given: quality floors, calibration, stability, contract, latency.

    Fairness checks join when sensitive features are named; the regression
    gate when there is a baseline to compare against.
    """
    checks: list[Check] = []
    if task == "binary":
        checks += [Check("metric", "roc_auc", min=0.7), Check("metric", "balanced_accuracy", min=0.6)]
        regression_metric = "log_loss"
    elif task == "multiclass":
        checks += [Check("metric", "balanced_accuracy", min=0.5)]
        regression_metric = "accuracy"
    else:
        checks += [Check("metric", "r2", min=0.0)]
        regression_metric = "mae"
    if has_baseline:
        checks.append(Check("no_regression", regression_metric, tolerance=0.0))
    if sensitive and task == "binary":
        checks += [
            Check("fairness", "demographic_parity_ratio", min=0.8),
            Check("fairness", "equalized_odds_difference", max=0.1),
        ]
    if task != "regression":
        checks.append(Check("calibration", max=0.1))
    checks += [
        Check("noise_stability", max=0.05),
        Check("data_contract"),
        Check("latency", max=200.0),
    ]
    return Suite(tuple(checks), task)


def describe_kinds() -> dict[str, str]:
    """Each check kind and what it does (for docs and error messages)."""
    return {kind: text for kind, (_, text) in KINDS.items()}


def metric_names() -> list[str]:
    return list(METRICS)
