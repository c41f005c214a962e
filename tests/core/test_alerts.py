from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from steward.core.alerts import AlertRule, decide, parse_duration
from steward.core.errors import InvalidInputError
from steward.core.windows import LatencyHistogram, window_of

T0 = datetime(2026, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)


def series(*values: float | None) -> list[tuple[datetime, float | None]]:
    return [(T0 + i * H, v) for i, v in enumerate(values)]


def rule(**kw: object) -> AlertRule:
    base: dict[str, object] = {"name": "drift", "pattern": "drift.*", "comparison": ">", "threshold": 0.5}
    return AlertRule(**{**base, **kw}).checked()  # type: ignore[arg-type]


def test_fires_only_after_n_consecutive_breaching_windows() -> None:
    r = rule(for_windows=3)
    assert decide(r, series(0.9, 0.9), is_open=False, last_fired_window=None) == "none"
    assert decide(r, series(0.9, 0.1, 0.9, 0.9), is_open=False, last_fired_window=None) == "none"
    assert decide(r, series(0.1, 0.9, 0.9, 0.9), is_open=False, last_fired_window=None) == "fire"


def test_an_open_alert_is_not_fired_again_and_resolves_when_the_figure_recovers() -> None:
    r = rule()
    assert decide(r, series(0.9, 0.9), is_open=True, last_fired_window=T0) == "none"
    assert decide(r, series(0.9, 0.2), is_open=True, last_fired_window=T0) == "resolve"
    assert decide(r, series(0.9, None), is_open=True, last_fired_window=T0) == "none"


def test_cooldown_holds_a_new_firing_back_until_it_has_passed() -> None:
    r = rule(cooldown=timedelta(hours=3))
    points = series(0.9, 0.1, 0.9)
    assert decide(r, points, is_open=False, last_fired_window=T0) == "none"
    assert decide(r, series(0.9, 0.1, 0.2, 0.9), is_open=False, last_fired_window=T0) == "fire"
    # the same window never fires twice, even without a cooldown
    assert decide(rule(), series(0.9), is_open=False, last_fired_window=T0) == "none"


def test_rules_match_figures_by_glob_and_deployment() -> None:
    r = rule(deployment="churn-api")
    assert r.matches("churn-api", "drift.age") and not r.matches("other", "drift.age")
    assert not r.matches("churn-api", "quality.missing.age")
    assert rule(pattern="performance.accuracy", comparison="<").breaches(0.4)


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "has space"},
        {"comparison": "=="},
        {"threshold": float("nan")},
        {"severity": "loud"},
        {"for_windows": 0},
        {"pattern": "drift share"},
        {"notifiers": ({"type": "pager"},)},
        {"notifiers": ({"type": "webhook", "url": "ftp://x"},)},
        {"notifiers": ({"type": "email", "host": "localhost"},)},
    ],
)
def test_bad_rules_are_refused_with_a_message(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        rule(**bad)


def test_rules_round_trip_and_hide_secrets() -> None:
    r = rule(notifiers=({"type": "webhook", "url": "http://x", "secret": "s3"},), cooldown=timedelta(hours=2))
    assert AlertRule.from_dict(r.to_dict()) == r
    assert r.to_dict(redact=True)["notifiers"][0]["secret"] == "***"


def test_durations() -> None:
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("90") == timedelta(seconds=90)
    with pytest.raises(InvalidInputError):
        parse_duration("soon")


def test_latency_histogram_merges_and_answers_percentiles_within_its_resolution() -> None:
    a = LatencyHistogram().add([float(v) for v in range(1, 501)])
    b = LatencyHistogram().add([float(v) for v in range(501, 1001)])
    merged = LatencyHistogram(a.merge(b).to_dict())
    assert merged.total == 1000
    p99 = merged.quantile(0.99)
    assert p99 is not None and 990 <= p99 <= 990 * 1.06
    assert LatencyHistogram().quantile(0.5) is None


def test_windows_come_from_the_partition_folders() -> None:
    start, end = window_of("deployment=d/date=2026-01-02/hour=05/part-x.parquet", "day")
    assert start == datetime(2026, 1, 2, tzinfo=UTC) and end - start == timedelta(days=1)
    start, _ = window_of("deployment=d/date=2026-01-02/hour=05/part-x.parquet", "hour")
    assert start.hour == 5
    with pytest.raises(InvalidInputError):
        window_of("elsewhere/part-x.parquet", "hour")
