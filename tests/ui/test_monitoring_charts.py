"""The ops pages' charts: real SVG, one axes per panel, drawn again only when their input changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steward.core.monitoring.feature import FeatureProfile
from steward.ui.chart_cache import ChartCache
from steward.ui.ops_charts import histograms, panels, split_bar

T = datetime(2026, 3, 1, 10, tzinfo=UTC)


def series(values: list[float | None]) -> dict[str, list[tuple[datetime, float | None]]]:
    return {"churn/1": [(T + timedelta(hours=i), v) for i, v in enumerate(values)]}


def test_panels_draw_one_axes_per_chart_and_are_reused_only_for_the_same_input() -> None:
    cache = ChartCache()
    first = panels(
        [("share", series([0.1, 0.4, None]), 0.5), ("p99", series([3.0, 4.0, 5.0]), None)], cache=cache
    )
    assert first.startswith("<svg") and first.count('id="axes_') == 2
    again = panels(
        [("share", series([0.1, 0.4, None]), 0.5), ("p99", series([3.0, 4.0, 5.0]), None)], cache=cache
    )
    assert again is first  # the same input: not drawn again
    changed = panels(
        [("share", series([0.1, 0.4, 0.9]), 0.5), ("p99", series([3.0, 4.0, 5.0]), None)], cache=cache
    )
    assert changed is not first and changed != first


def test_a_gap_of_months_between_windows_does_not_squash_the_axis() -> None:
    points = {"v": [(T, 1.0), (T + timedelta(hours=1), 2.0), (T + timedelta(days=200), 3.0)]}
    svg = panels([("gap", points, None)])
    assert svg.count('id="xtick_') == 3  # one tick per window, evenly spaced
    for label in ("03-01 10:00", "03-01 11:00", "09-17 10:00"):  # text is drawn as glyphs, named in comments
        assert f"<!-- {label} -->" in svg


def test_histograms_of_several_features_in_one_svg() -> None:
    def numeric(counts: tuple[int, ...]) -> FeatureProfile:
        return FeatureProfile("tenure", "numeric", sum(counts), 0, (0.0, 10.0, 20.0), counts, (), 0, 30, 0, 0)

    reference, window = numeric((1, 5, 5, 1)), numeric((0, 1, 5, 6))
    svg = histograms([(reference, window), (reference, reference)])
    assert svg.count('id="axes_') == 2


def test_the_split_bar_labels_the_segments_that_fit() -> None:
    svg = split_bar([("churn@champion", 90.0), ("churn/2", 7.0), ("churn/3", 3.0)])
    assert "<!-- churn@champion 90% -->" in svg and "<!-- 7% -->" in svg
    assert "3%" not in svg  # too narrow to write in; the routes table below names it
