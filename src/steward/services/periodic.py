"""A daemon thread that calls ``tick()`` every ``interval`` seconds until stopped (the control
plane's monitoring scheduler and webhook dispatcher)."""

from __future__ import annotations

import threading


class PeriodicThread:
    """Subclasses implement :meth:`tick`; ``interval`` 0 or less never starts the thread."""

    thread_name = "steward-periodic"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is None and self.interval > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> int:
        raise NotImplementedError
