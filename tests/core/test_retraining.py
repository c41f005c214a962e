"""The rules on retraining input: entry points, locations, cron, performance rules, progress lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.core.errors import InvalidInputError
from steward.core.retrain_runs import RetrainRun, parse_progress, progress_line
from steward.core.retraining import (
    ConfiguredRetraining,
    RetrainConfig,
    check_entry,
    command_argv,
    is_function,
    next_tick,
    parse_performance,
)

T = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BASE = RetrainConfig(model="churn", entry="pkg.train:fit", data="d/train.parquet", target="y")


def test_entry_points_are_functions_or_commands() -> None:
    assert is_function(check_entry("pkg.mod:fit")) and is_function("train:main")
    assert not is_function(check_entry("python train.py --fast"))
    assert command_argv("python 'my train.py' --x 1") == ["python", "my train.py", "--x", "1"]
    for bad in ("", "   ", "python 'open", 3):
        with pytest.raises(InvalidInputError):
            check_entry(bad)


def test_next_tick_is_strictly_after_and_collapses_missed_ticks() -> None:
    assert next_tick("0 * * * *", T) == T + timedelta(hours=1)
    assert next_tick("0 * * * *", T - timedelta(seconds=1)) == T
    assert next_tick("*/15 * * * *", T + timedelta(minutes=16, seconds=3)) == T + timedelta(minutes=30)
    assert next_tick("0 3 * * *", T) == datetime(2026, 3, 2, 3, tzinfo=UTC)
    # five hourly ticks missed: the next one is after *now*, so one run covers them
    assert next_tick("0 * * * *", T + timedelta(hours=5, minutes=30)) == T + timedelta(hours=6)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_next_tick_is_after_and_on_the_minute(at: datetime) -> None:
    found = next_tick("*/7 2-5 * * 1-5", at)
    assert found is not None and found > at and found.second == 0 and found.microsecond == 0
    assert found.minute % 7 == 0 and 2 <= found.hour <= 5 and found.isoweekday() <= 5


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"schedule": "61 * * * *"}, "cron"),
        ({"schedule": "* * *"}, "cron"),
        ({"data": "train.xlsx"}, "parquet"),
        ({"holdout": "h.json"}, "holdout"),
        ({"after": "deploy"}, "alias:NAME"),
        ({"after": "alias:"}, "lias"),
        ({"performance": "auc"}, "FIGURE OP NUMBER"),
        ({"engine": "dask"}, "engine"),
        ({"timeout_s": 0}, "timeout"),
        ({"timeout_s": True}, "timeout"),
        ({"target": ""}, "needs target"),
        ({"target": 5}, "label column"),
        ({"model": "bad name!"}, "odel"),
        ({"params": [1, 2]}, "params"),
        ({"alerts": 5}, "patterns"),
    ],
)
def test_bad_configs_are_refused(changes: dict[str, object], says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        RetrainConfig.from_dict({**BASE.to_dict(), **changes})


def test_configs_round_trip_and_normalise() -> None:
    made = RetrainConfig.from_dict(
        {
            **BASE.to_dict(),
            "alerts": "drift-*, psi",
            "performance": "performance.auc<0.80",
            "schedule": " 0 3 * * * ",
        }
    )
    assert made.alerts == ("drift-*", "psi") and made.performance == "performance.auc < 0.8"
    assert made.schedule == "0 3 * * *"
    assert RetrainConfig.from_dict(made.to_dict()) == made
    assert (
        made.alert_matches("drift-share") and made.alert_matches("psi") and not made.alert_matches("latency")
    )
    assert not RetrainConfig.from_dict({**BASE.to_dict(), "alerts": []}).alert_matches("drift")
    with pytest.raises(InvalidInputError, match="needs target"):
        RetrainConfig.from_dict({"model": "churn", "entry": "a:b", "data": "d.csv"})
    stored = ConfiguredRetraining(made, "ann", T, next_due=T + timedelta(hours=1))
    back = ConfiguredRetraining.from_dict(stored.to_dict())
    assert back.config == made and back.next_due == stored.next_due and back.updated_by == "ann"


def test_performance_rules() -> None:
    rule = parse_performance("performance.auc <= 0.7")
    assert rule.breached(0.7) and rule.breached(0.1) and not rule.breached(0.71)
    assert not rule.breached(None) and not rule.breached(float("nan"))
    assert parse_performance("error_rate > 1e-2").breached(0.02)


def test_progress_lines_round_trip_and_clip() -> None:
    assert parse_progress(progress_line(0.25, "epoch 3\nof 12")) == (0.25, "epoch 3 of 12")
    assert parse_progress(progress_line(7, "")) == (1.0, "")
    assert parse_progress("steward:progress nan x") is None
    assert parse_progress("plain output") is None


def test_runs_round_trip() -> None:
    run = RetrainRun(
        id=3, model="churn", trigger="alert", trigger_detail="alert 1", state="succeeded",
        created_by="ann", created_at=T, started_at=T, finished_at=T + timedelta(minutes=2),
        parent="churn/1", candidate="churn/2",
        validation_run=4, validation_passed=True, approval=5, outcome="Approval 5 requested.", progress=1.0,
        params={"depth": 3},
    )  # fmt: skip
    assert RetrainRun.from_dict(run.to_dict()) == run
    assert run.finished and not run.active
