"""Which bin each value falls in, fast: the hot path of profiling.

``np.searchsorted`` over ~100 edges costs a binary search per value (about 50 ns on unsorted data,
mostly branch mispredictions). :class:`Binner` instead maps each value to one of ``cells`` equal-width
cells over the edges' range with one multiply-add, looks up how many edges lie below that cell, and
compares the value with the few edges that fall *inside* its cell (one, for quantile edges of any
smooth distribution): about 3x faster, and exactly ``np.searchsorted(edges, x, side="right")``. When the
edges are so uneven that a cell holds more than :data:`MAX_EDGES_PER_CELL` of them (heavy tails), it
falls back to ``np.searchsorted``. Values are processed in blocks of :data:`BLOCK` so the temporaries
stay in the CPU cache, and the counts (and sums) of each block are added up as they come.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Floats = np.ndarray[Any, np.dtype[np.float64]]
Ints = np.ndarray[Any, np.dtype[np.int64]]

CELLS = 1 << 14
MAX_EDGES_PER_CELL = 3
BLOCK = 1 << 16


class Binner:
    """Bins values by fixed, strictly increasing, finite *edges* (``len(edges) + 1`` bins)."""

    def __init__(self, edges: Floats, cells: int = CELLS) -> None:
        self.edges = np.asarray(edges, dtype=np.float64)
        self.bins = self.edges.size + 1
        self._fast = False
        if self.edges.size < 2:
            return
        low, high = float(self.edges[0]), float(self.edges[-1])
        scale = (cells - 2) / (high - low)
        if not (np.isfinite(scale) and scale > 0):
            return
        self._scale, self._offset, self._top = scale, 1.0 - low * scale, float(cells - 1)
        # The map is monotone, so an edge in a lower cell is below every value of a higher cell: only the
        # edges that share a value's cell need comparing.
        per_cell = np.bincount(self._cell(self.edges), minlength=cells)
        self._steps = int(per_cell.max())
        if self._steps > MAX_EDGES_PER_CELL:
            return
        self._below = np.concatenate(([0], np.cumsum(per_cell)[:-1])).astype(np.int64)
        padded = np.concatenate((self.edges, np.full(MAX_EDGES_PER_CELL, np.inf)))
        self._inside = [
            np.where(per_cell > step, padded[self._below + step], np.inf) for step in range(self._steps)
        ]
        self._fast = True

    def _cell(self, x: Floats) -> Ints:
        position = np.multiply(x, self._scale)
        position += self._offset
        np.clip(position, 0.0, self._top, out=position)
        return position.astype(np.int64)

    def index(self, x: Floats) -> Ints:
        """``np.searchsorted(edges, x, side="right")`` for finite *x*."""
        if not self._fast:
            return np.searchsorted(self.edges, x, side="right").astype(np.int64)
        cell = self._cell(x)
        result = self._below[cell]
        for inside in self._inside:
            result += x >= inside[cell]
        return result

    def count(self, x: Floats) -> tuple[Ints, Floats]:
        """Per bin: how many of the finite values *x* fall in it, and their sum."""
        counts = np.zeros(self.bins, dtype=np.int64)
        sums = np.zeros(self.bins, dtype=np.float64)
        for start in range(0, x.size, BLOCK):
            block = x[start : start + BLOCK]
            index = self.index(block)
            counts += np.bincount(index, minlength=self.bins)
            sums += np.bincount(index, weights=block, minlength=self.bins)
        return counts, sums
