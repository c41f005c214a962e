"""Global options: where the CLI finds the registry, who acts, and the plain entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward import Client, __version__
from steward.cli.main import app
from tests.cli.conftest import Registry


def test_version_and_help() -> None:
    runner = CliRunner()
    version = runner.invoke(app, ["--version"])
    assert (version.exit_code, version.stdout.strip()) == (0, f"steward {__version__}")
    helped = runner.invoke(app, ["alias", "--help"])
    assert helped.exit_code == 0
    for command in ("set", "delete", "rollback", "history", "at"):
        assert command in helped.stdout


def test_uri_from_environment(seeded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_URI", seeded.uri)
    result = seeded.runner.invoke(app, ["models", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert [m["name"] for m in json.loads(result.stdout)["items"]] == ["churn", "fraud"]


def test_default_store_is_under_steward_home(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "create", "churn"])
    assert result.exit_code == 0, result.output
    db = tmp_path / "home" / "steward.db"  # STEWARD_HOME is set by the autouse fixture
    with Client(f"sqlite:///{db}") as client:
        assert client.get_model("churn").owner == "tester"


def test_artifacts_option_and_user(registry: Registry, files: dict[str, Path], tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    result = registry.run(
        "--artifacts", str(blobs), "--user", "ana", "register", "churn", str(files["skops"])
    )
    assert result.exit_code == 0, result.output
    assert any(p.is_file() for p in blobs.rglob("*"))
    with registry.client() as client:
        assert client.get("churn/1").created_by == "ana"


def test_python_dash_m_runs_the_cli(registry: Registry) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "steward", "--uri", registry.uri, "versions", "show", "churn/abc"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Error: Invalid model reference 'churn/abc': after '/' comes a version number or 'latest'."
    )
    assert done.stdout == ""
