"""``steward serve --engine/--replicas``: the combinations that make no sense are refused in one line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.core.errors import MissingDependencyError


def test_serve_engine_options_are_checked(tmp_path: Path) -> None:

    runner = CliRunner()
    uri = f"sqlite:///{tmp_path / 's.db'}"
    workers = runner.invoke(app, ["--uri", uri, "serve", "x", "--engine", "ray", "--workers", "2"])
    assert workers.exit_code == 2 and "use --replicas" in workers.stderr
    replicas = runner.invoke(app, ["--uri", uri, "serve", "x", "--replicas", "2"])
    assert replicas.exit_code == 2 and "goes with --engine ray" in replicas.stderr
    engine = runner.invoke(app, ["--uri", uri, "serve", "x", "--engine", "k8s"])
    assert engine.exit_code == 2 and "Unknown --engine 'k8s'" in engine.stderr


def test_engine_ray_without_ray_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.serving.app import Limits
    from steward.serving.ray_engine import RaySpec, serve_on_ray
    from steward.settings import Settings

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    spec = RaySpec(Settings.resolve(f"sqlite:///{tmp_path / 's.db'}"), "churn-api", None, Limits())
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[ray\]'"):
        serve_on_ray(spec, replicas=2, host="127.0.0.1", port=8000, address="auto")
