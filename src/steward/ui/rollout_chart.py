"""A rollout as a chart: the challenger's share of traffic over time (a step line), each event a
marker with its reason as a tooltip, and for a running rollout the steps still planned (dashed).

Hand-drawn SVG like the alias timeline (``ui/timeline.py``): a few dozen elements, well under a
millisecond, no matplotlib on the request path. All text is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

from steward.core.rollout_records import Rollout, RolloutEvent
from steward.ui.timeline import time_label

WIDTH, HEIGHT = 760, 190
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 30
#: Marker colours by event kind; the line is the challenger's weight.
COLOURS = {"promoted": "#1a7f37", "rolled_back": "#c62828", "aborted": "#6e7781"}
LINE = "#1f5fbf"


def weight_svg(rollout: Rollout, now: datetime | None = None) -> str | None:
    """The challenger's weight from the start to the end (or *now*, then the planned steps); None
    without history."""
    events = list(rollout.history)
    if not events:
        return None
    now = max(now or datetime.now(UTC), events[-1].at)
    end = rollout.finished_at or now
    planned = _planned(rollout, end) if rollout.finished_at is None else []
    start = events[0].at
    last = planned[-1][0] if planned else end
    span = max((last - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (at - start).total_seconds() / span * plot_w

    def y(weight: float) -> float:
        return TOP + (100.0 - max(0.0, min(weight, 100.0))) / 100.0 * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="The challenger\'s share of traffic over time" '
        'font-family="system-ui, sans-serif" font-size="11">'
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#5b6575">{tick}%</text>'
        )
    for i in range(4):
        at = start + (last - start) * (i / 3)
        anchor = ("start", "middle", "middle", "end")[i]
        parts.append(
            f'<text x="{x(at):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}" fill="#5b6575">'
            f"{escape(time_label(at, span))}</text>"
        )
    path = [f"M{x(events[0].at):.1f} {y(events[0].weight):.1f}"]
    for event in events[1:]:
        path.append(f"H{x(event.at):.1f}V{y(event.weight):.1f}")
    path.append(f"H{x(end):.1f}")
    parts.append(
        f'<path data-testid="weight-line" d="{"".join(path)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
    )
    if planned:
        ahead = [f"M{x(end):.1f} {y(events[-1].weight):.1f}"]
        for at, weight in planned:
            ahead.append(f"H{x(at):.1f}V{y(weight):.1f}")
        parts.append(
            f'<path data-testid="planned" d="{"".join(ahead)}" fill="none" stroke="{LINE}" '
            'stroke-width="1.5" stroke-dasharray="4 3" opacity="0.6"/>'
        )
    for event in events:
        parts.append(_marker(event, x(event.at), y(event.weight)))
    parts.append("</svg>")
    return "".join(parts)


def _planned(rollout: Rollout, now: datetime) -> list[tuple[datetime, float]]:
    """When each remaining step would begin if every guardrail keeps holding (and enough requests come)."""
    steps = rollout.plan.steps
    step = max(rollout.step, -1)
    at = max(rollout.step_started_at, now - timedelta(seconds=rollout.plan.step_seconds))
    ahead = []
    for weight in steps[step + 1 :]:
        at += timedelta(seconds=rollout.plan.step_seconds)
        ahead.append((at, weight))
    at += timedelta(seconds=rollout.plan.step_seconds)
    ahead.append((at, 100.0))  # promotion after the last step holds
    return ahead


def _marker(event: RolloutEvent, cx: float, cy: float) -> str:
    colour = COLOURS.get(event.kind, LINE)
    tip = f"{event.kind.replace('_', ' ')} at {event.weight:g}%, {event.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    if event.reason:
        tip += f": {event.reason}"
    return (
        f'<circle data-kind="{escape(event.kind)}" cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}">'
        f"<title>{escape(tip)}</title></circle>"
    )
