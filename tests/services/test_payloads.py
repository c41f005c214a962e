from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from steward.services.payloads import BATCH_ROWS, PayloadLogReader
from steward.serving.payload_log import PayloadLog, PayloadRecord
from tests.payloads import write_payloads

T = datetime(2026, 2, 1, 7, 30, tzinfo=UTC)


class Model:
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return (frame["a"] > 0).to_numpy(dtype=int)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        p = 1 / (1 + np.exp(-frame["a"].to_numpy()))
        return np.column_stack([1 - p, p])


def test_files_are_read_in_bounded_batches_with_one_row_per_predicted_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.linspace(-1, 1, 2 * BATCH_ROWS + 10), "kind": "x"})
    ids = write_payloads(tmp_path, "api", "m/1", frame, Model(), T, errors=3)
    reader = PayloadLogReader(str(tmp_path))
    [name] = reader.files("api")
    assert name.startswith("date=2026-02-01/hour=07/")
    chunks = list(reader.chunks("api", name))
    assert len(chunks) == 3  # memory holds one batch of requests at a time
    rows = pd.concat([c.rows for c in chunks], ignore_index=True)
    requests = pd.concat([c.requests for c in chunks], ignore_index=True)
    assert list(rows["request_id"]) == ids and (rows["row"] == 0).all()
    assert np.allclose(rows["a"], frame["a"]) and set(rows["kind"]) == {"x"}
    assert np.allclose(rows["__proba__"], Model().predict_proba(frame)[:, 1])
    assert len(requests) == len(ids) + 3 and (requests["status"] >= 400).sum() == 3


def test_multi_row_requests_number_their_rows_and_shadows_are_left_out(tmp_path: Path) -> None:
    write_payloads(
        tmp_path, "api", "m/1", pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4, 0.5]}), Model(), T, rows_per_request=2
    )
    log = PayloadLog(tmp_path, flush_seconds=3600)
    log.start()
    log.submit(
        PayloadRecord(
            "s",
            T.timestamp(),
            "api",
            "m/2",
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
    reader = PayloadLogReader(str(tmp_path))
    rows = pd.concat(
        [c.rows for f in reader.files("api") for c in reader.chunks("api", f)], ignore_index=True
    )
    assert list(zip(rows["request_id"], rows["row"], strict=True)) == [
        ("r0", 0), ("r0", 1), ("r1", 0), ("r1", 1), ("r2", 0),
    ]  # fmt: skip
    assert set(rows["version"]) == {"m/1"}
    assert reader.files("other") == []
