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


def test_an_explain_background_that_cannot_be_read_fails_clearly(registry: Registry, tmp_path: Path) -> None:
    Client(registry.uri, actor="t").create_deployment("churn-api", {"churn/1": 100})
    base = ["--uri", registry.uri, "serve", "churn-api", "--port", str(free_port()), "--no-payload-log"]
    (tmp_path / "rows.txt").write_text("tenure\n1\n")
    for given, words, code in [
        (str(tmp_path / "missing.parquet"), "No such data file", 3),
        (str(tmp_path / "rows.txt"), "use a Parquet (.parquet, .pq) or CSV", 2),
    ]:
        result = CliRunner().invoke(
            app, [*base, "--explain-background", given], env={"STEWARD_HOME": str(tmp_path)}
        )
        assert result.exit_code == code, result.output
        assert result.stderr.strip().startswith("Error: ") and words in result.stderr
        assert "Traceback" not in result.output
