from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from steward import Client
from steward.cli.main import app
from steward.cli.server import base_url, is_loopback
from tests.cli.conftest import Registry, assert_clean_failure
from tests.servers import free_port


def test_urls_and_loopback() -> None:
    assert base_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert base_url("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert base_url("::1", 8080) == "http://[::1]:8080"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_port_in_use_is_one_line(registry: Registry) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = registry.run("server", "--port", str(port))
    assert_clean_failure(result, 4)
    assert f"Port {port}" in result.stderr


@pytest.mark.slow
def test_server_subprocess_serves_the_cli(tmp_path: Path, files: dict[str, Path]) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'server.db'}"
    env = {**os.environ, "STEWARD_HOME": str(tmp_path / "home"), "STEWARD_USER": "server"}
    env.pop("STEWARD_URI", None)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "--uri", db, "server", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, log)
            runner = CliRunner()
            listed = runner.invoke(app, ["--uri", url, "models", "list", "--json"])
            assert listed.exit_code == 0, listed.output
            assert json.loads(listed.stdout) == {"items": [], "next_page_token": None}

            registered = runner.invoke(
                app, ["--uri", url, "register", "churn", str(files["skops"]), "--metric", "auc=0.8"]
            )
            assert registered.exit_code == 0, registered.output
            assert "Registered churn/1 (sklearn)" in registered.stdout
            missing = runner.invoke(app, ["--uri", url, "versions", "show", "churn/5"])
            assert_clean_failure(missing, 3)
            assert "latest is 1" in missing.stderr
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    text = log.read_text()
    assert code == 0, text
    assert f"{url}/docs" in text and f"STEWARD_URI={url}" in text and "Stopped." in text
    assert "Traceback" not in text
    with Client(db) as client:
        assert client.get("churn/1").metrics == {"auc": 0.8}


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"steward server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"steward server did not start: {log.read_text()}")
