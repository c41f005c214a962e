"""Run ``steward serve`` as a real process on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port, stop, wait_ready


@dataclass
class ServeProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def steward_serve(folder: Path, uri: str, deployment: str, *extra: str) -> Iterator[ServeProcess]:
    """Start ``steward serve DEPLOYMENT`` and yield once it is ready; terminate it at the end."""
    port = free_port()
    env = {**os.environ, "STEWARD_HOME": str(folder / "home"), "STEWARD_USER": "server"}
    env.pop("STEWARD_URI", None)
    env.pop("STEWARD_ARTIFACTS", None)
    log = folder / f"serve-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "--uri", uri, "serve", deployment, "--port", str(port), *extra],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    served = ServeProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_ready(process, f"{served.url}/v2/health/ready", log)
        yield served
    finally:
        stop(process)
