"""Charts come out as inline SVG documents in the house style."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from steward.core.charts import PALETTE, figure, to_svg


def test_a_chart_is_one_svg_document_without_prolog() -> None:
    fig, ax = figure(4, 2)
    ax.bar(["reference", "current"], [3, 5], color=PALETTE[:2])
    svg = to_svg(fig)
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<?xml" not in svg


def test_the_same_figure_renders_the_same_svg() -> None:
    def draw() -> str:
        fig, ax = figure()
        ax.plot([0, 1, 2], [1, 4, 9])
        return to_svg(fig)

    assert draw() == draw()


def test_grids_of_axes_share_the_style() -> None:
    fig, axes = figure(rows=1, cols=3)
    assert len(axes) == 3
    assert all(not ax.spines["top"].get_visible() for ax in fig.axes)
