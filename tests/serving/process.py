"""Run ``steward serve`` as a real process on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import free_port


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
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"steward serve exited: {served.output()}")
            try:
                if httpx.get(f"{served.url}/v2/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"steward serve did not become ready: {served.output()}")
            time.sleep(0.05)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
