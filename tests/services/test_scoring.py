"""Batch scoring, local engine: chunks checked against the signature, streamed out, nothing half-written."""

from __future__ import annotations

import importlib.util
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward import Client
from steward.core.errors import InvalidInputError, MissingDependencyError, NotFoundError, StewardError
from steward.core.scoring import VERSION_METADATA, ScoreOptions
from steward.services.packaging import LoadedModel
from steward.services.ray_scoring import score_with_ray
from steward.services.scoring import score_file

FEATURES = ["tenure", "charges", "plan"]


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer": [f"c{i}" for i in range(rows)],
            "tenure": rng.integers(0, 72, rows),
            "charges": rng.normal(70, 20, rows).round(2),
            "plan": rng.choice(["basic", "pro", "max"], rows).astype(object),
        }
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    folder = tmp_path_factory.mktemp("registry")
    data = frame(300, seed=1)
    y = ((data["tenure"] > 30) ^ (data["plan"] == "max")).astype(int)
    model = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), ["tenure", "charges"]), ("cat", OneHotEncoder(), ["plan"])]
        ),
        LogisticRegression(),
    ).fit(data[FEATURES], y)
    with Client(f"sqlite:///{folder / 's.db'}", actor="tester") as c:
        c.register(
            model, "churn", input_example=data[FEATURES].head(20), flavor_settings={"format": "pickle"}
        )
        yield c


@pytest.fixture(scope="module")
def model(client: Client) -> Iterator[LoadedModel]:
    loaded = client.load("churn/1")
    yield loaded
    loaded.close()


def expected(model: LoadedModel, data: pd.DataFrame) -> np.ndarray:
    native: Any = model.native
    result: np.ndarray = native.predict(data[FEATURES])
    return result


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(("source", "target"), [("parquet", "parquet"), ("csv", "csv"), ("csv", "parquet")])
def test_scores_every_row_in_chunks_and_names_the_version(
    model: LoadedModel, tmp_path: Path, source: str, target: str
) -> None:
    data = frame(2_345)
    src, out = tmp_path / f"in.{source}", tmp_path / f"out.{target}"
    data.to_parquet(src) if source == "parquet" else data.to_csv(src, index=False)
    seen: list[int] = []

    result = score_file(
        model, src, out, ScoreOptions(batch_size=500), progress=lambda n, total: seen.append(n)
    )

    scored = pd.read_parquet(out) if target == "parquet" else pd.read_csv(out)
    assert result.rows == len(data) == len(scored)
    assert result.version == "churn/1"
    assert seen == [500, 1000, 1500, 2000, 2345]
    assert list(scored.columns) == [*data.columns, "prediction", "model_version"]
    np.testing.assert_array_equal(scored["prediction"].to_numpy(), expected(model, data))
    assert scored["customer"].tolist() == data["customer"].tolist()
    assert set(scored["model_version"]) == {"churn/1"}
    if target == "parquet":
        assert pq.read_schema(out).metadata[VERSION_METADATA] == b"churn/1"
    assert leftovers(tmp_path) == []


def test_proba_columns_per_class_and_only_predictions(model: LoadedModel, tmp_path: Path) -> None:
    data = frame(400)
    data.to_parquet(tmp_path / "in.parquet")
    options = ScoreOptions(batch_size=128, keep_columns=False, proba=True)

    score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet", options)

    scored = pd.read_parquet(tmp_path / "out.parquet")
    assert list(scored.columns) == ["prediction", "proba_0", "proba_1", "model_version"]
    native: Any = model.native
    np.testing.assert_allclose(
        scored[["proba_0", "proba_1"]].to_numpy(), native.predict_proba(data[FEATURES])
    )


def test_memory_stays_flat_as_the_input_grows(model: LoadedModel, tmp_path: Path) -> None:
    peaks = {}
    for rows in (20_000, 200_000):
        src = tmp_path / f"in-{rows}.parquet"
        frame(rows).to_parquet(src, row_group_size=5_000)
        tracemalloc.start()
        try:
            score_file(model, src, tmp_path / f"out-{rows}.parquet", ScoreOptions(batch_size=5_000))
            peaks[rows] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # ten times the rows, the same chunks: the peak must not grow with the file (generous bound)
    assert peaks[200_000] < 1.5 * peaks[20_000] + 2_000_000, peaks


def test_missing_column_is_refused_before_anything_is_written(model: LoadedModel, tmp_path: Path) -> None:
    frame(50).drop(columns=["plan"]).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInputError, match=r"no column\(s\) 'plan'"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()
    assert leftovers(tmp_path) == []


def test_a_bad_value_late_in_the_file_leaves_no_output_and_names_its_row(
    model: LoadedModel, tmp_path: Path
) -> None:
    data = frame(1_000)
    data["tenure"] = data["tenure"].astype(float)
    data.loc[901, "tenure"] = 3.5  # not a whole number, for an int64 input
    data.to_parquet(tmp_path / "in.parquet")
    (tmp_path / "out.parquet").write_bytes(b"the previous output")

    with pytest.raises(InvalidInputError, match=r"'tenure' expects int64; row 901 has 3.5"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet", ScoreOptions(batch_size=100))

    assert (tmp_path / "out.parquet").read_bytes() == b"the previous output"  # untouched
    assert leftovers(tmp_path) == []


def test_missing_values_in_a_required_column_name_the_row(model: LoadedModel, tmp_path: Path) -> None:
    data = frame(300)
    data.loc[250, "plan"] = None
    data.to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInputError, match=r"'plan' has a missing value .* row 250"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.csv", ScoreOptions(batch_size=100))
    assert not (tmp_path / "out.csv").exists()


def test_a_column_of_the_wrong_type_is_refused(model: LoadedModel, tmp_path: Path) -> None:
    data = frame(30)
    data["charges"] = data["charges"].astype(str)
    data.to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInputError, match=r"'charges' holds string values .*; the model takes float64"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet")


def test_a_csv_cell_that_does_not_parse_names_its_column(model: LoadedModel, tmp_path: Path) -> None:
    text = frame(20).to_csv(index=False).splitlines()
    cells = text[15].split(",")
    cells[1] = "many"
    text[15] = ",".join(cells)
    (tmp_path / "in.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(InvalidInputError, match=r"Column 'tenure': .*'many'"):
        score_file(model, tmp_path / "in.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "error", "match"),
    [
        ("in.txt", InvalidInputError, "Unknown input format '.txt'"),
        ("absent.parquet", NotFoundError, "does not exist"),
    ],
)
def test_bad_input_paths(
    model: LoadedModel, tmp_path: Path, name: str, error: type[Exception], match: str
) -> None:
    (tmp_path / "in.txt").write_text("a,b\n1,2\n")
    with pytest.raises(error, match=match):
        score_file(model, tmp_path / name, tmp_path / "out.parquet")


def test_bad_output_paths(model: LoadedModel, tmp_path: Path) -> None:
    frame(5).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInputError, match=r"Unknown output format '\.json'"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.json")
    with pytest.raises(NotFoundError, match=r"Output folder .* does not exist"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "no" / "out.parquet")
    with pytest.raises(InvalidInputError, match="overwrite the input"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "in.parquet")


def test_columns_option_checks_names_and_clashes(model: LoadedModel, tmp_path: Path) -> None:
    frame(5).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInputError, match="not inputs of the model"):
        score_file(
            model, tmp_path / "in.parquet", tmp_path / "o.parquet", ScoreOptions(columns=("customer",))
        )
    with pytest.raises(InvalidInputError, match="which the input lacks"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "o.parquet", ScoreOptions(columns=("nope",)))
    frame(5).assign(prediction=1).to_parquet(tmp_path / "clash.parquet")
    with pytest.raises(InvalidInputError, match=r"clash .* --no-keep-columns"):
        score_file(model, tmp_path / "clash.parquet", tmp_path / "o.parquet")
    with pytest.raises(InvalidInputError, match="at least 1"):
        ScoreOptions(batch_size=0)


def test_an_empty_input_gives_an_empty_output(model: LoadedModel, tmp_path: Path) -> None:
    frame(10).head(0).to_parquet(tmp_path / "in.parquet")
    result = score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert result.rows == 0
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 0


def test_tensor_and_unsigned_models(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 3))
    fitted = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(id=range(200))
    data.to_parquet(tmp_path / "in.parquet")
    named = LogisticRegression().fit(data[["a", "b", "c"]], (x[:, 0] > 0).astype(int))
    with Client(f"sqlite:///{tmp_path / 's.db'}") as c:
        c.register(fitted, "tensor", input_example=x[:5])  # a [-1, 3] float64 tensor signature
        c.register(named, "bare")  # no signature at all: the columns go to the model as they are
        c.score("tensor", tmp_path / "in.parquet", tmp_path / "t.parquet", columns=["a", "b", "c"])
        c.score("bare", tmp_path / "in.parquet", tmp_path / "b.csv", columns=["a", "b", "c"])
        with pytest.raises(InvalidInputError, match="rows of 3 features; 4 columns"):
            c.score("tensor", tmp_path / "in.parquet", tmp_path / "x.parquet")
        with pytest.raises(InvalidInputError, match="Unknown engine"):
            c.score("tensor", tmp_path / "in.parquet", tmp_path / "x.parquet", engine="spark")  # type: ignore[arg-type]
    assert pd.read_parquet(tmp_path / "t.parquet")["prediction"].tolist() == fitted.predict(x).tolist()
    assert pd.read_csv(tmp_path / "b.csv")["prediction"].tolist() == fitted.predict(x).tolist()


def test_ray_engine_without_ray_says_how_to_install_it(
    model: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    frame(5).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[ray\]'"):
        score_with_ray(model, lambda: model, tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_output_schema_stays_that_of_the_first_chunk(model: LoadedModel, tmp_path: Path) -> None:
    data = frame(300)
    table = pa.Table.from_pandas(data, preserve_index=False)
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=100)
    score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet", ScoreOptions(batch_size=100))
    out = pq.ParquetFile(tmp_path / "out.parquet")
    assert out.metadata.num_rows == 300
    assert out.schema_arrow.field("prediction").type == pa.int64()


def test_a_model_that_fails_midway_leaves_nothing(
    model: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame(1_000).to_parquet(tmp_path / "in.parquet")
    calls: list[int] = []
    real = model.predict

    def flaky(data: Any) -> Any:
        calls.append(len(data))
        if len(calls) == 3:
            raise RuntimeError("out of luck")
        return real(data)

    monkeypatch.setattr(model, "predict", flaky)
    with pytest.raises(StewardError, match=r"churn/1 failed on rows 200-299: RuntimeError: out of luck"):
        score_file(model, tmp_path / "in.parquet", tmp_path / "out.parquet", ScoreOptions(batch_size=100))
    assert len(calls) == 3  # two chunks already handed to the writer, then the failure
    assert not (tmp_path / "out.parquet").exists()
    assert leftovers(tmp_path) == []
