"""Payload logs on object storage: the same Hive layout on S3 (moto) and memory://, whole files only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import fsspec
import httpx
import numpy as np
import pyarrow.parquet as pq
import pytest

from steward.core.errors import InvalidInputError
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.serving.payload_sink import FolderSink, FsspecSink, open_sink
from tests.artifacts.conftest import s3_bucket, s3_endpoint  # noqa: F401 - fixtures
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_columns

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _record(i: int) -> PayloadRecord:
    return PayloadRecord(
        f"r{i}", AT.timestamp(), "churn-api", "churn/1", "oip", 200, 1.0, 2,
        inputs={"tenure": np.array([i, i + 1])}, outputs={"predict": np.array([0, 1])},
    )  # fmt: skip


def _files(fs: Any, root: str) -> list[str]:
    return sorted(p[len(root) + 1 :] for p in fs.find(root))


def test_payload_log_on_s3_has_the_local_layout(s3_bucket: tuple[str, dict[str, Any]]) -> None:  # noqa: F811
    bucket, options = s3_bucket
    sink = open_sink(f"s3://{bucket}/payloads", options)
    assert isinstance(sink, FsspecSink)
    log = PayloadLog(sink, worker="w1")
    log.start()
    for i in range(5):
        assert log.submit(_record(i))
    log.close()
    fs = fsspec.filesystem("s3", **options)
    (name,) = _files(fs, f"{bucket}/payloads")
    folder, file = name.rsplit("/", 1)
    assert folder == "deployment=churn-api/date=2026-03-01/hour=09"
    assert file.startswith("part-w1-") and file.endswith(".parquet")  # one PUT, no temporary name
    with fs.open(f"{bucket}/payloads/{name}") as f:
        rows = pq.read_table(f).to_pylist()
    assert [r["request_id"] for r in rows] == [f"r{i}" for i in range(5)]
    assert rows[3]["inputs"] == {"tenure": [3, 4]} and rows[3]["time"] == AT
    assert log.written == 5 and log.dropped == 0


def test_a_refused_put_is_counted_as_dropped(s3_bucket: tuple[str, dict[str, Any]]) -> None:  # noqa: F811
    _, options = s3_bucket
    dropped: list[int] = []
    log = PayloadLog(
        open_sink(f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/p", options), on_drop=dropped.append
    )
    log.start()
    for i in range(3):
        log.submit(_record(i))
    log.close()
    assert log.written == 0 and log.dropped == 3 and sum(dropped) == 3


@pytest.mark.anyio
async def test_the_server_logs_to_a_memory_url(registry: Registry) -> None:
    root = f"memory://payloads-{uuid.uuid4().hex}"
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader(), payload_log=PayloadLog(open_sink(root), flush_seconds=0.05))
    await app.startup()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            while not app.runtime.ready:
                await _sleep()
            answers = [await client.post("/v2/models/churn-api/infer", json=oip_columns(2)) for _ in range(3)]
    finally:
        await app.shutdown()
    assert [a.status_code for a in answers] == [200, 200, 200]
    fs, path = fsspec.core.url_to_fs(root)
    files = _files(fs, path)
    assert files and all(f.startswith("deployment=churn-api/date=") for f in files)
    rows = [r for f in files for r in pq.read_table(fs.open(f"{path}/{f}")).to_pylist()]
    assert sorted(r["request_id"] for r in rows) == sorted(a.headers["x-request-id"] for a in answers)
    fs.rm(path, recursive=True)


def test_locations_that_name_no_storage_are_refused(tmp_path: Any) -> None:
    assert isinstance(open_sink(str(tmp_path)), FolderSink)
    assert isinstance(open_sink(tmp_path.as_uri()), FolderSink)
    with pytest.raises(InvalidInputError, match="unknown scheme 'nosuch'"):
        open_sink("nosuch://bucket/payloads")
    with pytest.raises(InvalidInputError, match="empty"):
        open_sink("  ")


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.02)
