"""The charts of the deployment and monitoring pages, as SVG (steward.core.charts, matplotlib).

A traffic split as one stacked bar, the live request rate / latency / error rate, and lines over
monitoring windows. Every function returns SVG text for the templates' ``|svg`` filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from steward.core.charts import FAIL, NEUTRAL, PALETTE, figure, to_svg
from steward.services.live import LiveTraffic

#: Lines drawn at most on one chart (the rest are listed in the tables).
MAX_LINES = 8


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def split_bar(routes: Sequence[tuple[str, float]], stopped: bool = False) -> str:
    """The traffic split: one horizontal bar, a segment per route, its share written inside."""
    fig, ax = figure(9.0, 1.1)
    left = 0.0
    for i, (label, weight) in enumerate(routes):
        colour = NEUTRAL if stopped else PALETTE[i % len(PALETTE)]
        ax.barh([0], [weight], left=left, color=colour, height=0.6, label=f"{_short(label)} ({weight:g}%)")
        if weight >= 8:
            ax.text(left + weight / 2, 0, f"{weight:g}%", ha="center", va="center", color="white", fontsize=9)
        left += weight
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines[["left"]].set_visible(False)
    ax.set_xlabel("share of requests (%)", fontsize=8)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.9),
        ncol=min(4, max(1, len(routes))),
        fontsize=8,
        frameon=False,
    )
    return to_svg(fig)


def live_charts(live: LiveTraffic) -> str:
    """Requests per second, latency p50/p99 (ms) and error rate (%) per bucket, side by side."""
    fig, axes = figure(12.0, 2.5, cols=3)
    starts = [b.start for b in live.buckets]
    width = live.bucket_seconds / 86400 * 0.9  # matplotlib dates are days
    axes[0].bar(starts, [b.requests / live.bucket_seconds for b in live.buckets], width=width, color=PALETTE[0])
    axes[0].set_title("requests / s", fontsize=9)
    for name, colour, values in (
        ("p50", PALETTE[0], [b.p50 for b in live.buckets]),
        ("p99", PALETTE[1], [b.p99 for b in live.buckets]),
    ):
        axes[1].plot(starts, [float("nan") if v is None else v for v in values], marker=".", color=colour, label=name)
    axes[1].set_title("latency (ms)", fontsize=9)
    axes[1].legend(fontsize=7, frameon=False)
    rates = [float("nan") if b.error_rate is None else 100 * b.error_rate for b in live.buckets]
    axes[2].plot(starts, rates, marker=".", color=FAIL)
    axes[2].set_title("errors (% of requests)", fontsize=9)
    axes[2].set_ylim(bottom=0)
    for ax in axes:
        _time_axis(ax)
        ax.set_xlim(live.start, live.end)
    return to_svg(fig)


def lines(
    series: Mapping[str, Sequence[tuple[datetime, float | None]]],
    title: str,
    ylabel: str = "",
    threshold: float | None = None,
) -> str:
    """One line per key of *series* over window starts (at most :data:`MAX_LINES`), and a threshold."""
    fig, ax = figure(6.0, 2.8)
    for i, (label, points) in enumerate(list(series.items())[:MAX_LINES]):
        xs = [start for start, _ in points]
        ys = [float("nan") if v is None else v for _, v in points]
        ax.plot(xs, ys, marker="o", markersize=3, color=PALETTE[i % len(PALETTE)], label=_short(label))
    if threshold is not None:
        ax.axhline(threshold, color="#333333", linewidth=0.8, linestyle="--", label="threshold")
    ax.set_title(title, fontsize=9)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    if series:
        ax.legend(fontsize=7, frameon=False)
    _time_axis(ax)
    return to_svg(fig)


def _time_axis(ax: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
