"""Bad input never shows a traceback: one line on stderr, an exit code by error class, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.cli.main import app
from steward.cli.output import EXIT_CODES, error_line, exit_code_for
from steward.core.errors import (
    ERROR_CLASSES,
    AuthenticationError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    PolicyViolationError,
    StewardError,
)
from tests.cli.conftest import Registry, assert_clean_failure

USAGE, NOT_FOUND, CONFLICT = 2, 3, 4


def test_every_error_class_has_its_documented_exit_code() -> None:
    expected = {
        StewardError: 1,
        InvalidInputError: 2,
        NotFoundError: 3,
        ConflictError: 4,
        PermissionDeniedError: 5,
        PolicyViolationError: 5,
        AuthenticationError: 5,
        IntegrityError: 6,
        MissingDependencyError: 7,
    }
    assert set(expected) == set(ERROR_CLASSES)
    for cls, code in expected.items():
        assert exit_code_for(cls("x")) == code, cls
    assert set(EXIT_CODES.values()) == set(range(1, 8))


def test_an_unlisted_subclass_takes_its_parents_code() -> None:
    class StaleAlias(ConflictError):
        pass

    assert exit_code_for(StaleAlias("x")) == CONFLICT


def test_error_line_folds_newlines() -> None:
    assert error_line("first\n  second ") == "Error: first second"


# Each case: arguments after `steward --uri …`, the exit code, and a fragment of the message.
# {name} stands for a file made by the `bad_files` fixture or the session's `files`.
CASES = [
    # models
    (["models", "show", "nope"], NOT_FOUND, "No model named 'nope'"),
    (["models", "show", "bad name"], USAGE, "Invalid model name"),
    (["models", "create", "churn"], CONFLICT, "already exists"),
    (["models", "create", "new", "--tag", "novalue"], USAGE, "KEY=VALUE"),
    (["models", "create", "new", "--tag", "a=1", "--tag", "a=2"], USAGE, "twice"),
    (["models", "update", "nope", "--description", "x"], NOT_FOUND, "nope"),
    (["models", "update", "churn"], USAGE, "Nothing to change"),
    (["models", "update", "churn", "--tag", "=x"], USAGE, "KEY=VALUE"),
    (["models", "list", "--filter", "name ="], USAGE, "Bad filter"),
    (["models", "list", "--filter", "metrics.auc > 1"], USAGE, "Bad filter"),
    (["models", "list", "--order-by", "bogus"], USAGE, "order_by"),
    (["models", "list", "--max-results", "0"], USAGE, "--max-results"),
    (["models", "list", "--page-token", "!!"], USAGE, "page token"),
    # versions
    (["versions", "show", "churn/abc"], USAGE, "Invalid model reference"),
    (["versions", "show", "churn/0"], USAGE, "Invalid version"),
    (["versions", "show", "churn/7"], NOT_FOUND, "latest is 2"),
    (["versions", "show", "nope"], NOT_FOUND, "nope"),
    (["versions", "show", "churn@nosuch"], NOT_FOUND, "no alias 'nosuch'"),
    (["versions", "lineage", "churn/9"], NOT_FOUND, "latest is 2"),
    (["versions", "list", "--filter", "metrics.auc >> 1"], USAGE, "Bad filter"),
    (["versions", "list", "--filter", "name = 'churn' AND"], USAGE, "Bad filter"),
    # alias
    (["alias", "set", "churn", "champion", "abc"], USAGE, "Invalid version"),
    (["alias", "set", "churn", "champion", "0"], USAGE, "Invalid version"),
    (["alias", "set", "churn", "champion", "9"], NOT_FOUND, "9"),
    (["alias", "set", "nope", "champion", "1"], NOT_FOUND, "nope"),
    (["alias", "set", "churn", "latest", "1"], USAGE, "reserved"),
    (["alias", "delete", "churn", "nosuch"], NOT_FOUND, "nosuch"),
    (["alias", "rollback", "churn", "nosuch"], NOT_FOUND, "nosuch"),
    (["alias", "rollback", "nope", "champion"], NOT_FOUND, "nope"),
    (["alias", "history", "nope"], NOT_FOUND, "nope"),
    (["alias", "at", "churn", "champion", "yesterday"], USAGE, "ISO 8601"),
    (["alias", "at", "nope", "champion", "2026-01-01"], NOT_FOUND, "nope"),
    # audit
    (["audit", "list", "--since", "last week"], USAGE, "ISO 8601"),
    (["audit", "list", "--until", "2026-13-01"], USAGE, "ISO 8601"),
    (["audit", "list", "--max-results", "5000"], USAGE, "--max-results"),
    # register: options
    (["register", "churn", "{skops}", "--metric", "auc"], USAGE, "KEY=VALUE"),
    (["register", "churn", "{skops}", "--metric", "auc=high"], USAGE, "must be a number"),
    (["register", "churn", "{skops}", "--metric", "auc=nan"], USAGE, "finite"),
    (["register", "churn", "{skops}", "--param", "C"], USAGE, "KEY=VALUE"),
    (["register", "churn", "{skops}", "--tag", "=1"], USAGE, "KEY=VALUE"),
    (["register", "churn", "{skops}", "--alias", "latest"], USAGE, "reserved"),
    (["register", "churn", "{skops}", "--parent", "churn/abc"], USAGE, "Invalid model reference"),
    (["register", "churn", "{skops}", "--parent", "churn/9"], NOT_FOUND, "latest is 2"),
    (["register", "bad name", "{skops}"], USAGE, "Invalid model name"),
    # register: files
    (["register", "churn", "{missing}"], USAGE, "No such model file"),
    (["register", "churn", "{unknown}"], USAGE, "Unknown model file type"),
    (["register", "churn", "{folder}"], USAGE, "without an MLmodel file"),
    (["register", "churn", "{json}"], USAGE, "--flavor xgboost"),
    (["register", "churn", "{onnx}"], USAGE, "not an ONNX model"),
    (["register", "churn", "{onnx}", "--flavor", "sklearn"], USAGE, "--flavor onnx"),
    (["register", "churn", "{skops_garbage}"], USAGE, "skops"),
    (["register", "churn", "{ubj_garbage}"], USAGE, "XGBoost cannot read"),
    (["register", "churn", "{txt_garbage}", "--flavor", "lightgbm"], USAGE, "LightGBM"),
    (["register", "churn", "{pt_garbage}"], USAGE, "TorchScript"),
    (["register", "churn", "{skops}", "--input-example", "{missing_csv}"], USAGE, "no such file"),
    (["register", "churn", "{skops}", "--input-example", "{xlsx}"], USAGE, ".csv or .parquet"),
    (["register", "churn", "{skops}", "--training-data", "{empty_csv}"], USAGE, "--training-data"),
    (["register", "churn", "{skops}", "--evaluation-data", "{parquet_garbage}"], USAGE, "--evaluation-data"),
    # usage errors
    (["models", "show"], USAGE, "Missing argument 'NAME'"),
    (["models", "list", "--bogus"], USAGE, "--bogus"),
    (["modles"], USAGE, "modles"),
    (["server", "--port", "0"], USAGE, "--port"),
    (["server", "--uri", "http://127.0.0.1:9"], USAGE, "already a control plane"),
]


@pytest.fixture
def bad_files(tmp_path: Path, files: dict[str, Path]) -> dict[str, str]:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "model.xyz").write_text("?")
    (folder / "model.json").write_text("{}")
    (folder / "model.onnx").write_bytes(b"\x00not onnx at all\xff" * 10)
    (folder / "garbage.skops").write_bytes(b"PK not a zip")
    (folder / "empty.csv").write_text("")
    (folder / "garbage.parquet").write_bytes(b"not parquet")
    (folder / "data.xlsx").write_text("x")
    (folder / "plain").mkdir()
    (folder / "model.ubj").write_bytes(b"\x00\x01 not xgboost")
    (folder / "model.txt").write_text("not a lightgbm model\n")
    (folder / "model.pt").write_bytes(b"not torchscript")
    paths = {
        "missing": folder / "missing.pkl",
        "unknown": folder / "model.xyz",
        "folder": folder / "plain",
        "json": folder / "model.json",
        "onnx": folder / "model.onnx",
        "skops_garbage": folder / "garbage.skops",
        "ubj_garbage": folder / "model.ubj",
        "txt_garbage": folder / "model.txt",
        "pt_garbage": folder / "model.pt",
        "missing_csv": folder / "missing.csv",
        "xlsx": folder / "data.xlsx",
        "empty_csv": folder / "empty.csv",
        "parquet_garbage": folder / "garbage.parquet",
        **files,
    }
    return {key: str(path) for key, path in paths.items()}


@pytest.mark.parametrize(("args", "code", "fragment"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(
    seeded: Registry, bad_files: dict[str, str], args: list[str], code: int, fragment: str
) -> None:
    args = [arg.format(**bad_files) if arg.startswith("{") else arg for arg in args]
    before = seeded.counts()
    result = seeded.run(*args)
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert seeded.counts() == before


def test_unreadable_pickle_is_one_clean_line_after_the_note(seeded: Registry, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pkl"
    broken.write_bytes(b"\x80\x04not a pickle")
    before = seeded.counts()
    result = seeded.run("register", "churn", str(broken))
    assert result.exit_code == USAGE
    assert "Traceback" not in result.output
    note, error = result.stderr.strip().splitlines()
    assert note.startswith("Note: loading") and "runs code" in note
    assert error.startswith("Error: Cannot load") and "broken.pkl" in error
    assert seeded.counts() == before


def test_no_command_prints_help(registry: Registry) -> None:
    result = registry.runner.invoke(app, [])
    assert result.exit_code == USAGE
    assert "Usage" in result.output and "register" in result.output
    assert "Traceback" not in result.output


def test_remote_store_that_is_down_is_one_line(registry: Registry) -> None:
    result = registry.runner.invoke(app, ["--uri", "http://127.0.0.1:9", "models", "list"])
    assert_clean_failure(result, 1)
    assert "Cannot reach the control plane" in result.stderr


def test_unknown_flavor_for_a_pickle_writes_nothing(seeded: Registry, files: dict[str, Path]) -> None:
    before = seeded.counts()
    result = seeded.run("register", "churn", str(files["pkl"]), "--flavor", "nosuch")
    assert result.exit_code == USAGE
    assert result.stderr.strip().splitlines()[-1].startswith("Error: Unknown flavor 'nosuch'")
    assert seeded.counts() == before
