"""``rows:N`` windows: every N rows of a version in log order, incremental, with labels per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from steward import Client
from steward.core.errors import InvalidInputError
from steward.core.windows import Figure
from steward.services.monitoring_report import build_report
from tests.payloads import labels_for, write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 10, 40, tzinfo=UTC)
T3 = datetime(2026, 3, 1, 12, 15, tzinfo=UTC)
US = timedelta(microseconds=1)


def by_start(m: Monitored, name: str) -> dict[datetime, Figure]:
    return {f.start: f for f in m.app.monitoring.figures("churn-api", name=name)}


def frame(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    data = pd.DataFrame(np.random.default_rng(seed).normal(size=(rows, 3)), columns=["a", "b", "c"])
    return data.assign(a=data["a"] + shift)


def in_log_order(ids: list[str], rows_per_request: int, total: int) -> list[tuple[str, int]]:
    """(request id, row) of a file written at one instant, as the log orders it: by request id, row."""
    keys = [(ids[i // rows_per_request], i % rows_per_request) for i in range(total)]
    return sorted(keys)


def test_every_n_rows_is_a_window_and_the_tail_waits_for_the_next_run(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", window="rows:100", actor="alice")
    write_payloads(
        m.payloads, "churn-api", "churn/1", frame(250, 1), m.model, T1, rows_per_request=3, errors=4
    )

    first = m.app.monitoring.run("churn-api", actor="alice")

    assert (first.files, first.rows, len(first.windows)) == (1, 250, 2)
    rows = by_start(m, "rows")
    # all rows share one time: starts move on by a microsecond so each window has its own
    assert sorted(rows) == [T1, T1 + US] and {f.value for f in rows.values()} == {100}
    assert {f.start: f.end for f in rows.values()} == {
        T1: T1,
        T1 + US: T1 + US,
    }  # an end is never before its start
    assert len(m.app.monitoring.windows("churn-api")[0]) == 2  # the 50-row tail is no window yet

    write_payloads(m.payloads, "churn-api", "churn/1", frame(60, 2), m.model, T2, prefix="s")
    second = m.app.monitoring.run("churn-api", actor="alice")

    assert (second.rows, second.windows) == (60, ((T1 + 2 * US).isoformat(),))
    rows = by_start(m, "rows")
    third = rows[T1 + 2 * US]
    assert third.value == 100 and third.end == T2  # 50 rows of the first file, 50 of the second
    # every request counts once: in a closed window or in the open one (84 + 4 failed, then 60)
    with m.app.store.read() as tx:
        [tail] = tx.monitoring.last_windows("churn-api")
    assert tail["traffic"]["block"]["open"] and tail["rows"] == 10
    closed = sum(f.value or 0 for f in by_start(m, "requests").values())
    assert closed + tail["traffic"]["requests"] == 84 + 4 + 60
    assert (
        closed + tail["traffic"]["errors"] >= 4
        and sum(f.details["errors"] for f in by_start(m, "error_rate").values()) + tail["traffic"]["errors"]
        == 4
    )
    assert {f.value for f in by_start(m, "drift.share").values()} != {None}
    assert m.app.monitoring.run("churn-api", actor="alice").files == 0


def test_a_run_per_file_gives_the_figures_of_one_run_over_all_files(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", window="rows:70", actor="alice")
    batches = [(frame(90, 3), T1, "p"), (frame(45, 4, 1.0), T2, "q"), (frame(120, 5, 2.0), T3, "r")]
    for data, at, prefix in batches:
        write_payloads(
            m.payloads, "churn-api", "churn/1", data, m.model, at, rows_per_request=2, prefix=prefix
        )
        m.app.monitoring.run("churn-api", actor="alice")
    stepwise = m.app.monitoring.figures("churn-api")

    once = m.app.monitoring.figures(_fresh_deployment_copy(m))

    assert len(stepwise) == len(once) > 0
    for a, b in zip(stepwise, once, strict=True):
        assert (a.start, a.end, a.version, a.name) == (b.start, b.end, b.version, b.name)
        assert a.value == b.value or a.value == pytest.approx(b.value, rel=1e-12)
    # 90 rows at T1, 45 at T2, 120 at T3: windows start at T1, T1 (+1 µs) and T3; 45 rows wait
    assert sorted({f.start for f in once}) == [T1, T1 + US, T3]
    assert {f.start: f.end for f in once} == {T1: T1, T1 + US: T3, T3: T3}


def _fresh_deployment_copy(m: Monitored) -> str:
    """A second deployment whose log holds the same files, monitored in one run."""
    import shutil

    with Client(settings=m.app.settings) as client:
        client.create_deployment("churn-once", "churn/1")
    shutil.copytree(m.payloads / "deployment=churn-api", m.payloads / "deployment=churn-once")
    m.app.monitoring.configure("churn-once", window="rows:70", actor="alice")
    summary = m.app.monitoring.run("churn-once", actor="alice")
    assert summary.files == 3
    return "churn-once"


def test_labels_join_each_row_window_by_request_id(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", window="rows:50", actor="alice")
    data = m.reference.head(130)
    truth = pd.Series(m.labels[:130])
    ids = write_payloads(m.payloads, "churn-api", "churn/1", data, m.model, T1, rows_per_request=4)
    m.app.monitoring.run("churn-api", actor="alice")

    summary = m.app.monitoring.labels("churn-api", labels_for(ids, truth[::4].tolist()), actor="bob")

    assert (summary.matched, summary.unknown) == (len(ids), 0)  # row 0 of every request
    predicted = pd.Series(m.model.predict(data))
    order = in_log_order(ids, 4, 130)
    labelled = {f.start: f.value for f in m.app.monitoring.figures("churn-api", name="performance.labelled")}
    accuracy = {f.start: f.value for f in m.app.monitoring.figures("churn-api", name="performance.accuracy")}
    assert sorted(labelled) == [T1, T1 + US]  # the 30-row tail has no window, so no figures
    for k, start in enumerate([T1, T1 + US]):
        window = [key for key in order[k * 50 : (k + 1) * 50] if key[1] == 0]
        positions = [ids.index(rid) * 4 for rid, _ in window]
        assert labelled[start] == len(window)
        expected = float((predicted[positions].to_numpy() == truth[positions].to_numpy()).mean())
        assert accuracy[start] == pytest.approx(expected)


def test_a_drifted_stretch_of_rows_is_flagged_in_its_own_windows(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", window="rows:200", actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", frame(400, 6), m.model, T1, prefix="a")
    write_payloads(m.payloads, "churn-api", "churn/1", frame(400, 7, 3.0), m.model, T2, prefix="b")

    m.app.monitoring.run("churn-api", actor="alice")

    drifted = {f.start: f.details["drifted"] for f in m.app.monitoring.figures("churn-api", name="drift.a")}
    assert drifted == {T1: False, T1 + US: False, T2: True, T2 + US: True}


@pytest.mark.parametrize("window", ["rows:5", "rows:abc", "rows:", "rows:99999999999", "rows"])
def test_a_bad_row_window_is_refused(monitored: Monitored, window: str) -> None:
    with pytest.raises(InvalidInputError, match=r"rows:N"):
        monitored.app.monitoring.configure("churn-api", window=window, actor="alice")


def test_an_unknown_engine_is_refused(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.configure("churn-api", window="rows:100", actor="alice")
    with pytest.raises(InvalidInputError, match="local or ray"):
        m.app.monitoring.run("churn-api", actor="alice", engine="spark")
    with pytest.raises(InvalidInputError, match="goes with engine ray"):
        m.app.monitoring.run("churn-api", actor="alice", ray_address="auto")


def test_each_version_fills_its_own_windows_and_the_latest_report_shows_each(monitored: Monitored) -> None:
    m = monitored
    with Client(settings=m.app.settings) as client:
        client.register(m.model, "churn", input_example=m.reference.head(5), capture_code=False)
    for ref in ("churn/1", "churn/2"):
        m.app.monitoring.set_reference(ref, m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", window="rows:100", actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", frame(230, 8), m.model, T1, prefix="one")
    write_payloads(m.payloads, "churn-api", "churn/2", frame(120, 9, 2.0), m.model, T2, prefix="two")

    m.app.monitoring.run("churn-api", actor="alice")

    rows = {(f.version, f.start): f.value for f in m.app.monitoring.figures("churn-api", name="rows")}
    assert rows == {("churn/1", T1): 100, ("churn/1", T1 + US): 100, ("churn/2", T2): 100}
    report = build_report(m.app.monitoring, "churn-api")  # latest: each version's newest window
    assert {v: d["rows"] for v, d in report["versions"].items()} == {"churn/1": 100, "churn/2": 100}
    assert report["window"]["start"] == (T1 + US).isoformat() and report["window"]["count"] == 2
