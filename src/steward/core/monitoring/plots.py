"""Drift as pictures: a feature's reference and window side by side, and every feature's score.

Drawn on :mod:`steward.core.charts` (matplotlib's object API, self-contained SVG), from profiles and
reports alone, so the service can render them for any stored window.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from steward.core.charts import FAIL, PALETTE, PASS, figure, to_svg
from steward.core.monitoring.drift import DriftReport
from steward.core.monitoring.feature import FeatureProfile


def _labels(fp: FeatureProfile) -> list[str]:
    if fp.kind != "numeric":
        return [*fp.categories, "other"]
    if not fp.edges:
        return ["all"]
    edges = [f"{e:.3g}" for e in fp.edges]
    inner = [f"{a}-{b}" for a, b in itertools.pairwise(edges)]
    return [f"<{edges[0]}", *inner, f">{edges[-1]}"]


def draw_feature(ax: Any, reference: FeatureProfile, current: FeatureProfile) -> None:
    """Shares per bin (numeric, tails included) or per category, reference beside window."""
    labels = _labels(reference)
    positions = np.arange(len(labels))
    for offset, (fp, name, colour) in enumerate(
        ((reference, "reference", PALETTE[0]), (current, "window", PALETTE[1]))
    ):
        counts = np.asarray(fp.counts, dtype=np.float64)
        shares = counts / counts.sum() if counts.sum() else counts
        ax.bar(positions + (offset - 0.5) * 0.4, shares, width=0.4, color=colour, label=name)
    ax.set_xticks(
        positions, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center"
    )
    ax.set_ylabel("share of rows", fontsize=8)
    ax.set_title(reference.name, fontsize=9)
    ax.legend(fontsize=7, frameon=False)


def feature_plot(reference: FeatureProfile, current: FeatureProfile) -> str:
    """One feature's distribution in the reference and the window, as an SVG document."""
    fig, ax = figure(6.0, 3.2)
    draw_feature(ax, reference, current)
    return to_svg(fig)


def draw_report(ax: Any, report: DriftReport) -> None:
    """Each feature's score over its threshold (1 = the threshold), drifted ones in the failing colour."""
    judged = [f for f in report.features if not f.note and f.threshold > 0]
    ratios = [f.score / f.threshold for f in judged]
    ax.barh(
        np.arange(len(judged)),
        ratios,
        color=[FAIL if f.drifted else PASS for f in judged],
    )
    ax.set_yticks(np.arange(len(judged)), [f"{f.feature} ({f.method})" for f in judged], fontsize=7)
    ax.axvline(1.0, color="#333333", linewidth=0.8, linestyle="--")
    ax.invert_yaxis()
    ax.set_xlabel("score / threshold", fontsize=8)
    ax.set_title(f"{report.drifted_share:.0%} of features drifted", fontsize=9)


def report_plot(report: DriftReport) -> str:
    """Every feature's drift score against its threshold, as an SVG document."""
    fig, ax = figure(6.0, max(2.0, 0.22 * len(report.features) + 1.0))
    draw_report(ax, report)
    return to_svg(fig)
