"""docs/cli.md is generated from --help; it must be current and cover every command."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import typer

from steward.cli.main import app
from steward.cli.output import EXIT_CODE_MEANINGS, EXIT_CODES

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _command_paths(command: typer.core.TyperGroup, prefix: str, ctx: object) -> list[str]:
    paths = []
    for name in command.list_commands(ctx):  # type: ignore[arg-type]
        sub = command.get_command(ctx, name)  # type: ignore[arg-type]
        assert sub is not None
        paths.append(f"{prefix} {name}")
        if isinstance(sub, typer.core.TyperGroup):
            sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)  # type: ignore[arg-type]
            paths += _command_paths(sub, f"{prefix} {name}", sub_ctx)
    return paths


def test_cli_md_is_up_to_date() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert text == _generator().render(), "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_cli_md_covers_every_command_and_exit_code() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    paths = _command_paths(root, "steward", root.make_context("steward", [], resilient_parsing=True))
    assert len(paths) >= 20
    headings = set(re.findall(r"^#+ `(steward[^`]*)`$", text, flags=re.MULTILINE))
    assert set(paths) <= headings, set(paths) - headings
    for path in ("steward models list", "steward register", "steward alias at", "steward demo"):
        assert path in paths
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", text, flags=re.MULTILINE)}
    assert codes == set(EXIT_CODE_MEANINGS) and set(EXIT_CODES.values()) <= codes


def test_check_mode_flags_a_stale_file(tmp_path: Path) -> None:
    generator = _generator()
    stale = tmp_path / "cli.md"
    stale.write_text("old\n")
    generator.DOC = stale
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
