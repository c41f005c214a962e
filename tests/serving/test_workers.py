"""Several workers on one port: TCP_NODELAY on accepted connections, and a real ``--workers 2`` server."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from prometheus_client.parser import text_string_to_metric_families

from steward import Client
from steward.serving.server import listen
from tests.servers import free_port
from tests.serving.conftest import DEPLOYMENT, Registry
from tests.serving.process import steward_serve
from tests.serving.requests import split


@pytest.mark.parametrize("reuse_port", [False, True])
def test_connections_accepted_from_our_listener_have_nodelay(reuse_port: bool) -> None:
    """uvicorn accepts through asyncio the same way: without NODELAY, small answers wait ~40 ms."""
    seen: list[int] = []

    async def accept_one() -> None:
        sock = listen("127.0.0.1", free_port(), reuse_port=reuse_port)
        port = sock.getsockname()[1]

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted: socket.socket = writer.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connection, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            while not seen:
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(accept_one())
    assert seen and seen[0] != 0


def _workers_of(pid: int) -> list[int]:
    """The worker processes *pid* spawned (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or b"spawn_main" not in (entry / "cmdline").read_bytes():
                continue
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):  # the process ended while we looked
            continue
    return found


def _wait_until_every_worker_is_ready(url: str) -> None:
    """Each fresh connection may land on either worker: 30 ready answers in a row means both are."""
    deadline, in_a_row = time.monotonic() + 90, 0
    while in_a_row < 30:
        assert time.monotonic() < deadline, "the workers never all became ready"
        ok = httpx.get(f"{url}/v2/health/ready", timeout=5).status_code == 200
        in_a_row = in_a_row + 1 if ok else 0
        if not ok:
            time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")
def test_two_workers_answer_on_one_port_and_flush_their_logs_on_sigterm(
    registry: Registry, tmp_path: Path
) -> None:
    with Client(registry.uri, actor="tester") as client:
        client.create_deployment(DEPLOYMENT, {"churn/1": 100})
    payloads = tmp_path / "payloads"
    serving = steward_serve(
        tmp_path, registry.uri, DEPLOYMENT, "--workers", "2", "--payload-log", str(payloads)
    )
    with serving as served:
        _wait_until_every_worker_is_ready(served.url)
        workers = _workers_of(served.process.pid)
        assert len(workers) == 2
        answers = [  # a new connection each time, so the kernel spreads them over the workers
            httpx.post(f"{served.url}/invocations", json=split([[i, 20.0, "basic"]]), timeout=30)
            for i in range(60)
        ]
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=60) == 0, served.output()
    assert [a.status_code for a in answers] == [200] * 60
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived the server"
    by_worker: dict[str, int] = {}
    for path in payloads.rglob("*.parquet"):
        worker = path.name.split("-")[1]
        by_worker[worker] = by_worker.get(worker, 0) + pq.read_table(path).num_rows
    assert set(by_worker) == {"w0", "w1"}, by_worker  # both answered, both flushed on SIGTERM
    assert sum(by_worker.values()) == 60


def _counted(text: str, name: str) -> tuple[float, int]:
    """The sum of *name*'s samples in a /metrics text, and how many samples it has."""
    found = [s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]
    return sum(found), len(found)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")
def test_metrics_of_two_workers_are_one_total_from_either(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(registry.uri, actor="tester") as client:
        client.create_deployment(DEPLOYMENT, {"churn/1": 100})
    temp = tmp_path / "temp"  # where the server makes its metrics folder
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--workers", "2", "--no-payload-log") as served:
        _wait_until_every_worker_is_ready(served.url)
        (folder,) = [p for p in temp.iterdir() if p.name.startswith("steward-metrics-")]
        sent = 0
        for i in range(40):  # a new connection each time: both workers answer some
            answer = httpx.post(f"{served.url}/invocations", json=split([[i, 20.0, "basic"]]), timeout=30)
            assert answer.status_code == 200
            sent += 1
        answered_by = {f.name.rsplit("_", 1)[1] for f in folder.glob("counter_*.db")}
        assert len(answered_by) == 2, answered_by  # both workers counted requests of their own
        for _ in range(12):  # each scrape may land on either worker: every one sees the total
            text = httpx.get(f"{served.url}/metrics", timeout=30).text
            total, _ = _counted(text, "steward_requests_total")
            assert total == sent
            latency, _ = _counted(text, "steward_request_latency_seconds_count")
            assert latency == sent
            in_flight, samples = _counted(text, "steward_in_flight_requests")
            assert samples == 1 and in_flight == 0  # one summed gauge, not one per worker
            depth, samples = _counted(text, "steward_payload_log_queue_depth")
            assert samples == 1 and depth == 0
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=60) == 0, served.output()
    assert not folder.exists(), "the metrics folder outlived the server"
