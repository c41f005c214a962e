"""Charts of immutable records (a validation run, a stored explanation), drawn once per console.

matplotlib takes a few hundred milliseconds a chart; a run or an explanation
never changes once stored, so its SVG is kept, keyed by record and id, in a
small LRU held by the console application (not a module-level global).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")
MAX_ENTRIES = 256


class ChartCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                found: T = self._items[key]
                return found
        made = make()  # outside the lock: two requests may both draw it once, never block each other
        with self._lock:
            self._items[key] = made
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return made


def chart_cache(request: Request) -> ChartCache:
    """The console's cache, made on first use."""
    state = request.app.state
    cache: ChartCache | None = getattr(state, "chart_cache", None)
    if cache is None:
        cache = state.chart_cache = ChartCache()
    return cache
