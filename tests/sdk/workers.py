"""Child-process entry points for the SDK concurrency and crash tests (importable under spawn)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np


def register_many(uri: str, artifacts: str, name: str, count: int, barrier: Any, seed: int) -> list[int]:
    """Register *count* distinct small models of *name* as soon as every process is ready."""
    from sklearn.linear_model import LogisticRegression

    from steward import Client

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 3))
    y = (x[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    numbers = []
    with Client(uri, artifacts=artifacts, actor=f"worker-{seed}") as client:
        barrier.wait()
        for i in range(count):
            model.coef_ = model.coef_ + 1e-6 * (i + 1)  # new content each time
            numbers.append(client.register(model, name).version)
    return numbers


def register_then_die(uri: str, artifacts: str, name: str, ready: Path) -> None:
    """Begin a registration whose blobs are stored, then die by SIGKILL before the version commits."""
    from sklearn.dummy import DummyClassifier

    from steward import Client
    from steward.services import registry

    original = registry.RegistryService.register_version

    def stall(self: Any, draft: Any, *, actor: str) -> Any:
        with self.store.write() as tx:
            number = tx.models.allocate_version(draft.model, self.clock())
            tx.models.insert_version(draft, version=number, created_by=actor, at=self.clock())
            ready.write_text(draft.artifact_digest)
            os.kill(os.getpid(), signal.SIGKILL)  # mid-transaction: nothing committed
        return original(self, draft, actor=actor)

    registry.RegistryService.register_version = stall  # type: ignore[method-assign]
    with Client(uri, artifacts=artifacts, actor="doomed") as client:
        client.register(DummyClassifier().fit([[0], [1]], [0, 1]), name)
