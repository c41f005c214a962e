"""The alias timeline as a chart: for each alias, which version it pointed to over time (a step line)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from steward.core.charts import PALETTE, figure, to_svg
from steward.core.registry import AliasEvent

#: The chart draws the most recent moves only; the table below it pages through all of them.
MAX_EVENTS = 500
MAX_ALIASES = 8


def alias_timeline_svg(events: Sequence[AliasEvent], now: datetime | None = None) -> str | None:
    """Events oldest first; None when no alias ever moved."""
    if not events:
        return None
    recent = list(events)[-MAX_EVENTS:]
    now = now or datetime.now(UTC)
    by_alias: dict[str, list[AliasEvent]] = {}
    for event in recent:
        by_alias.setdefault(event.alias, []).append(event)
    aliases = sorted(by_alias, key=lambda a: by_alias[a][-1].at, reverse=True)[:MAX_ALIASES]
    fig, ax = figure(7.5, 2.4)
    versions: set[int] = set()
    for i, alias in enumerate(aliases):
        moves = by_alias[alias]
        times = [e.at for e in moves] + [now]
        values = [float(e.version) if e.version is not None else float("nan") for e in moves]
        values.append(values[-1])
        colour = PALETTE[i % len(PALETTE)]
        ax.step(times, values, where="post", color=colour, linewidth=1.8, label=alias)
        ax.plot(
            [e.at for e in moves if e.version is not None],
            [e.version for e in moves if e.version is not None],
            "o",
            color=colour,
            markersize=4,
        )
        versions.update(e.version for e in moves if e.version is not None)
    if versions and max(versions) - min(versions) < 12:
        ax.set_yticks(sorted(versions))
    ax.set_ylabel("version", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.autofmt_xdate(rotation=0, ha="center")
    return to_svg(fig)
