"""Explanations drawn as SVG in the house style (:mod:`steward.core.charts`).

``to_chart(result)`` draws any stored explanation document: an importance bar
chart (global), a contribution bar chart from the base value to the output
(local), PD lines over ICE lines (pdp), a tornado of ±1 standard deviation
moves (sensitivity).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from steward.core.charts import FAIL, NEUTRAL, PALETTE, PASS, figure, to_svg
from steward.core.errors import InvalidInputError

#: Bars shown at most (the largest); PD panels shown at most.
TOP = 20
PANELS = 9


#: Chart formats and their media types.
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def to_chart(result: dict[str, Any], title: str = "", *, fmt: str = "svg") -> bytes:
    """The chart of an explanation document, as SVG (self-contained) or PNG bytes."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown chart format {fmt!r}; use svg or png.")
    kind = result.get("kind")
    draw = {"global": _importance, "local": _contributions, "pdp": _pdp, "sensitivity": _tornado}.get(
        str(kind)
    )
    if draw is None:
        raise InvalidInputError(f"No chart for an explanation of kind {kind!r}.")
    fig = draw(result, title)
    if fmt == "svg":
        return to_svg(fig).encode()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


def _num(values: list[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=float)


def _top(features: list[str], values: np.ndarray, by: np.ndarray) -> list[int]:
    order = np.argsort(-np.nan_to_num(by, nan=-np.inf), kind="stable")
    return [int(i) for i in order[:TOP]][::-1]  # largest at the top of a barh


def _importance(result: dict[str, Any], title: str) -> Any:
    features = list(result["features"])
    values, std = _num(result["importance"]), _num(result["std"])
    keep = _top(features, values, values)
    fig, ax = figure(6.0, 0.8 + 0.28 * len(keep))
    ax.barh([features[i] for i in keep], values[keep], xerr=std[keep], color=PALETTE[0], error_kw={"lw": 0.8})
    ax.set_xlabel(str(result.get("measure", "importance")), fontsize=8)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_title(title or f"Global importance ({result.get('method')})", fontsize=9, loc="left")
    return fig


def _contributions(result: dict[str, Any], title: str) -> Any:
    features = list(result["features"])
    values = _num(result["values"])
    shown = [f"{f} = {_short(v)}" for f, v in zip(features, result.get("feature_values") or [], strict=False)]
    labels = shown if len(shown) == len(features) else features
    keep = _top(features, values, np.abs(values))
    fig, ax = figure(6.0, 1.0 + 0.28 * len(keep))
    colours = [FAIL if values[i] < 0 else PASS for i in keep]
    ax.barh([labels[i] for i in keep], values[keep], color=colours)
    ax.axvline(0, color=NEUTRAL, linewidth=0.8)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    space = result.get("output_space", "output")
    ax.set_xlabel(
        f"contribution to the {space}: base {result['base']:.4g} + contributions = {result['output']:.4g}",
        fontsize=8,
    )
    ax.set_title(title or f"Why row {result.get('row')} ({result.get('method')})", fontsize=9, loc="left")
    return fig


def _pdp(result: dict[str, Any], title: str) -> Any:
    curves = list(result["curves"])[:PANELS]
    cols = min(3, max(1, len(curves)))
    rows = max(1, math.ceil(len(curves) / cols))
    fig, axes = figure(3.0 * cols, 2.4 * rows, rows=rows, cols=cols)
    flat = list(np.atleast_1d(axes).ravel())
    for ax, curve in zip(flat, curves, strict=False):
        grid = list(curve["grid"])
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid)
        x = np.array(grid, dtype=float) if numeric else np.arange(len(grid), dtype=float)
        for line in curve.get("individual") or []:
            ax.plot(x, _num(line), color=NEUTRAL, linewidth=0.5, alpha=0.35)
        ax.plot(x, _num(curve["average"]), color=PALETTE[1], linewidth=2.0, label="average (PD)")
        if not numeric:
            ax.set_xticks(x, [_short(v) for v in grid], rotation=30, fontsize=7)
        ax.set_xlabel(str(curve["feature"]), fontsize=8)
    for ax in flat[len(curves) :]:
        ax.set_visible(False)
    flat[0].set_ylabel(str(result.get("output", "output")), fontsize=8)
    fig.suptitle(title or "Partial dependence (line) and ICE curves (grey)", fontsize=9)
    return fig


def _tornado(result: dict[str, Any], title: str) -> Any:
    features = list(result["features"])
    up, down = _num(result["up"]), _num(result["down"])
    keep = _top(features, up, np.abs(up) + np.abs(down))
    fig, ax = figure(6.0, 1.0 + 0.28 * max(1, len(keep)))
    names = [features[i] for i in keep]
    ax.barh(names, up[keep], color=PALETTE[0], label="+1 std")
    ax.barh(names, down[keep], color=PALETTE[1], label="-1 std")
    ax.axvline(0, color=NEUTRAL, linewidth=0.8)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_xlabel(
        f"change of the mean {result.get('output', 'output')} (base {result['base']:.4g})", fontsize=8
    )
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(title or "Sensitivity: each feature moved ±1 standard deviation", fontsize=9, loc="left")
    return fig


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 20 else text[:19] + "…"
