from __future__ import annotations

import xml.etree.ElementTree as ET

from steward.core.charts import FAIL, PASS, figure
from steward.core.monitoring.drift import compare
from steward.core.monitoring.plots import draw_feature, draw_report, feature_plot, report_plot
from steward.core.monitoring.profile import build_reference, profile_like

from .conftest import frame


def setup():
    reference = build_reference(frame(5_000, seed=1, numeric=6, categorical=1))
    window = profile_like(reference, frame(5_000, seed=2, drift=True, numeric=6, categorical=1))
    return reference, window


def test_a_feature_is_drawn_reference_beside_window_bin_by_bin():
    reference, window = setup()
    for name in ("n0", "c0"):
        _, ax = figure()
        draw_feature(ax, reference.features[name], window.features[name])
        bins = len(reference.features[name].counts)
        assert len(ax.patches) == 2 * bins
        assert len(ax.get_xticklabels()) == bins
    svg = feature_plot(reference.features["n0"], window.features["n0"])
    assert ET.fromstring(svg).tag.endswith("svg")


def test_the_report_colours_drifted_features():
    reference, window = setup()
    report = compare(reference, window)
    _, ax = figure()
    draw_report(ax, report)
    colours = {tuple(round(c, 3) for c in bar.get_facecolor()[:3]) for bar in ax.patches}
    assert len(ax.patches) == len(report.features)
    from matplotlib.colors import to_rgb

    assert {tuple(round(c, 3) for c in to_rgb(x)) for x in (PASS, FAIL)} == colours
    assert report_plot(report) == report_plot(report)  # repeatable SVG
