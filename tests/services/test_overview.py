"""The read-only overviews behind the console's model pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.errors import InvalidInputError, NotFoundError
from steward.settings import Settings


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[tuple[Steward, str]]:
    """Model NAME: v1..v5 (v4 drops column b), champion 1 -> 3, v3 validated, v2 killed, v3 requested."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    y = (x["a"] + x["c"] > 0).astype(int)
    name = f"ov-{uuid.uuid4().hex[:10]}"
    settings = Settings.resolve(
        store_url, artifacts=str(tmp_path / "artifacts"), env={"STEWARD_HOME": str(tmp_path / "home")}
    )
    with Client(settings=settings, actor="alice") as client:
        for i in range(5):
            columns = ["a", "c"] if i == 3 else ["a", "b", "c"]
            model = LogisticRegression(C=1.0 / (i + 1)).fit(x[columns], y)
            client.register(
                model,
                name,
                input_example=x[columns].head(3),
                training_data=x[columns],
                metrics={"auc": 0.7 + i / 100, "log_loss": 0.5 - (i % 2) / 10},
                params={"C": f"{1.0 / (i + 1):.3f}", "solver": "lbfgs"},
            )
        client.set_alias(name, "champion", 1, reason="first")
        client.set_alias(name, "champion", 3, reason="better auc")
        client.validate(f"{name}/3", x.assign(y=y), "y")
        client.kill_version(f"{name}/2", reason="bad data")
        client.request_approval(f"{name}/3", "champion", reason="please")
    with Steward.open(settings) as opened:
        yield opened, name


def test_model_overview_pages_newest_first_with_best_metrics_and_alias_moves(
    app: tuple[Steward, str],
) -> None:
    steward, name = app
    first = steward.overview.model(name, limit=2)
    assert [v.version for v in first.versions] == [5, 4] and first.has_next
    assert first.metric_names == ("auc", "log_loss")
    assert first.best == {"auc": pytest.approx(0.74), "log_loss": pytest.approx(0.4)}
    last = steward.overview.model(name, offset=4, limit=2)
    assert [v.version for v in last.versions] == [1] and not last.has_next
    assert [(e.version, e.reason) for e in first.alias_events] == [(1, "first"), (3, "better auc")]
    with pytest.raises(InvalidInputError):
        steward.overview.model(name, limit=0)
    with pytest.raises(NotFoundError):
        steward.overview.model("no-such-model-here")


def test_compare_two_versions(app: tuple[Steward, str]) -> None:
    steward, name = app
    comparison = steward.overview.compare(name, 3, "4")
    auc = next(d for d in comparison.metrics if d.name == "auc")
    assert auc.difference == pytest.approx(0.01) and auc.b_better is True
    assert {d.name: d.change for d in comparison.params} == {"C": "changed", "solver": "same"}
    assert [(d.name, d.change) for d in comparison.signature.inputs] == [
        ("a", "same"),
        ("b", "removed"),
        ("c", "same"),
    ]
    assert comparison.validation_a is not None and comparison.validation_b is None
    assert [name_ for name_, _, b in comparison.checks if b is not None] == []
    assert len(comparison.checks) == len(comparison.validation_a.checks)
    with pytest.raises(NotFoundError):
        steward.overview.compare(name, 1, 9)


def test_version_overview_gathers_every_record(app: tuple[Steward, str]) -> None:
    steward, name = app
    three = steward.overview.version(name, 3)
    assert three.version.version == 3 and three.owner == three.version.created_by  # who registered it first
    assert three.latest_run is not None and three.latest_run.ref == f"{name}/3"
    assert [a.reason for a in three.approvals] == ["please"]
    assert three.killed is None and three.card is None and three.explanations == ()
    assert [(e.previous_version, e.version) for e in three.alias_events] == [(1, 3)]
    assert three.lineage.lineage.datasets[0].rows == 120
    two = steward.overview.version(name, "2")
    assert two.killed is not None and two.killed.reason == "bad data"
    assert two.runs == () and two.alias_events == ()
    with pytest.raises(InvalidInputError):
        steward.overview.version(name, "x")
