"""Comparing versions: metrics side by side (and which is best), parameter and signature differences.

Pure Python, used by the console's model and compare pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from steward.core.signature import Signature

#: Substrings of metric names where a smaller number is better (losses, errors, latencies).
LOWER_IS_BETTER = ("loss", "error", "rmse", "mse", "mae", "mape", "brier", "latency", "ece", "_ms")


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of *metric* is better: accuracy, auc, r2 yes; losses and errors no."""
    name = metric.lower()
    return not any(part in name for part in LOWER_IS_BETTER)


def metric_names(rows: Iterable[Mapping[str, float]]) -> list[str]:
    """The union of metric names over *rows*, sorted."""
    names: set[str] = set()
    for metrics in rows:
        names.update(metrics)
    return sorted(names)


def best_values(rows: Sequence[Mapping[str, float]], names: Sequence[str]) -> dict[str, float]:
    """For each metric, the best value among *rows* (by its direction); metrics no row has are left out."""
    best: dict[str, float] = {}
    for name in names:
        values = [metrics[name] for metrics in rows if name in metrics]
        if values:
            best[name] = max(values) if higher_is_better(name) else min(values)
    return best


Change = Literal["same", "changed", "added", "removed"]


@dataclass(frozen=True)
class ValueDiff:
    """One name's value in version a and version b."""

    name: str
    a: str | None
    b: str | None

    @property
    def change(self) -> Change:
        if self.a is None:
            return "added"
        if self.b is None:
            return "removed"
        return "same" if self.a == self.b else "changed"


@dataclass(frozen=True)
class MetricDiff:
    """A metric in a and b, b - a, and whether b is better (None when either is missing or equal)."""

    name: str
    a: float | None
    b: float | None

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def b_better(self) -> bool | None:
        delta = self.difference
        if delta is None or delta == 0:
            return None
        return (delta > 0) == higher_is_better(self.name)


def diff_metrics(a: Mapping[str, float], b: Mapping[str, float]) -> list[MetricDiff]:
    return [MetricDiff(name, a.get(name), b.get(name)) for name in metric_names((a, b))]


def diff_values(a: Mapping[str, str], b: Mapping[str, str]) -> list[ValueDiff]:
    """Parameters (or tags) of a and b, name by name, sorted."""
    return [ValueDiff(name, a.get(name), b.get(name)) for name in sorted(set(a) | set(b))]


def _columns(signature: Signature | None, side: Literal["inputs", "outputs"]) -> dict[str, str]:
    if signature is None:
        return {}
    out: dict[str, str] = {}
    for column in getattr(signature, side):
        text = column.type + ("?" if column.optional else "")
        if column.shape is not None:
            text += f" {list(column.shape)}"
        out[column.name] = text
    return out


@dataclass(frozen=True)
class SignatureDiff:
    """Input and output columns of a and b (name -> type), each as added/removed/changed/same."""

    inputs: tuple[ValueDiff, ...]
    outputs: tuple[ValueDiff, ...]

    @property
    def changed(self) -> bool:
        return any(d.change != "same" for d in self.inputs + self.outputs)


def diff_signatures(a: Signature | None, b: Signature | None) -> SignatureDiff:
    """Column by column, in a's order then b's new columns (a table's order is meaningful)."""

    def side(which: Literal["inputs", "outputs"]) -> tuple[ValueDiff, ...]:
        left, right = _columns(a, which), _columns(b, which)
        names = list(left) + [n for n in right if n not in left]
        return tuple(ValueDiff(n, left.get(n), right.get(n)) for n in names)

    return SignatureDiff(side("inputs"), side("outputs"))
