"""The control plane's monitoring scheduler: runs every monitored deployment's windows on its own.

A daemon thread wakes every ``interval`` seconds and runs each deployment that
has a monitor (see :meth:`MonitoringService.monitored`); runs are incremental
and idempotent, so a tick that overlaps a manual ``steward monitor run`` counts
nothing twice. One deployment's failure is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from steward.core.errors import StewardError
from steward.services.monitoring import MonitoringService
from steward.services.periodic import PeriodicThread

log = logging.getLogger("steward.scheduler")


class MonitoringScheduler(PeriodicThread):
    thread_name = "steward-monitoring"

    def __init__(self, monitoring: Callable[[], MonitoringService], interval: float, *, actor: str) -> None:
        super().__init__(interval)
        self._monitoring = monitoring
        self.actor = actor

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
