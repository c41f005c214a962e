"""The client's monitoring methods, embedded and against a real control plane: same results, same errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import InvalidInputError, NotFoundError
from tests.payloads import labels_for, write_payloads

T = datetime(2026, 4, 1, 8, tzinfo=UTC)


@pytest.fixture(params=["embedded", "remote"])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Client, Path]]:
    """A client and the payload-log folder its side reads."""
    if request.param == "embedded":
        monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
        with Client(f"sqlite:///{tmp_path / 'steward.db'}", actor="alice") as c:
            yield c, tmp_path / "home" / "payloads"
    else:
        server_dir: Path = request.getfixturevalue("server_dir")
        with Client(request.getfixturevalue("server_url"), actor="alice") as c:
            yield c, server_dir / "payloads"


def test_monitoring_end_to_end(
    setup: tuple[Client, Path], model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    client, payloads = setup
    x, y = data
    name, deployment = f"m{uuid.uuid4().hex[:8]}", f"d{uuid.uuid4().hex[:8]}"
    version = client.register(model, name, input_example=x.head(5), capture_code=False)
    client.create_deployment(deployment, version.ref)

    info = client.set_reference(version.ref, x, labels=y)
    assert info.ref == version.ref and info.has_labels and client.get_reference(version.ref) == info
    client.configure_monitoring(deployment, window="hour")
    client.set_alert_rule("drift-" + deployment, "drift.share", ">=", 0.5, deployment=deployment)
    served = x.assign(a=x["a"] + 4, b=x["b"] + 4)
    ids = write_payloads(payloads, deployment, version.ref, served, model, T)

    summary = client.run_monitoring(deployment)
    assert summary.rows == len(x) and summary.alerts_fired == 1
    assert client.run_monitoring(deployment).files == 0
    drift = client.figures(deployment, "drift.*")
    assert {f.name for f in drift} >= {"drift.a", "drift.share", "drift.__prediction__"}
    assert all(f.start == T and f.version == version.ref for f in drift)
    [alert] = client.alerts(deployment=deployment, status="firing")
    assert alert.figure == "drift.share"

    labelled = client.log_labels(deployment, labels_for([*ids[:50], "ghost"], [*y[:50], 0]))
    assert (labelled.matched, labelled.unknown) == (50, 1)
    [accuracy] = client.figures(deployment, "performance.accuracy")
    assert accuracy.value == pytest.approx(float((model.predict(served.head(50)) == y[:50]).mean()))

    page = client.monitoring_report(deployment, html=True)
    assert page.startswith("<!doctype html>") and "<svg" in page
    report = client.monitoring_report(deployment)
    assert report["versions"][version.ref]["rows"] == len(x)
    assert client.figures(deployment, "drift.a", since=T + timedelta(hours=1)) == []


def test_monitoring_errors_are_the_same_both_ways(
    setup: tuple[Client, Path], model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    client, _ = setup
    x, _ = data
    name, deployment = f"m{uuid.uuid4().hex[:8]}", f"d{uuid.uuid4().hex[:8]}"
    version = client.register(model, name, input_example=x.head(5), capture_code=False)
    client.create_deployment(deployment, version.ref)
    with pytest.raises(NotFoundError):
        client.run_monitoring("no-such-deployment")
    with pytest.raises(NotFoundError, match="set-reference"):
        client.get_reference(version.ref)
    with pytest.raises(NotFoundError, match="steward monitor run"):
        client.figures(deployment)
    with pytest.raises(InvalidInputError, match="request_id"):
        client.log_labels(deployment, pd.DataFrame({"id": ["a"], "label": [1]}))
    with pytest.raises(InvalidInputError):
        client.set_alert_rule("bad", "drift.share", "==", 0.5)
    with pytest.raises(InvalidInputError):
        client.configure_monitoring(deployment, window="fortnight")
    with pytest.raises(InvalidInputError, match="no rows"):
        client.set_reference(version.ref, x.head(0))
    assert client.audit(target=deployment, action="monitoring.labels").items == []


def test_importances_weight_drift_and_bad_ones_fail_the_same_both_ways(
    setup: tuple[Client, Path], model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    client, payloads = setup
    x, _ = data
    name, deployment = f"m{uuid.uuid4().hex[:8]}", f"d{uuid.uuid4().hex[:8]}"
    version = client.register(model, name, input_example=x.head(5), capture_code=False)
    client.create_deployment(deployment, version.ref)
    for bad in ({"a": -1.0}, {"nope": 1.0}):
        with pytest.raises(InvalidInputError, match="mportances"):
            client.set_reference(version.ref, x, importance=bad)
    with pytest.raises(NotFoundError):
        client.get_reference(version.ref)
    client.set_reference(version.ref, x, importance={"a": 3.0, "b": 1.0})
    write_payloads(payloads, deployment, version.ref, x.assign(a=x["a"] + 4), model, T)
    client.run_monitoring(deployment)
    [weighted] = client.figures(deployment, "drift.weighted")
    assert weighted.value == pytest.approx(0.75) and weighted.details["source"] == "given"


def test_reference_columns_the_model_cannot_take_fail_the_same_both_ways(
    setup: tuple[Client, Path], model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    client, _ = setup
    x, y = data
    name = f"m{uuid.uuid4().hex[:8]}"
    bare = client.register(model, name, capture_code=False)  # no signature: sklearn's fitted names decide
    with pytest.raises(InvalidInputError, match=r"not fitted on: label\. Drop them.*labels="):
        client.set_reference(bare.ref, x.assign(label=y))
    with pytest.raises(InvalidInputError, match=r"lacks column\(s\) .* takes: b\. Add them"):
        client.set_reference(bare.ref, x.drop(columns=["b"]))
    with pytest.raises(NotFoundError):
        client.get_reference(bare.ref)
    assert client.audit(target=bare.ref, action="monitoring.reference.set").items == []
    # the fix the message names works; the columns' order does not matter
    assert client.set_reference(
        bare.ref, x.assign(label=y)[["label", "d", "c", "a", "b"]], labels="label"
    ).rows == len(x)


def test_row_windows_work_the_same_both_ways(
    setup: tuple[Client, Path], model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    client, payloads = setup
    x, y = data
    name, deployment = f"m{uuid.uuid4().hex[:8]}", f"d{uuid.uuid4().hex[:8]}"
    version = client.register(model, name, input_example=x.head(5), capture_code=False)
    client.create_deployment(deployment, version.ref)
    client.set_reference(version.ref, x)
    with pytest.raises(InvalidInputError, match=r"rows:N"):
        client.configure_monitoring(deployment, window="rows:1")
    assert client.configure_monitoring(deployment, window="rows:60")["window"] == "rows:60"
    ids = write_payloads(payloads, deployment, version.ref, x, model, T, rows_per_request=2)

    summary = client.run_monitoring(deployment)

    assert summary.rows == len(x) == 200 and len(summary.windows) == 3  # 20 rows wait
    assert [f.value for f in client.figures(deployment, "rows")] == [60, 60, 60]
    labelled = client.log_labels(deployment, labels_for(ids, y[::2]))
    assert labelled.matched == len(ids)
    counts = [f.value for f in client.figures(deployment, "performance.labelled")]
    assert len(counts) == 3 and sum(counts) <= len(ids) and all(c > 0 for c in counts)
    with pytest.raises(InvalidInputError, match="local or ray"):
        client.run_monitoring(deployment, engine="spark")


def test_a_remote_client_cannot_name_the_servers_ray_cluster(
    client: Client,
) -> None:
    if not client.uri.startswith("http"):
        with pytest.raises(InvalidInputError, match="goes with engine ray"):
            client.run_monitoring("any", ray_address="auto")
        return
    with pytest.raises(InvalidInputError, match="embedded clients"):
        client.run_monitoring("any", engine="ray", ray_address="ray://10.0.0.1:10001")
