"""The rollout plan's checks and the judge: every guardrail, at its edge, and waiting for requests."""

from __future__ import annotations

from typing import Any

import pytest

from steward.core.errors import InvalidInputError
from steward.core.rollout import Action, Guardrails, RolloutPlan, VersionStats, judge, parse_duration

CHAMPION = VersionStats(requests=1000, errors=10, p99_ms=20.0)


def plan(**guardrails: Any) -> RolloutPlan:
    return RolloutPlan(
        "churn-api",
        "churn/2",
        steps=(10.0, 50.0, 100.0),
        step_seconds=60.0,
        min_requests=100,
        guardrails=Guardrails(**{"max_error_rate": None, **guardrails}),
    ).checked()


def verdict(p: RolloutPlan, challenger: VersionStats, *, step: int = 0, elapsed: float = 10.0) -> Any:
    return judge(p, challenger, CHAMPION, step=step, elapsed_seconds=elapsed)


def test_too_few_requests_waits_even_past_the_step() -> None:
    found = verdict(plan(max_p99_ms=1.0), VersionStats(requests=99, errors=0, p99_ms=500.0), elapsed=1e6)
    assert found.action is Action.CONTINUE and "99 of 100" in found.reason
    assert verdict(plan(max_p99_ms=1.0), VersionStats(100, 0, 500.0)).action is Action.ROLLBACK


def test_errors_that_already_break_the_rate_over_min_requests_roll_back_before_it() -> None:
    p = plan(max_error_rate=0.05)  # 5 errors in the 100 requests a step needs are allowed
    assert verdict(p, VersionStats(requests=10, errors=5)).action is Action.CONTINUE
    early = verdict(p, VersionStats(requests=10, errors=6))
    assert (
        early.action is Action.ROLLBACK
        and "6 errors already exceed 5.00% of the 100 requests" in early.reason
    )


@pytest.mark.parametrize(
    ("guardrails", "holds", "breaks", "words"),
    [
        ({"max_error_rate": 0.05}, VersionStats(100, 5), VersionStats(100, 6), "error rate 6.00% > 5.00%"),
        (
            {"max_error_increase": 0.02},
            VersionStats(100, 3),
            VersionStats(100, 4),
            "above the champion's 1.00%",
        ),
        (
            {"max_p99_ms": 50.0},
            VersionStats(100, 0, 50.0),
            VersionStats(100, 0, 50.1),
            "p99 latency 50.1 ms > 50 ms",
        ),
        (
            {"max_p99_ratio": 2.0},
            VersionStats(100, 0, 40.0),
            VersionStats(100, 0, 40.2),
            "2.01x the champion's",
        ),
        (
            {"max_drift": 0.2},
            VersionStats(100, 0, drift=0.2),
            VersionStats(100, 0, drift=0.21),
            "prediction drift vs the champion psi 0.210 > 0.2",
        ),
        (
            {"metric": "accuracy", "min_metric": 0.8},
            VersionStats(100, 0, metric=0.8, labelled=50),
            VersionStats(100, 0, metric=0.79, labelled=50),
            "accuracy 0.7900 < 0.8 on 50 labels",
        ),
    ],
)
def test_each_guardrail_holds_at_its_limit_and_breaks_just_past_it(
    guardrails: dict[str, Any], holds: VersionStats, breaks: VersionStats, words: str
) -> None:
    p = plan(**guardrails)
    assert verdict(p, holds).action is Action.CONTINUE
    broken = verdict(p, breaks)
    assert broken.action is Action.ROLLBACK and words in broken.reason, broken.reason
    assert broken.reason.startswith("guardrail broken at 10%")


def test_unknown_readings_do_not_break_a_guardrail() -> None:
    p = plan(max_p99_ms=1.0, max_drift=0.0, metric="accuracy", min_metric=1.0, max_p99_ratio=1.0)
    assert verdict(p, VersionStats(100, 0)).action is Action.CONTINUE  # no latency, drift or labels yet
    no_champion = judge(p, VersionStats(100, 0, 5.0), VersionStats(), step=0, elapsed_seconds=0)
    assert "p99 latency 5.0 ms > 1 ms" in no_champion.reason and "champion's" not in no_champion.reason


def test_several_breaches_are_all_named() -> None:
    found = verdict(plan(max_error_rate=0.0, max_p99_ms=10.0), VersionStats(100, 1, 11.0))
    assert "error rate" in found.reason and "p99 latency" in found.reason


def test_a_step_that_lasted_its_time_steps_up_and_the_last_one_promotes() -> None:
    p = plan(max_error_rate=0.05)
    good = VersionStats(100, 0)
    assert verdict(p, good, elapsed=59.9).action is Action.CONTINUE
    stepped = verdict(p, good, elapsed=60.0)
    assert stepped.action is Action.STEP and stepped.reason.endswith(": 50%")
    assert verdict(p, good, step=1, elapsed=60).action is Action.STEP
    promoted = verdict(p, good, step=2, elapsed=60)
    assert promoted.action is Action.PROMOTE and "every step passed" in promoted.reason


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"steps": ()}, "1 to 20 steps"),
        ({"steps": (10.0, 10.0)}, "must increase"),
        ({"steps": (0.0, 10.0)}, "above 0"),
        ({"steps": (10.0, 101.0)}, "from 0 to 100"),
        ({"challenger": "churn"}, "must name a version"),
        ({"deployment": "Bad Name"}, "Invalid deployment name"),
        ({"min_requests": 0}, "min_requests"),
        ({"step_seconds": -1.0}, "at least 0"),
        ({"guardrails": Guardrails(max_error_rate=1.5)}, "max_error_rate must be from 0 to 1"),
        ({"guardrails": Guardrails(drift_statistic="kl")}, "Unknown drift statistic"),
        ({"guardrails": Guardrails(metric="accuracy")}, "both a metric and its minimum"),
        ({"guardrails": Guardrails(metric="auc", min_metric=0.5)}, "Unknown metric 'auc'"),
        ({"guardrails": Guardrails(max_p99_ms=float("nan"))}, "must be a number"),
        ({"alias": " "}, "alias"),
    ],
)
def test_bad_plans_are_refused_with_what_to_do(changes: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"deployment": "churn-api", "challenger": "churn/2"}
    with pytest.raises(InvalidInputError, match=message):
        RolloutPlan(**{**base, **changes}).checked()


def test_a_plan_round_trips_through_its_dict() -> None:
    p = plan(max_p99_ms=50, max_drift=0.1, drift_statistic="ks", metric="accuracy", min_metric=0.7)
    assert RolloutPlan.from_dict(p.to_dict()) == p
    with pytest.raises(InvalidInputError, match="Unknown guardrail 'max_speed'"):
        RolloutPlan.from_dict({**p.to_dict(), "guardrails": {"max_speed": 1}})
    with pytest.raises(InvalidInputError, match="Malformed"):
        RolloutPlan.from_dict({"deployment": "churn-api"})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("10m", 600.0), ("1.5h", 5400.0), ("2d", 172800.0), ("500ms", 0.5), (7, 7.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "5q", "-1s", True])
def test_bad_durations(text: Any) -> None:
    with pytest.raises(InvalidInputError):
        parse_duration(text)


def test_the_shadow_phase_lasts_its_own_time_then_steps_to_the_first_weight() -> None:
    p = RolloutPlan("churn-api", "churn/2", steps=(10.0, 100.0), step_seconds=60.0, min_requests=10,
                    shadow_seconds=300.0).checked()  # fmt: skip
    good = VersionStats(10, 0)
    waiting = judge(p, VersionStats(9, 0), CHAMPION, step=-1, elapsed_seconds=1e6)
    assert waiting.action is Action.CONTINUE and "at the shadow phase" in waiting.reason
    assert judge(p, good, CHAMPION, step=-1, elapsed_seconds=299).action is Action.CONTINUE
    stepped = judge(p, good, CHAMPION, step=-1, elapsed_seconds=300)
    assert stepped.action is Action.STEP and stepped.reason.endswith(": 10%")
    broken = judge(p, VersionStats(10, 10), CHAMPION, step=-1, elapsed_seconds=0)
    assert broken.action is Action.ROLLBACK and "at the shadow phase" in broken.reason
    with pytest.raises(InvalidInputError, match="shadow phase"):
        RolloutPlan("churn-api", "churn/2", shadow_seconds=-1.0).checked()
