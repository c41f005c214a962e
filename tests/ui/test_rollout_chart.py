"""The rollout chart: the challenger's weight as a step line, events as markers, the planned steps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from steward.core.rollout import RolloutPlan
from steward.core.rollout_records import Rollout, RolloutEvent
from steward.ui.rollout_chart import BOTTOM, HEIGHT, TOP, weight_svg

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PLAN = RolloutPlan("churn-api", "churn/3", steps=(10.0, 50.0, 100.0), step_seconds=60.0)


def rollout(history: list[RolloutEvent], *, state: str = "running", step: int = 0) -> Rollout:
    finished = history[-1].at if state != "running" else None
    return Rollout(
        1, "churn-api", PLAN, "churn@champion", "churn/3", state, step, "olga", T0, history[-1].at, finished,
        history=tuple(history),
    )  # fmt: skip


def heights(path: str) -> list[float]:
    return [float(v) for v in re.findall(r"V([\d.]+)", path)]


def test_a_rolled_back_rollout_steps_up_then_drops_to_zero_with_the_reason_as_tooltip() -> None:
    events = [
        RolloutEvent(T0, "start", 0, 10.0, "canary"),
        RolloutEvent(T0 + timedelta(seconds=60), "step", 1, 50.0, "guardrails held"),
        RolloutEvent(T0 + timedelta(seconds=75), "rolled_back", 1, 0.0, "p99 93 ms > 40 <b>"),
    ]
    svg = weight_svg(rollout(events, state="rolled_back", step=1))
    assert svg is not None and svg.startswith("<svg") and svg.endswith("</svg>")
    line = re.search(r'data-testid="weight-line" d="([^"]+)"', svg)
    assert line is not None
    up, down = heights(line.group(1))
    assert up < down == HEIGHT - BOTTOM  # 50% is above the start; a rollback ends on 0%
    assert re.findall(r'data-kind="([a-z_]+)"', svg) == ["start", "step", "rolled_back"]
    assert 'fill="#c62828"' in svg and "p99 93 ms &gt; 40 &lt;b&gt;" in svg and "<b>" not in svg
    assert 'data-testid="planned"' not in svg  # nothing is planned once it ended


def test_a_running_rollout_shows_the_steps_still_planned_up_to_promotion() -> None:
    events = [RolloutEvent(T0, "start", 0, 10.0, "canary")]
    svg = weight_svg(rollout(events), now=T0 + timedelta(seconds=30))
    assert svg is not None
    planned = re.search(r'data-testid="planned" d="([^"]+)"', svg)
    assert planned is not None
    levels = heights(planned.group(1))
    assert len(levels) == 3 and levels[-1] == TOP  # 50%, 100%, then promotion at 100%
    assert levels[0] > levels[1]  # each planned step is higher (smaller y) than the one before


def test_no_history_no_chart() -> None:
    empty = Rollout(1, "churn-api", PLAN, "churn@champion", "churn/3", "running", 0, "olga", T0, T0)
    assert weight_svg(empty) is None
