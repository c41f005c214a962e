"""Charts as self-contained SVG text, for reports and the web console.

Built on matplotlib's object API (no ``pyplot``, no global state, safe in
threads), with one house style so every plot in Steward looks alike. Callers
draw on the axes they get from :func:`figure` and turn the figure into SVG
with :func:`to_svg`; the SVG embeds its glyphs as paths, so it renders the same
offline, in any browser, with no fonts or network.
"""

from __future__ import annotations

import io
from typing import Any

#: The palette every chart uses, in order (reference first, current second).
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
#: Colours with a meaning.
PASS, FAIL, NEUTRAL = "#55a868", "#c44e52", "#8c8c8c"


def figure(width: float = 6.0, height: float = 3.2, *, rows: int = 1, cols: int = 1) -> tuple[Any, Any]:
    """A new figure (inches) and its axes, in the house style."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=True)
    for ax in fig.axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=8)
    return fig, axes


def to_svg(fig: Any) -> str:
    """The figure as one SVG document (no XML prolog, ready to inline in HTML)."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    # A fixed salt makes the element ids, and so the whole document, repeatable.
    with rc_context({"svg.hashsalt": "steward"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
