"""Run in spawned processes by test_retraining.py: a trigger evaluator, as a second control plane would."""

from __future__ import annotations

from typing import Any

from steward.app import Steward
from steward.settings import Settings


def evaluate(settings: Settings, start: Any) -> int:
    """Evaluate the triggers once, after every process is ready; how many runs this one queued."""
    with Steward.open(settings) as app:
        start.wait()
        return sum(1 for run in app.retraining.evaluate() if run.state == "queued")
