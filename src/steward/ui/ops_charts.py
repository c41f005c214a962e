"""The charts of the deployment and monitoring pages, as SVG (steward.core.charts, matplotlib).

A traffic split as one stacked bar, the live request rate / latency / error rate, and lines over
monitoring windows. Every function returns SVG text for the templates' ``|svg`` filter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from steward.core.charts import FAIL, NEUTRAL, PALETTE, figure, to_svg
from steward.core.monitoring.feature import FeatureProfile
from steward.services.live import LiveTraffic
from steward.ui.chart_cache import ChartCache

#: Lines drawn at most on one chart (the rest are listed in the tables).
MAX_LINES = 8


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def split_bar(routes: Sequence[tuple[str, float]], stopped: bool = False) -> str:
    """The traffic split: one horizontal bar, a segment per route with its ref and share inside."""
    fig, ax = figure(9.0, 0.9)
    left = 0.0
    for i, (label, weight) in enumerate(routes):
        colour = NEUTRAL if stopped else PALETTE[i % len(PALETTE)]
        ax.barh([0], [weight], left=left, color=colour, height=0.8, edgecolor="white")
        if weight >= 6:
            text = (
                f"{_short(label, max(4, int(weight / 2.2)))} {weight:g}%" if weight >= 18 else f"{weight:g}%"
            )
            ax.text(left + weight / 2, 0, text, ha="center", va="center", color="white", fontsize=8)
        left += weight
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.45, 0.45)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines[["left"]].set_visible(False)
    ax.tick_params(labelsize=7)
    return to_svg(fig)


def live_charts(live: LiveTraffic) -> str:
    """Requests per second, latency p50/p99 (ms) and error rate (%) per bucket, side by side."""
    fig, axes = figure(12.0, 2.4, cols=3)
    _fixed(fig, 12.0, 2.4)
    starts = [b.start for b in live.buckets]
    width = live.bucket_seconds / 86400 * 0.9  # matplotlib dates are days
    rates = [b.requests / live.bucket_seconds for b in live.buckets]
    axes[0].bar(starts, rates, width=width, align="edge", color=PALETTE[0])
    axes[0].set_title("requests / s", fontsize=9)
    for name, colour, values in (
        ("p50", PALETTE[0], [b.p50 for b in live.buckets]),
        ("p99", PALETTE[1], [b.p99 for b in live.buckets]),
    ):
        axes[1].plot(starts, _nan(values), marker=".", color=colour, label=name)
    axes[1].set_title("latency (ms)", fontsize=9)
    axes[1].legend(fontsize=7, frameon=False)
    errors = [None if b.error_rate is None else 100 * b.error_rate for b in live.buckets]
    axes[2].plot(starts, _nan(errors), marker=".", color=FAIL)
    axes[2].set_title("errors (% of requests)", fontsize=9)
    axes[2].set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlim(live.start, live.end)
        _time_axis(ax, [live.start, live.end])
    return to_svg(fig)


Points = Sequence[tuple[datetime, float | None]]


def panels(
    charts: Sequence[tuple[str, Mapping[str, Points], float | None]],
    cols: int = 3,
    cache: ChartCache | None = None,
) -> str:
    """Line charts over window starts, side by side in one SVG: per chart a title, one line per key
    (at most :data:`MAX_LINES`) and an optional threshold line. With *cache*, drawn once per
    distinct input (keyed by a digest of what is drawn)."""
    if cache is None:
        return _panels(charts, cols)
    spec = [
        [title, [[label, [[start.isoformat(), value] for start, value in points]]
                 for label, points in list(series.items())[:MAX_LINES]], threshold]
        for title, series, threshold in charts
    ]  # fmt: skip
    return cache.get(("ops.panels", _digest(spec), cols), lambda: _panels(charts, cols))


def _panels(charts: Sequence[tuple[str, Mapping[str, Points], float | None]], cols: int) -> str:
    rows = -(-len(charts) // cols)
    width = 4.2 * min(cols, len(charts))
    fig, axes = figure(width, 2.7 * rows, rows=rows, cols=min(cols, len(charts)))
    _fixed(fig, width, 2.7 * rows)
    flat = list(getattr(axes, "flat", [axes]))
    for ax, (title, series, threshold) in zip(flat, charts, strict=False):
        drawn = list(series.items())[:MAX_LINES]
        # windows are evenly spaced on the axis, so a gap of months does not squash the rest
        starts = sorted({start for _, points in drawn for start, _ in points})
        position = {start: i for i, start in enumerate(starts)}
        for i, (label, points) in enumerate(drawn):
            ax.plot([position[p[0]] for p in points], _nan([v for _, v in points]), marker="o", markersize=3,
                    color=PALETTE[i % len(PALETTE)], label=_short(label, 24))  # fmt: skip
        if threshold is not None:
            ax.axhline(threshold, color="#333333", linewidth=0.8, linestyle="--", label="threshold")
        ax.set_title(title, fontsize=9)
        if drawn:
            ax.legend(fontsize=6, frameon=False)
        _window_axis(ax, starts)
    for ax in flat[len(charts) :]:
        ax.set_visible(False)
    return to_svg(fig)


def histograms(
    pairs: Sequence[tuple[FeatureProfile, FeatureProfile]], cols: int = 3, cache: ChartCache | None = None
) -> str:
    """Reference-vs-window histograms of several features in one SVG (core/monitoring/plots.py).
    With *cache*, drawn once per distinct input."""
    if cache is None:
        return _histograms(pairs, cols)
    spec = [[r.to_dict(), c.to_dict()] for r, c in pairs]
    return cache.get(("ops.histograms", _digest(spec), cols), lambda: _histograms(pairs, cols))


def _histograms(pairs: Sequence[tuple[FeatureProfile, FeatureProfile]], cols: int) -> str:
    from steward.core.monitoring.plots import draw_feature

    rows = -(-len(pairs) // cols)
    width = 4.2 * min(cols, len(pairs))
    fig, axes = figure(width, 3.6 * rows, rows=rows, cols=min(cols, len(pairs)))
    _fixed(fig, width, 3.6 * rows, bottom=0.8, hspace=1.0)
    flat = list(getattr(axes, "flat", [axes]))
    for ax, (reference, current) in zip(flat, pairs, strict=False):
        draw_feature(ax, reference, current)
    for ax in flat[len(pairs) :]:
        ax.set_visible(False)
    return to_svg(fig)


def _digest(spec: object) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _fixed(fig: Any, width: float, height: float, bottom: float = 0.45, hspace: float = 0.5) -> None:
    """Fixed margins (inches) instead of the constrained layout, which doubles the drawing time."""
    fig.set_layout_engine("none")
    grid = fig.axes[0].get_gridspec()
    grid.update(
        left=0.6 / width, right=1 - 0.25 / width, bottom=bottom / height, top=1 - 0.3 / height,
        wspace=0.3, hspace=hspace,
    )  # fmt: skip
    for ax in fig.axes:  # the update alone leaves axes where they were placed
        ax.set_position(ax.get_subplotspec().get_position(fig))


def _nan(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def _window_axis(ax: Any, starts: Sequence[datetime]) -> None:
    """At most four ticks on windows evenly spaced by index, labelled with their start."""
    if not starts:
        return
    count = min(4, len(starts))
    ticks = sorted({round(i * (len(starts) - 1) / max(count - 1, 1)) for i in range(count)})
    span = starts[-1] - starts[0]
    pattern = "%m-%d %H:%M" if span.days >= 1 or starts[0].date() != starts[-1].date() else "%H:%M"
    ax.set_xticks(ticks, [starts[t].strftime(pattern) for t in ticks])
    ax.set_xlim(-0.5, len(starts) - 0.5)


def _time_axis(ax: Any, moments: Sequence[datetime]) -> None:
    """At most five ticks at evenly spaced moments, labelled by hour (and day when the span is long)."""
    if not moments:
        return
    first, last = min(moments), max(moments)
    span = last - first
    count = 1 if span.total_seconds() == 0 else 5
    ticks = [first + span * i / max(count - 1, 1) for i in range(count)]
    pattern = "%m-%d %H:%M" if span.days >= 1 else "%H:%M"
    ax.set_xticks(ticks, [t.strftime(pattern) for t in ticks])
