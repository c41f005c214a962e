"""With auth on, the services added beside governance check permissions too.

A viewer may not validate, explain, set a monitoring reference, configure a
monitor, send labels or change alert rules (PermissionDeniedError, nothing
written); a contributor may validate and set references.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.alerts import AlertRule
from steward.core.errors import PermissionDeniedError
from steward.core.explain import ExplainRequest
from steward.settings import Settings


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Steward, pd.DataFrame]]:
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    data["y"] = (data["a"] + rng.normal(size=300) > 0).astype(int)
    uri = f"sqlite:///{tmp_path / 'steward.db'}"
    with Client(uri, actor="carl") as client:  # registered before auth is turned on
        client.register(
            LogisticRegression().fit(data[["a", "b"]], data["y"]), "churn", input_example=data[["a", "b"]]
        )
    with Steward.open(Settings.resolve(uri, auth="on")) as app:
        app.identities.create_user("root", actor="bootstrap", role="admin")
        app.identities.create_user("vic", actor="root", role="viewer")
        app.identities.create_user("carl", actor="root", role="contributor")
        yield app, data


def audit_count(app: Steward) -> int:
    with app.store.read() as tx:
        return len(tx.audit.list(limit=10_000))


def test_a_viewer_may_change_nothing_in_validation_explanations_or_monitoring(
    setup: tuple[Steward, pd.DataFrame],
) -> None:
    app, data = setup
    before = audit_count(app)
    rule = AlertRule(name="drift", pattern="drift.share", comparison=">=", threshold=0.5)
    attempts = {
        "validate": lambda: app.validation.validate("churn/1", data, "y", actor="vic"),
        "explain": lambda: app.explain.explain(
            "churn/1", data, ExplainRequest("global", target="y"), actor="vic"
        ),
        "set_reference": lambda: app.monitoring.set_reference("churn/1", data[["a", "b"]], actor="vic"),
        "configure": lambda: app.monitoring.configure("api", actor="vic"),
        "labels": lambda: app.monitoring.labels(
            "api", pd.DataFrame({"request_id": ["r1"], "label": [1]}), actor="vic"
        ),
        "put_rule": lambda: app.alerts.put_rule(rule, actor="vic"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(PermissionDeniedError, match="vic"):
            attempt()
        assert audit_count(app) == before, name
    assert app.validation.list_runs("churn/1") == []


def test_a_contributor_may_validate_and_set_a_reference(setup: tuple[Steward, pd.DataFrame]) -> None:
    app, data = setup
    run = app.validation.validate("churn/1", data, "y", actor="carl", against=None)
    assert run.created_by == "carl"
    info = app.monitoring.set_reference("churn/1", data[["a", "b"]], actor="carl")
    assert info.rows == len(data)
