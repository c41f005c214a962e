"""Group fairness of a binary classifier, per sensitive feature, vectorised.

One ``bincount`` over (group, truth, prediction) gives every group's confusion
matrix; every rate follows from it. The disparity measures match fairlearn's
``demographic_parity_difference`` / ``_ratio`` and ``equalized_odds_difference``
(``agg="worst_case"``). A rate a group cannot support (no actual positives for
a true positive rate, fewer rows than the minimum group size) is *not
estimable* and is left out of the disparity, and said so, rather than read as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError

#: The per-group rates :func:`group_rates` reports.
RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")
#: The disparity measures a fairness check can gate on.
DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "true_positive_rate_difference",
    "false_positive_rate_difference",
)
#: Which rates each disparity reads, and whether it is a ratio (min/max) or a difference (max-min).
_USES: dict[str, tuple[tuple[str, ...], bool]] = {
    "demographic_parity_difference": (("selection_rate",), False),
    "demographic_parity_ratio": (("selection_rate",), True),
    "equalized_odds_difference": (("true_positive_rate", "false_positive_rate"), False),
    "true_positive_rate_difference": (("true_positive_rate",), False),
    "false_positive_rate_difference": (("false_positive_rate",), False),
}


@dataclass(frozen=True)
class GroupRates:
    """One group's counts and rates; a rate is None when the group cannot support it."""

    group: str
    count: int
    positives: int  # actual positives
    negatives: int
    predicted_positives: int
    selection_rate: float | None
    true_positive_rate: float | None
    false_positive_rate: float | None
    accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Disparity:
    """A disparity measure over the groups that could be estimated.

    ``value`` is None when fewer than two groups could be; ``not_estimable``
    says which groups were left out and why.
    """

    name: str
    value: float | None
    worst_group: str | None  # the group furthest from the best one
    best_group: str | None
    not_estimable: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "worst_group": self.worst_group,
            "best_group": self.best_group,
            "not_estimable": list(self.not_estimable),
        }


def group_codes(values: Any) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[str]]:
    """Integer group codes and the groups' names (missing values form a group named 'missing')."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values), sort=True, use_na_sentinel=True)
    names = [str(u) for u in uniques]
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes[codes < 0] = len(names)
        names.append("missing")
    return codes, names


def confusion_by_group(
    groups: np.ndarray[Any, Any], n_groups: int, y_true: np.ndarray[Any, Any], y_pred: np.ndarray[Any, Any]
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """(groups, 2, 2) counts of (truth, prediction) per group; truth and prediction are 0/1."""
    cells = groups * 4 + np.asarray(y_true, dtype=np.int64) * 2 + np.asarray(y_pred, dtype=np.int64)
    return np.bincount(cells, minlength=n_groups * 4).reshape(n_groups, 2, 2)


def group_rates(
    groups: Any, y_true: np.ndarray[Any, Any], y_pred: np.ndarray[Any, Any], *, min_group_size: int = 1
) -> list[GroupRates]:
    """Every group's rates. *y_true* and *y_pred* are 0/1 (1 = the positive class)."""
    codes, names = group_codes(groups)
    cm = confusion_by_group(codes, len(names), y_true, y_pred)
    out = []
    for g, name in enumerate(names):
        (tn, fp), (fn, tp) = (int(x) for x in cm[g, 0]), (int(x) for x in cm[g, 1])
        count = tn + fp + fn + tp
        big_enough = count >= min_group_size
        out.append(
            GroupRates(
                group=name,
                count=count,
                positives=fn + tp,
                negatives=tn + fp,
                predicted_positives=fp + tp,
                selection_rate=(fp + tp) / count if big_enough and count else None,
                true_positive_rate=tp / (fn + tp) if big_enough and fn + tp else None,
                false_positive_rate=fp / (tn + fp) if big_enough and tn + fp else None,
                accuracy=(tn + tp) / count if big_enough and count else None,
            )
        )
    return out


def _why(rate: str, g: GroupRates, min_group_size: int) -> str:
    if g.count < min_group_size:
        return f"group {g.group!r} has {g.count} rows, fewer than the minimum group size {min_group_size}"
    if rate == "true_positive_rate":
        return f"no actual positives in group {g.group!r}, so its true positive rate cannot be estimated"
    if rate == "false_positive_rate":
        return f"no actual negatives in group {g.group!r}, so its false positive rate cannot be estimated"
    return f"group {g.group!r} is empty"


def disparity(name: str, rates: list[GroupRates], min_group_size: int = 1) -> tuple[Disparity, list[str]]:
    """The disparity *name* over *rates*, and the reasons groups were left out."""
    if name not in _USES:
        raise InvalidInputError(f"Unknown fairness metric {name!r}; use one of {', '.join(DISPARITIES)}.")
    uses, is_ratio = _USES[name]
    reasons: list[str] = []
    skipped: list[str] = []
    value: float | None = None
    worst = best = None
    for rate in uses:
        known = [(g.group, getattr(g, rate)) for g in rates if getattr(g, rate) is not None]
        for g in rates:
            if getattr(g, rate) is None:
                reasons.append(_why(rate, g, min_group_size))
                if g.group not in skipped:
                    skipped.append(g.group)
        if len(known) < 2:
            return Disparity(name, None, None, None, tuple(skipped)), reasons
        low = min(known, key=lambda item: item[1])
        high = max(known, key=lambda item: item[1])
        if is_ratio and high[1] == 0:  # 0/0: undefined, as fairlearn's nan
            reasons.append(f"no group has a positive {rate.replace('_', ' ')}, so the ratio is undefined")
            return Disparity(name, None, None, None, tuple(skipped)), reasons
        if is_ratio:
            part = low[1] / high[1]
            lagging = low[0]
            leading = high[0]
        else:
            part = high[1] - low[1]
            lagging, leading = (low[0], high[0]) if rate != "false_positive_rate" else (high[0], low[0])
        if value is None or part > value:
            value, worst, best = part, lagging, leading
    return Disparity(name, value, worst, best, tuple(skipped)), reasons
