from __future__ import annotations

from steward import Client
from steward.cli.demo import ALIAS, MODEL, make_churn_data
from tests.cli.conftest import Registry


def test_demo_registers_two_versions_and_rolls_back(registry: Registry) -> None:
    result = registry.run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"{MODEL}@{ALIAS} now points to {MODEL}/1" in result.stdout
    assert f"--uri {registry.uri} versions show {MODEL}@{ALIAS}" in result.stdout
    assert "/docs" not in result.stdout  # no server, no URLs

    with Client(registry.uri) as client:
        v1, v2 = client.get(f"{MODEL}/1"), client.get(f"{MODEL}/2")
        assert client.get(f"{MODEL}@{ALIAS}").version == 1
        history = client.alias_history(MODEL, ALIAS)
        sample = make_churn_data(rows=5, seed=1).drop(columns="churned")
        predictions = client.load(v2).predict(sample)
    assert len(predictions) == 5 and set(predictions) <= {0, 1}
    assert [(e.previous_version, e.version) for e in history] == [(None, 1), (1, 2), (2, 1)]
    assert (v1.params["algorithm"], v2.params["algorithm"]) == ("logistic regression", "random forest")
    for version in (v1, v2):
        assert set(version.metrics) == {"auc", "accuracy", "f1"}
        assert 0.5 < version.metrics["auc"] <= 1
        assert sorted(d.role for d in version.lineage.datasets) == ["evaluation", "training"]
        assert version.signature is not None
        assert {"contract", "tenure_months"} <= set(version.signature.input_names)

    again = registry.run("demo", "--no-serve")
    assert again.exit_code == 0, again.output
    with Client(registry.uri) as client:
        assert client.get(MODEL).version == 4
        assert client.get(f"{MODEL}@{ALIAS}").version == 3
        assert len(client.alias_history(MODEL, ALIAS)) == 6
