"""One contract for the SDK, run embedded and against a real control plane."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client, ConflictError, InvalidInputError, NotFoundError


def test_register_load_round_trip(
    client: Client, name: str, model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    x, _ = data
    v = client.register(
        model,
        name,
        input_example=x.head(5),
        metrics={"auc": 0.91},
        params={"C": 1.0},
        tags={"team": "risk"},
        description="first",
        training_data=x,
        evaluation_data=x.tail(50),
    )
    assert (v.model, v.version, v.flavor) == (name, 1, "sklearn")
    assert v.metrics == {"auc": 0.91} and v.params == {"C": "1.0"} and v.tags == {"team": "risk"}
    assert v.created_by == "alice" and v.created_at.tzinfo is not None
    assert v.signature is not None and v.signature.input_names == ["a", "b", "c", "d"]
    assert [o.type for o in v.signature.outputs] == ["int64"]
    roles = [(d.role, d.rows) for d in v.lineage.datasets]
    assert roles == [("training", 200), ("evaluation", 50)]
    assert v.lineage.python_version and "scikit-learn" in v.lineage.packages
    loaded = client.load(f"{name}/1")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    np.testing.assert_allclose(loaded.predict_proba(x), model.predict_proba(x))
    # columns in another order are put back in the signature's order
    np.testing.assert_array_equal(loaded.predict(x[["d", "c", "b", "a"]]), model.predict(x))
    assert client.get(name) == client.get(f"{name}/1") == client.get(f"{name}/latest")


def test_versions_count_up_and_are_immutable_records(client: Client, name: str, model: object) -> None:
    refs = [client.register(model, name, metrics={"auc": 0.5 + i / 10}).version for i in range(3)]
    assert refs == [1, 2, 3]
    assert client.get_model(name).latest_version == 3
    assert client.get(f"{name}/2").metrics == {"auc": 0.6}


def test_aliases_move_roll_back_and_remember(client: Client, name: str, model: object) -> None:
    for _ in range(3):
        client.register(model, name)
    client.set_alias(name, "champion", 1)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    client.set_alias(name, "champion", 3, reason="better auc")
    assert client.get(f"{name}@champion").version == 3
    assert client.get(f"{name}/3").aliases == ("champion",)
    assert client.alias_at(name, "champion", between) == 1
    assert client.alias_at(name, "champion", between.isoformat()) == 1
    assert client.alias_at(name, "champion", datetime(2000, 1, 1, tzinfo=UTC)) is None
    event = client.rollback_alias(name, "champion", reason="incident 42")
    assert (event.version, event.previous_version, event.reason) == (1, 3, "incident 42")
    assert client.get(f"{name}@champion").version == 1
    history = client.alias_history(name, "champion")
    assert [(e.previous_version, e.version) for e in history] == [(None, 1), (1, 3), (3, 1)]
    assert history[1].reason == "better auc" and history[0].actor == "alice"
    client.delete_alias(name, "champion")
    with pytest.raises(NotFoundError, match="has no alias 'champion'"):
        client.get(f"{name}@champion")
    assert client.get_model(name).aliases == {}


def test_register_with_aliases_and_parent_lineage(client: Client, name: str, model: object) -> None:
    client.register(model, name)
    v2 = client.register(model, name, parent=f"{name}/1", aliases=["challenger"])
    assert v2.aliases == ("challenger",)
    v3 = client.register(model, name, parent=f"{name}@challenger")
    report = client.lineage(f"{name}/3")
    assert v3.lineage.parent == f"{name}/2"  # the alias is pinned to the version it meant
    assert report.ancestors[-1] == f"{name}/1"


def test_search(client: Client, name: str, model: object) -> None:
    for i in range(5):
        client.register(
            model, name, metrics={"auc": i / 10}, tags={"parity": "even" if i % 2 == 0 else "odd"}
        )
    client.set_alias(name, "champion", 4)
    page = client.search(f"name = '{name}' AND tags.parity = 'even'", order_by="metrics.auc DESC")
    assert [v.version for v in page.items] == [5, 3, 1]
    assert [v.version for v in client.search(f"name = '{name}' AND alias = 'champion'").items] == [4]
    first = client.search(f"name = '{name}'", order_by="version", max_results=2)
    assert [v.version for v in first.items] == [1, 2] and first.next_page_token
    second = client.search(
        f"name = '{name}'", order_by="version", max_results=2, page_token=first.next_page_token
    )
    assert [v.version for v in second.items] == [3, 4]
    found = client.search_models(f"name = '{name}'").items
    assert [m.name for m in found] == [name] and found[0].aliases == {"champion": 4}


def test_models_create_update(client: Client, name: str) -> None:
    created = client.create_model(name, description="churn model", tags={"team": "risk"})
    assert created.owner == "alice" and created.latest_version == 0
    with pytest.raises(ConflictError, match="already exists"):
        client.create_model(name)
    updated = client.update_model(name, description="better words")
    assert updated.description == "better words" and updated.tags == {"team": "risk"}
    with pytest.raises(NotFoundError, match="has no versions yet"):
        client.get(name)


def test_errors_are_the_same_either_way(client: Client, name: str, model: object) -> None:
    with pytest.raises(NotFoundError, match=f"No model named '{name}'"):
        client.get(f"{name}/1")
    client.register(model, name)
    with pytest.raises(NotFoundError, match=r"has no version 7 \(latest is 1\)"):
        client.get(f"{name}/7")
    with pytest.raises(InvalidInputError, match="Invalid model reference"):
        client.get(f"{name}/abc")
    with pytest.raises(InvalidInputError, match="Bad filter"):
        client.search("name = ")
    with pytest.raises(NotFoundError):
        client.set_alias(name, "champion", 9)
    with pytest.raises(InvalidInputError, match="Invalid alias"):
        client.set_alias(name, "9lives", 1)
    with pytest.raises(NotFoundError):
        client.register(model, name, parent=f"{name}/5")
    with pytest.raises(InvalidInputError, match="must be a number"):
        client.register(model, name, metrics={"auc": "high"})
    # none of the refused calls wrote anything
    assert client.get_model(name).latest_version == 1
    assert client.alias_history(name) == []


def test_every_change_is_audited(client: Client, name: str, model: object) -> None:
    client.register(model, name)
    client.set_alias(name, "champion", 1, reason="first")
    client.update_model(name, description="d")
    events = client.audit(target=name).items + client.audit(target=f"{name}/1").items
    events += client.audit(target=f"{name}@champion").items
    actions = sorted(e.action for e in events)
    assert actions == ["alias.set", "model.create", "model.update", "version.register"]
    alias_event = next(e for e in events if e.action == "alias.set")
    assert alias_event.actor == "alice" and alias_event.reason == "first"
    assert alias_event.before == {"version": None} and alias_event.after == {"version": 1}


def test_flavor_settings_choose_how_the_model_is_saved(
    client: Client, name: str, model: LogisticRegression, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    default = client.register(model, name)
    pickled = client.register(model, name, flavor_settings={"format": "pickle"})
    assert default.flavor_options["format"] == "skops"
    assert pickled.flavor_options["format"] == "pickle"
    np.testing.assert_array_equal(client.load(pickled.ref).predict(data[0]), model.predict(data[0]))
    with pytest.raises(InvalidInputError, match="no setting 'colour'"):
        client.register(model, name, flavor_settings={"colour": "red"})
    assert client.get_model(name).latest_version == 2


def test_the_same_model_is_stored_once(client: Client, name: str, model: LogisticRegression) -> None:
    first, second = client.register(model, name), client.register(model, name)
    assert (first.version, second.version) == (1, 2)
    assert first.artifact_digest == second.artifact_digest  # content-addressed: stored once
