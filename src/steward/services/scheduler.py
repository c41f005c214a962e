"""The control plane's monitoring scheduler: runs every monitored deployment's windows on its own.

A daemon thread wakes every ``interval`` seconds and runs each deployment that
has a monitor (see :meth:`MonitoringService.monitored`); runs are incremental
and idempotent, so a tick that overlaps a manual ``steward monitor run`` counts
nothing twice. One deployment's failure is logged and does not stop the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from steward.core.errors import StewardError
from steward.services.monitoring import MonitoringService

log = logging.getLogger("steward.scheduler")


class MonitoringScheduler:
    def __init__(self, monitoring: Callable[[], MonitoringService], interval: float, *, actor: str) -> None:
        self._monitoring = monitoring
        self.interval = interval
        self.actor = actor
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is None and self.interval > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="steward-monitoring", daemon=True)
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
        """Run every monitored deployment once; how many runs succeeded."""
        done = 0
        try:
            service = self._monitoring()
            names = service.monitored()
        except StewardError as exc:
            log.error("monitoring scheduler: cannot list deployments: %s", exc)
            return 0
        for name in names:
            if self._stop.is_set():
                break
            try:
                summary = service.run(name, actor=self.actor)
                done += 1
                if summary.files:
                    log.info("monitoring %s: %d files, %d rows", name, summary.files, summary.rows)
            except StewardError as exc:
                log.error("monitoring %s failed: %s", name, exc)
            except Exception:  # a background loop must outlive one bad deployment; the trace is logged
                log.exception("monitoring %s failed", name)
        self.ticks += 1
        return done
