"""``steward serve``: a missing deployment or a remote URI fails with one line, before binding."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from steward import Client
from steward.cli.main import app
from tests.servers import free_port
from tests.serving.conftest import Registry


def test_serving_an_unknown_deployment_fails_clearly(registry: Registry, tmp_path: Path) -> None:
    port = str(free_port())
    result = CliRunner().invoke(
        app, ["--uri", registry.uri, "serve", "nope", "--port", port], env={"STEWARD_HOME": str(tmp_path)}
    )
    assert result.exit_code == 3, result.output
    assert result.stderr.strip().startswith("Error: ") and "nope" in result.stderr
    assert "Traceback" not in result.output


def test_serve_needs_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--uri", "http://127.0.0.1:9", "serve", "churn-api"])
    assert result.exit_code == 2 and "reads the deployment from the database" in result.stderr


def test_a_payload_log_url_nothing_can_write_fails_clearly(registry: Registry, tmp_path: Path) -> None:
    Client(registry.uri, actor="t").create_deployment("churn-api", {"churn/1": 100})
    port = str(free_port())
    result = CliRunner().invoke(
        app,
        ["--uri", registry.uri, "serve", "churn-api", "--port", port, "--payload-log", "nosuch://bucket/p"],
        env={"STEWARD_HOME": str(tmp_path)},
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith("Error: ") and "unknown scheme 'nosuch'" in result.stderr
    assert "Traceback" not in result.output
