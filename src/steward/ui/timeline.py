"""The alias timeline as a chart: for each alias, which version it pointed to over time (a step line).

Drawn as SVG by hand rather than through matplotlib: a step line, a few ticks
and a legend take well under a millisecond this way, against a few hundred
with matplotlib, and the model page must stay fast. Every point carries a
tooltip (who moved the alias, when and why); all text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from steward.core.charts import PALETTE
from steward.core.registry import AliasEvent

#: The chart draws the most recent moves only; the table beside it lists them.
MAX_EVENTS = 500
MAX_ALIASES = 8
WIDTH, HEIGHT = 760, 210
LEFT, RIGHT, TOP, BOTTOM = 48, 120, 12, 30


def _ticks(low: float, high: float, count: int = 5) -> list[int]:
    """Whole-number ticks (versions) from low to high, at most about *count*."""
    span = max(high - low, 1)
    step = max(1, 10 ** math.floor(math.log10(span / count)))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= count:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return list(range(int(first), int(high) + 1, int(step)))


def time_label(at: datetime, span_seconds: float) -> str:
    if span_seconds > 3 * 86400:
        return at.strftime("%Y-%m-%d")
    if span_seconds > 3600:
        return at.strftime("%m-%d %H:%M")
    return at.strftime("%H:%M:%S")


def alias_timeline_svg(events: Sequence[AliasEvent], now: datetime | None = None) -> str | None:
    """Events oldest first; None when no alias ever moved."""
    if not events:
        return None
    recent = list(events)[-MAX_EVENTS:]
    now = max(now or datetime.now(UTC), recent[-1].at)
    by_alias: dict[str, list[AliasEvent]] = {}
    for event in recent:
        by_alias.setdefault(event.alias, []).append(event)
    aliases = sorted(by_alias, key=lambda a: by_alias[a][-1].at, reverse=True)[:MAX_ALIASES]
    numbers = [e.version for a in aliases for e in by_alias[a] if e.version is not None]
    low, high = (float(min(numbers)), float(max(numbers))) if numbers else (1.0, 1.0)
    if low == high:  # one version: centre it
        low, high = low - 0.5, high + 0.5
    start = recent[0].at
    span = max((now - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (at - start).total_seconds() / span * plot_w

    def y(version: float) -> float:
        return TOP + (high - version) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="Alias timeline" font-family="system-ui, sans-serif" '
        'font-size="11">'
    ]
    for tick in _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#5b6575">v{tick}</text>'
        )
    for i in range(4):
        at = start + (now - start) * (i / 3)
        anchor = ("start", "middle", "middle", "end")[i]
        parts.append(
            f'<text x="{x(at):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}" fill="#5b6575">'
            f"{escape(time_label(at, span))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#8c8c8c"/>'
    )
    for i, alias in enumerate(aliases):
        colour = PALETTE[i % len(PALETTE)]
        moves = by_alias[alias]
        path: list[str] = []
        for j, event in enumerate(moves):
            if event.version is None:
                continue
            following = moves[j + 1] if j + 1 < len(moves) else None
            until = following.at if following is not None else now
            path.append(f"M{x(event.at):.1f} {y(event.version):.1f}H{x(until):.1f}")
            if following is not None and following.version is not None:
                path.append(f"V{y(following.version):.1f}")
        parts.append(
            f'<path data-alias="{escape(alias)}" d="{"".join(path)}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        for event in moves:
            if event.version is None:
                continue
            tip = (
                f"{event.alias} → v{event.version} (from "
                f"{'v' + str(event.previous_version) if event.previous_version else 'none'}) "
                f"by {event.actor}, {event.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
                + (f": {event.reason}" if event.reason else "")
            )
            parts.append(
                f'<circle cx="{x(event.at):.1f}" cy="{y(event.version):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        legend_y = TOP + 8 + i * 16
        name = alias if len(alias) <= 14 else alias[:13] + "\u2026"
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 28}" y1="{legend_y}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"/><text x="{WIDTH - RIGHT + 33}" y="{legend_y + 4}" '
            f'fill="#1d2430">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
