"""Batch scoring from and to object storage: S3 on a real moto server on loopback, and memory://."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from steward import Client
from steward.cli.main import app
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.scoring import VERSION_METADATA, ScoreOptions
from steward.services.locations import storage_options_for
from steward.services.packaging import LoadedModel
from steward.services.scoring import score_file
from steward.settings import Settings
from tests.artifacts.conftest import s3_bucket, s3_endpoint  # noqa: F401 - fixtures
from tests.services.test_scoring import client, expected, frame, model  # noqa: F401 - fixtures

S3 = tuple[str, dict[str, Any]]


def _put(fs: Any, path: str, data: pd.DataFrame) -> None:
    with fs.open(path, "wb") as f:
        data.to_parquet(f) if path.endswith(".parquet") else data.to_csv(f, index=False)


def _get(fs: Any, path: str) -> pd.DataFrame:
    with fs.open(path, "rb") as f:
        return pd.read_parquet(f) if path.endswith(".parquet") else pd.read_csv(f)


def _temporaries(fs: Any, folder: str) -> list[str]:
    return [p for p in fs.find(folder) if p.endswith(".tmp")]


@pytest.mark.parametrize(
    ("source", "target"), [("parquet", "parquet"), ("csv", "parquet"), ("parquet", "csv")]
)
def test_s3_in_s3_out_scores_as_a_local_run(
    model: LoadedModel,  # noqa: F811
    s3_bucket: S3,  # noqa: F811
    tmp_path: Path,
    source: str,
    target: str,
) -> None:
    bucket, options = s3_bucket
    fs = fsspec.filesystem("s3", **options)
    data = frame(1_234)
    _put(fs, f"{bucket}/in/rows.{source}", data)
    seen: list[int] = []

    result = score_file(
        model,
        f"s3://{bucket}/in/rows.{source}",
        f"s3://{bucket}/out/scored.{target}",
        ScoreOptions(batch_size=400),
        progress=lambda rows, total: seen.append(rows),
        input_options=options,
        output_options=options,
    )

    assert (result.rows, result.version, result.output) == (
        1_234,
        "churn/1",
        f"s3://{bucket}/out/scored.{target}",
    )
    assert seen == [400, 800, 1200, 1234]
    scored = _get(fs, f"{bucket}/out/scored.{target}")
    assert scored["prediction"].tolist() == expected(model, data).tolist()
    assert scored["customer"].tolist() == data["customer"].tolist()
    local = tmp_path / f"local.{target}"
    local_in = tmp_path / f"in.{source}"
    _put(fsspec.filesystem("file"), str(local_in), data)
    score_file(model, local_in, local, ScoreOptions(batch_size=400))
    if target == "parquet":
        with fs.open(f"{bucket}/out/scored.parquet", "rb") as f:
            remote = pq.read_table(f)
        assert remote.equals(pq.read_table(local))
        assert remote.schema.metadata[VERSION_METADATA] == b"churn/1"
    else:
        assert fs.cat_file(f"{bucket}/out/scored.csv") == local.read_bytes()
    assert _temporaries(fs, bucket) == []


def test_local_input_to_an_s3_output_and_back(model: LoadedModel, s3_bucket: S3, tmp_path: Path) -> None:  # noqa: F811
    bucket, options = s3_bucket
    data = frame(300)
    data.to_parquet(tmp_path / "in.parquet")
    score_file(model, tmp_path / "in.parquet", f"s3://{bucket}/scored.parquet", output_options=options)
    fs = fsspec.filesystem("s3", **options)
    assert _get(fs, f"{bucket}/scored.parquet")["prediction"].tolist() == expected(model, data).tolist()
    options_ = ScoreOptions(keep_columns=False)  # the scored file's own prediction column would clash
    score_file(
        model, f"s3://{bucket}/scored.parquet", tmp_path / "again.csv", options_, input_options=options
    )
    again = pd.read_csv(tmp_path / "again.csv")
    assert again["prediction"].tolist() == expected(model, data).tolist()


def test_a_bad_row_deep_in_an_s3_input_leaves_the_previous_output(model: LoadedModel, s3_bucket: S3) -> None:  # noqa: F811
    bucket, options = s3_bucket
    fs = fsspec.filesystem("s3", **options)
    data = frame(2_000)
    data["tenure"] = data["tenure"].astype(object)
    data.loc[1_777, "tenure"] = "seventy"
    _put(fs, f"{bucket}/bad.csv", data)
    fs.pipe_file(f"{bucket}/out.parquet", b"the previous output")
    with pytest.raises(InvalidInputError, match="'tenure'"):
        score_file(
            model, f"s3://{bucket}/bad.csv", f"s3://{bucket}/out.parquet", ScoreOptions(batch_size=500),
            input_options=options, output_options=options,
        )  # fmt: skip
    assert fs.cat_file(f"{bucket}/out.parquet") == b"the previous output"
    assert _temporaries(fs, bucket) == []


def test_missing_objects_and_buckets_fail_before_any_work(model: LoadedModel, s3_bucket: S3) -> None:  # noqa: F811
    bucket, options = s3_bucket
    fs = fsspec.filesystem("s3", **options)
    _put(fs, f"{bucket}/in.parquet", frame(10))
    with pytest.raises(NotFoundError, match=r"Input file s3://.*/nothing\.parquet does not exist"):
        score_file(model, f"s3://{bucket}/nothing.parquet", f"s3://{bucket}/o.parquet", input_options=options)
    nowhere = f"s3://steward-no-such-{uuid.uuid4().hex[:8]}/o.parquet"
    with pytest.raises(NotFoundError, match=r"bucket of .* does not exist"):
        score_file(model, f"s3://{bucket}/in.parquet", nowhere, input_options=options, output_options=options)
    with pytest.raises(InvalidInputError, match="overwrite the input"):
        score_file(
            model, f"s3://{bucket}/in.parquet", f"s3://{bucket}/in.parquet",
            input_options=options, output_options=options,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"Unknown output format '\.json'"):
        score_file(model, f"s3://{bucket}/in.parquet", f"s3://{bucket}/o.json", input_options=options)
    assert sorted(fs.ls(bucket)) == [f"{bucket}/in.parquet"]


def test_memory_urls_work_as_any_fsspec_filesystem(model: LoadedModel) -> None:  # noqa: F811
    root = f"memory://steward-score-{uuid.uuid4().hex}"
    fs, path = fsspec.core.url_to_fs(root)
    data = frame(50)
    _put(fs, f"{path}/in.csv", data)
    try:
        score_file(model, f"{root}/in.csv", f"{root}/out.parquet")
        assert _get(fs, f"{path}/out.parquet")["prediction"].tolist() == expected(model, data).tolist()
    finally:
        fs.rm(path, recursive=True)


def test_storage_options_come_from_the_artifacts_on_the_same_storage() -> None:
    options = {"endpoint_url": "http://127.0.0.1:9"}
    assert storage_options_for("s3://data/in.parquet", "s3://models/artifacts", options) == options
    assert storage_options_for("gs://data/in.parquet", "s3://models/artifacts", options) == {}
    assert storage_options_for("s3://data/in.parquet", "/var/steward/artifacts", options) == {}
    assert storage_options_for("/data/in.parquet", "s3://models/artifacts", options) == {}


@pytest.fixture
def s3_home(s3_bucket: S3, tmp_path: Path) -> Iterator[tuple[Path, str, dict[str, Any]]]:  # noqa: F811
    """A Steward home whose artifacts are on the moto S3 (config.toml), churn/1 registered there."""
    bucket, options = s3_bucket
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'uri = "sqlite:///{tmp_path / "s.db"}"\nartifacts = "s3://{bucket}/artifacts"\n'
        f'[artifacts_options]\nendpoint_url = "{options["endpoint_url"]}"\nkey = "{options["key"]}"\n'
        f'secret = "{options["secret"]}"\n[artifacts_options.client_kwargs]\nregion_name = "us-east-1"\n'
    )
    settings = Settings.resolve(env={"STEWARD_HOME": str(home), "STEWARD_USER": "tester"})
    data = frame(200, seed=1)
    y = (data["tenure"] > 30).astype(int)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    fitted = make_pipeline(StandardScaler(), LogisticRegression()).fit(data[["tenure", "charges"]], y)
    with Client(settings=settings) as sdk:
        sdk.register(fitted, "churn", input_example=data[["tenure", "charges"]].head(5), capture_code=False)
    yield home, bucket, options


def test_the_cli_scores_s3_urls_with_the_artifacts_options(s3_home: tuple[Path, str, dict[str, Any]]) -> None:
    home, bucket, options = s3_home
    fs = fsspec.filesystem("s3", **options)
    _put(fs, f"{bucket}/data/in.parquet", frame(120))
    result = CliRunner().invoke(
        app,
        ["score", "churn/1", f"s3://{bucket}/data/in.parquet", f"s3://{bucket}/data/out.csv", "--json"],
        env={"STEWARD_HOME": str(home), "STEWARD_USER": "tester"},
    )
    assert result.exit_code == 0, result.output
    assert f'"output": "s3://{bucket}/data/out.csv"' in result.stdout
    assert len(_get(fs, f"{bucket}/data/out.csv")) == 120
    missing = CliRunner().invoke(
        app,
        ["score", "churn/1", f"s3://{bucket}/data/nope.parquet", f"s3://{bucket}/data/o.csv"],
        env={"STEWARD_HOME": str(home), "STEWARD_USER": "tester"},
    )
    assert (
        missing.exit_code != 0 and missing.stderr.startswith("Error: ") and "nope.parquet" in missing.stderr
    )
    assert "Traceback" not in missing.output
