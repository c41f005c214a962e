"""The model pages' building blocks without a server: the alias timeline, the lineage graph, comparisons."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.core.compare import best_values, diff_metrics, diff_signatures, diff_values, higher_is_better
from steward.core.lineage import DatasetRef, Lineage
from steward.core.registry import AliasEvent, ModelVersion
from steward.core.signature import ColumnSpec, Signature
from steward.ui.lineage import lineage_svg
from steward.ui.timeline import alias_timeline_svg

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def move(alias: str, version: int | None, previous: int | None, hours: int, reason: str = "") -> AliasEvent:
    return AliasEvent("m", alias, version, previous, "olga", T0 + timedelta(hours=hours), reason, hours)


def version(**lineage: Any) -> ModelVersion:
    return ModelVersion(
        "m",
        3,
        "a" * 64,
        "sklearn",
        None,
        {},
        {},
        {},
        "",
        Lineage(**lineage),
        "alice",
        T0,
    )


def test_timeline_draws_one_step_line_per_alias_with_a_tooltip_per_move() -> None:
    events = [
        move("champion", 1, None, 0, "first"),
        move("challenger", 2, None, 1),
        move("champion", 2, 1, 5, "<b>better</b>"),
        move("challenger", None, 2, 6),  # deleted: the line stops there
    ]
    svg = alias_timeline_svg(events, now=T0 + timedelta(hours=10))
    assert svg is not None
    root = ET.fromstring(svg)  # well-formed, so the reason was escaped
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 2
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert len(titles) == 3  # the deletion has no point
    assert any("champion → v2 (from v1) by olga" in t and "<b>better</b>" in t for t in titles)
    challenger = next(p for p in paths if p.get("data-alias") == "challenger").get("d") or ""
    assert challenger.count("M") == 1 and "V" not in challenger  # one flat segment, ended by the deletion


def test_timeline_is_none_without_moves() -> None:
    assert alias_timeline_svg([]) is None


def test_lineage_links_the_parent_and_escapes_names() -> None:
    data = DatasetRef("<train>", "training", "f" * 64, 1234)
    svg = lineage_svg(version(datasets=(data,), code_commit="abc123def456789", parent="m/2"))
    assert svg is not None
    root = ET.fromstring(svg)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/models/m/versions/2"]
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "training data: <train>" in texts and "1,234 rows" in texts and "code abc123def456" in texts
    assert "m/3" in texts


def test_lineage_is_none_when_nothing_was_recorded() -> None:
    assert lineage_svg(version()) is None


def test_metric_direction_and_best_values() -> None:
    assert higher_is_better("accuracy") and higher_is_better("roc_auc")
    assert not higher_is_better("log_loss") and not higher_is_better("val/rmse")
    rows = [{"auc": 0.7, "log_loss": 0.5}, {"auc": 0.9}, {"log_loss": 0.4}]
    assert best_values(rows, ["auc", "log_loss", "f1"]) == {"auc": 0.9, "log_loss": 0.4}


def test_metric_and_parameter_differences() -> None:
    diffs = {d.name: d for d in diff_metrics({"auc": 0.8, "loss": 0.3}, {"auc": 0.85, "loss": 0.4, "f1": 1})}
    assert diffs["auc"].b_better is True and diffs["loss"].b_better is False
    assert diffs["f1"].difference is None and diffs["f1"].b_better is None
    params = {d.name: d.change for d in diff_values({"C": "1", "k": "2"}, {"C": "1", "k": "3", "n": "4"})}
    assert params == {"C": "same", "k": "changed", "n": "added"}


def test_signature_differences_keep_column_order() -> None:
    a = Signature((ColumnSpec("x", "float64"), ColumnSpec("y", "int64"), ColumnSpec("z", "string")))
    b = replace(a, inputs=(ColumnSpec("x", "float64"), ColumnSpec("y", "float64"), ColumnSpec("w", "bool")))
    diff = diff_signatures(a, b)
    assert [(d.name, d.change) for d in diff.inputs] == [
        ("x", "same"),
        ("y", "changed"),
        ("z", "removed"),
        ("w", "added"),
    ]
    assert diff.changed and not diff_signatures(a, a).changed
    assert [d.change for d in diff_signatures(None, a).inputs] == ["added"] * 3


def test_chart_cache_draws_once_and_forgets_the_oldest() -> None:
    from steward.ui.chart_cache import ChartCache

    cache = ChartCache(size=2)
    drawn: list[str] = []

    def draw(name: str) -> str:
        drawn.append(name)
        return f"<svg>{name}</svg>"

    assert cache.get("a", lambda: draw("a")) == "<svg>a</svg>"
    assert cache.get("a", lambda: draw("a")) == "<svg>a</svg>"
    cache.get("b", lambda: draw("b"))
    cache.get("a", lambda: draw("a"))  # a is now the most recent
    cache.get("c", lambda: draw("c"))  # evicts b
    cache.get("b", lambda: draw("b"))
    assert drawn == ["a", "b", "c", "b"]
