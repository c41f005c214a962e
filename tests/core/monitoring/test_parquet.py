from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from steward.core.errors import InvalidInputError
from steward.core.monitoring.parquet import flatten_payload, profile_parquet
from steward.core.monitoring.profile import PREDICTION, PROBA, build_reference, profile_like
from steward.serving.payload_log import PayloadLog, PayloadRecord

from .conftest import frame


def test_streamed_profile_equals_the_in_memory_one(tmp_path):
    data = frame(30_000, seed=4, numeric=3, categorical=2)
    reference = build_reference(frame(10_000, seed=5, numeric=3, categorical=2))
    data["extra"] = 1.0
    for i, part in enumerate(np.array_split(np.arange(len(data)), 3)):
        pq.write_table(
            pa.Table.from_pandas(data.iloc[part], preserve_index=False), tmp_path / f"part-{i}.parquet"
        )
    expected = profile_like(reference, data)
    streamed = profile_parquet(reference, tmp_path, batch_size=4_096)
    assert streamed.rows == expected.rows == 30_000
    for name, fp in expected.features.items():
        assert streamed.features[name].counts == fp.counts
        assert streamed.features[name].sketch_counts == fp.sketch_counts
        assert streamed.features[name].total == pytest.approx(fp.total)
    assert "extra" in streamed.columns_seen
    from_dataset = profile_parquet(reference, ds.dataset(tmp_path, format="parquet"), batch_size=10_000)
    assert from_dataset.features["n0"].counts == expected.features["n0"].counts


def _payload_log(folder, requests: int, rng) -> list[pd.DataFrame]:
    log = PayloadLog(folder, flush_rows=50)
    log.start()
    sent = []
    for i in range(requests):
        rows = int(rng.integers(1, 5))
        inputs = {"age": rng.normal(40, 10, rows), "city": rng.choice(["paris", "oslo"], rows).tolist()}
        proba = rng.random(rows)
        outputs = {"predict": (proba > 0.5).astype(int), "predict_proba": np.column_stack([1 - proba, proba])}
        log.submit(
            PayloadRecord(
                request_id=f"r{i}",
                time=datetime(2026, 1, 1, 10, tzinfo=UTC).timestamp(),
                deployment="churn",
                version="churn/1",
                protocol="v2",
                status=200,
                latency_ms=1.0,
                rows=rows,
                inputs=inputs,
                outputs=outputs,
            )
        )
        frame_ = pd.DataFrame(inputs)
        frame_[PREDICTION] = outputs["predict"]
        frame_[PROBA] = proba
        sent.append(frame_)
    log.submit(  # a shadow's copy of a request: no inputs, not monitored
        PayloadRecord(
            "s1",
            datetime(2026, 1, 1, 10, tzinfo=UTC).timestamp(),
            "churn",
            "churn/2",
            "v2",
            200,
            1.0,
            1,
            None,
            {"predict": np.array([1])},
            role="shadow",
        )
    )
    log.close()
    return sent


def test_payload_log_files_are_flattened_to_one_row_per_prediction(tmp_path):
    rng = np.random.default_rng(0)
    sent = pd.concat(_payload_log(tmp_path, 120, rng), ignore_index=True)
    files = sorted(tmp_path.rglob("*.parquet"))
    tables = [flatten_payload(pq.read_table(f)) for f in files]
    assert any(t.num_rows == 0 for t in tables)  # the shadow's file
    flat = pa.concat_tables([t for t in tables if t.num_rows]).to_pandas()
    assert len(flat) == len(sent)
    assert set(flat.columns) == {"age", "city", PREDICTION, PROBA, "request_id"}
    assert sorted(flat["age"]) == pytest.approx(sorted(sent["age"]))
    assert sorted(flat[PROBA]) == pytest.approx(sorted(sent[PROBA]))
    reference = build_reference(sent)
    streamed = profile_parquet(reference, tmp_path, batch_size=16)
    assert streamed.rows == len(sent)
    assert streamed.features[PROBA].counts == reference.features[PROBA].counts
    assert streamed.features["city"].counts == reference.features["city"].counts
    assert set(streamed.columns_seen) == {"age", "city", PREDICTION, PROBA}


def test_missing_paths_and_plain_tables_say_what_to_do(tmp_path):
    reference = build_reference(frame(100, seed=1, numeric=1, categorical=0))
    with pytest.raises(InvalidInputError, match="No Parquet"):
        profile_parquet(reference, tmp_path / "nope")
    with pytest.raises(InvalidInputError, match="profile_like"):
        flatten_payload(pa.table({"x": [1.0]}))
    assert profile_parquet(reference, tmp_path).rows == 0  # an empty folder is an empty window


def test_mixed_type_inputs_are_flattened_as_text(tmp_path):
    log = PayloadLog(tmp_path)
    log.start()
    for i, value in enumerate([[1, "a"], [2.5, "b"]]):  # mixed types: Arrow cannot type them
        log.submit(
            PayloadRecord(
                f"r{i}",
                datetime(2026, 1, 1, 10, tzinfo=UTC).timestamp(),
                "churn",
                "churn/1",
                "v2",
                200,
                1.0,
                2,
                {"x": value, "y": [1.0, 2.0]},
                {"predict": np.array([0, 1])},
            )
        )
    log.close()
    (path,) = tmp_path.rglob("*.parquet")
    table = pq.read_table(path)
    flat = flatten_payload(table).to_pandas()
    assert sorted(flat["x"]) == ["1", "2.5", "a", "b"]
    assert flat[PREDICTION].tolist() == [0, 1, 0, 1] and flat["y"].sum() == 6.0
