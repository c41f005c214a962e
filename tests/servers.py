"""Start a real control plane as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    """Poll *url* until it answers 200; fail with the server's log if it exits or never does."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become ready: {log.read_text(errors='replace')}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it does not stop within *timeout* seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def control_plane(folder: Path, uri: str | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a `steward` control plane serving *uri* (SQLite in *folder* by default)."""
    port = free_port()
    environment = {
        **os.environ,
        "STEWARD_HOME": str(folder),
        "STEWARD_URI": uri or f"sqlite:///{folder / 'server.db'}",
        "STEWARD_ARTIFACTS": str(folder / "artifacts"),
        "STEWARD_USER": "server",
        **(env or {}),
    }
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "steward.api.app:build_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, f"{url}/api/v1/health", folder / "server.log")
        yield url
    finally:
        stop(process, timeout=10)
        log.close()
