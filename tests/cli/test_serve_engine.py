"""``steward serve --engine/--replicas``: the combinations that make no sense are refused in one line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from steward.cli.main import app


def test_serve_engine_options_are_checked(tmp_path: Path) -> None:

    runner = CliRunner()
    uri = f"sqlite:///{tmp_path / 's.db'}"
    workers = runner.invoke(app, ["--uri", uri, "serve", "x", "--engine", "ray", "--workers", "2"])
    assert workers.exit_code == 2 and "use --replicas" in workers.stderr
    replicas = runner.invoke(app, ["--uri", uri, "serve", "x", "--replicas", "2"])
    assert replicas.exit_code == 2 and "goes with --engine ray" in replicas.stderr
    engine = runner.invoke(app, ["--uri", uri, "serve", "x", "--engine", "k8s"])
    assert engine.exit_code == 2 and "Unknown --engine 'k8s'" in engine.stderr
