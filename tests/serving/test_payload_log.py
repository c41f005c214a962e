"""The payload log: partitioned Parquet, written off the request path, bounded, flushed on close."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pyarrow.parquet as pq
import pytest

from steward.serving.payload_log import PayloadLog, PayloadRecord
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_columns

INFER = "/v2/models/churn-api/infer"


def _record(i: int, at: datetime) -> PayloadRecord:
    return PayloadRecord(
        request_id=f"r{i}",
        time=at.timestamp(),
        deployment="churn-api",
        version="churn/1",
        protocol="oip",
        status=200,
        latency_ms=1.5,
        rows=2,
        inputs={
            "tenure": np.array([1, 2]),
            "charges": np.array([1.0, np.nan]),
            "plan": np.array(["a", "b"], object),
        },
        outputs={"predict": np.array([0, 1]), "predict_proba": np.array([[0.4, 0.6], [0.1, 0.9]])},
    )


def test_records_land_in_hourly_partitions(tmp_path: Path) -> None:
    log = PayloadLog(tmp_path, flush_seconds=60)
    log.start()
    times = [datetime(2026, 3, 1, 9, 59, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, tzinfo=UTC)]
    for i in range(10):
        assert log.submit(_record(i, times[i % 2]))
    log.close()
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert [f.rsplit("/", 1)[0] for f in files] == [
        "deployment=churn-api/date=2026-03-01/hour=09",
        "deployment=churn-api/date=2026-03-01/hour=10",
    ]
    assert all(f.rsplit("/", 1)[1].startswith("part-") for f in files)
    table = pq.read_table(tmp_path / files[0])
    assert table.num_rows == 5
    row = table.slice(0, 1).to_pylist()[0]
    assert row["inputs"] == {"tenure": [1, 2], "charges": [1.0, None], "plan": ["a", "b"]}
    assert row["outputs"]["predict_proba"] == [[0.4, 0.6], [0.1, 0.9]]
    assert row["version"] == "churn/1" and row["status"] == 200
    assert log.written == 10 and log.dropped == 0


def test_a_full_queue_drops_and_counts(tmp_path: Path) -> None:
    dropped: list[int] = []
    log = PayloadLog(tmp_path, max_queue=3, on_drop=dropped.append)  # not started: nothing drains
    now = datetime.now(UTC)
    results = [log.submit(_record(i, now)) for i in range(5)]
    assert results == [True, True, True, False, False]
    assert log.dropped == 2 and dropped == [1, 1] and log.depth() == 3


@pytest.mark.anyio
async def test_every_answer_is_logged_with_its_version_and_sampling_applies(
    registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "payloads"
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader(), payload_log=PayloadLog(folder, flush_seconds=0.1))
    await app.startup()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await _until(lambda: app.runtime.ready)
        ok = await client.post(INFER, json={**oip_columns(2), "id": "good-1"})
        bad = await client.post(INFER, json={"inputs": []})
        resolver.set({"churn/1": 100}, log_sample_rate=0.0)
        await _until(lambda: app.runtime.table is not None and app.runtime.table.log_sample_rate == 0.0)
        unlogged = await client.post(INFER, json=oip_columns(2))
    await app.shutdown()
    assert (ok.status_code, bad.status_code, unlogged.status_code) == (200, 400, 200)
    rows = [row for path in folder.rglob("*.parquet") for row in pq.read_table(path).to_pylist()]
    assert len(rows) == 2
    good = next(r for r in rows if r["status"] == 200)
    assert good["request_id"] == "good-1" and good["version"] == "churn/1" and good["protocol"] == "oip"
    assert good["inputs"]["plan"] == ["basic", "pro"] and good["rows"] == 2
    assert good["outputs"]["predict"] == ok.json()["outputs"][0]["data"]
    failed = next(r for r in rows if r["status"] == 400)
    assert failed["inputs"] is None and "non-empty" in failed["error"]


async def _until(condition: object) -> None:
    import asyncio

    for _ in range(300):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")


def test_queued_records_leave_nothing_for_the_collector_to_walk(tmp_path: Path) -> None:
    """The p99 fix: a queue of records is a few column lists, not thousands of tracked objects."""
    log = PayloadLog(tmp_path)  # not started: everything stays queued
    now = datetime.now(UTC)
    records = [_record(i, now) for i in range(2_000)]
    gc.collect()
    before = len(gc.get_objects())
    for record in records:
        assert log.submit(record)
    del records, record
    gc.collect()
    assert log.depth() == 2_000
    assert len(gc.get_objects()) - before < 50


def test_tensors_nest_times_round_trip_and_records_split_by_hour(tmp_path: Path) -> None:
    log = PayloadLog(tmp_path, flush_seconds=60)
    log.start()
    late = datetime(2026, 3, 1, 23, 59, 59, 123456, tzinfo=UTC)
    early = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)
    tensor = np.arange(6, dtype="float32").reshape(2, 3)
    for i, at in enumerate([late, early, late]):
        outputs = {"predict": np.array([1, 0])}
        record = PayloadRecord(f"t{i}", at.timestamp(), "digits-api", "digits/1", "oip", 200, 0.5, 2)
        log.submit(replace(record, inputs={"input": tensor}, outputs=outputs))
    log.submit(PayloadRecord("e", late.timestamp(), "digits-api", "digits/1", "oip", 400, 0.1, error="bad"))
    log.close()
    by_hour = {
        p.parent.relative_to(tmp_path).as_posix(): pq.read_table(p).to_pylist()
        for p in tmp_path.rglob("*.parquet")
    }
    assert sorted(by_hour) == [
        "deployment=digits-api/date=2026-03-01/hour=23",
        "deployment=digits-api/date=2026-03-02/hour=00",
    ]
    rows = by_hour["deployment=digits-api/date=2026-03-01/hour=23"]
    assert [r["request_id"] for r in rows] == ["t0", "t2", "e"]
    assert rows[0]["time"] == late and rows[0]["inputs"] == {"input": [[0, 1, 2], [3, 4, 5]]}
    assert rows[0]["outputs"] == {"predict": [1, 0]}
    assert rows[2]["inputs"] is None and rows[2]["outputs"] is None and rows[2]["error"] == "bad"
    assert log.written == 4


def test_values_arrow_cannot_type_are_kept_as_json_text(tmp_path: Path) -> None:
    log = PayloadLog(tmp_path)
    log.start()
    mixed = np.array([{"a": 1}, "text"], dtype=object)
    log.submit(PayloadRecord("m", datetime.now(UTC).timestamp(), "churn-api", "churn/1", "mlflow", 200, 1.0,
                             2, inputs={"blob": mixed}, outputs={"predict": np.array([0, 1])}))  # fmt: skip
    log.close()
    (row,) = [r for p in tmp_path.rglob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert row["inputs"] == {"blob": '[{"a": 1}, "text"]'} and row["outputs"] == {"predict": [0, 1]}
