"""The control plane's rollout controller: judges every running rollout every few seconds.

A breach is acted on by the tick that sees it (no waiting for a step boundary), so the time from
a guardrail breaking to the champion answering alone is at most one interval plus the payload
log's flush (1 s) and the data plane's swap. Several control planes may tick the same rollouts:
each change re-reads the rollout under its row lock and acts only if it is still where the
readings found it, so a step or rollback happens once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from steward.core.errors import StewardError
from steward.services.periodic import PeriodicThread
from steward.services.rollout import RolloutService

log = logging.getLogger("steward.rollout")


class RolloutController(PeriodicThread):
    thread_name = "steward-rollouts"

    def __init__(self, rollouts: Callable[[], RolloutService], interval: float) -> None:
        super().__init__(interval)
        self._rollouts = rollouts

    def tick(self) -> int:
        """One pass; how many rollouts changed (stepped, promoted, rolled back)."""
        try:
            changed = self._rollouts().tick()
        except StewardError as exc:
            log.error("rollout controller: %s", exc)
            return 0
        except Exception:  # a background loop must outlive one bad pass; the trace is logged
            log.exception("rollout controller failed")
            return 0
        for rollout in changed:
            log.info(
                "rollout %s of %s: %s (%s)", rollout.id, rollout.deployment, rollout.state, rollout.reason
            )
        self.ticks += 1
        return len(changed)
