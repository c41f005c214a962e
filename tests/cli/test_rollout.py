"""``steward rollout``: start, status, list, tick, compare, abort; bad input is one line and no write."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Registry, assert_clean_failure


@pytest.fixture
def deployed(seeded: Registry) -> Registry:
    """``churn-api`` serving churn@champion (version 2); version 1 is the challenger here."""
    with seeded.client() as client:
        client.create_deployment("churn-api", "churn@champion")
    return seeded


def test_start_status_list_tick_compare_abort(deployed: Registry) -> None:
    started = deployed.run(
        "rollout", "start", "churn-api", "churn/1", "--steps", "5,50,100", "--every", "2m",
        "--min-requests", "50", "--max-p99-ms", "200", "--max-drift", "0.3", "--min-metric", "accuracy=0.7",
        "--alias", "champion", "--reason", "retrained",
    )  # fmt: skip
    assert started.exit_code == 0, started.output
    assert "churn/1 takes 5% of churn-api (steps 5%, 50%, 100%, every 120 s)" in started.output
    status = deployed.run("rollout", "status", "churn-api")
    assert status.exit_code == 0, status.output
    for words in (
        "running",
        "churn/1 at 5%",
        "max 200",
        "psi - (max 0.3)",
        "accuracy",
        "0 of 50",
        "retrained",
    ):
        assert words in status.stdout, words
    shown = json.loads(deployed.run("rollout", "status", "churn-api", "--json").stdout)
    assert shown["plan"]["guardrails"]["min_metric"] == 0.7 and shown["verdict"]["action"] == "continue"
    listed = json.loads(deployed.run("rollout", "list", "--json").stdout)["items"]
    assert [(r["deployment"], r["state"]) for r in listed] == [("churn-api", "running")]
    assert "No rollout changed." in deployed.run("rollout", "tick").output
    assert "No shadow answers" in deployed.run("rollout", "compare", "churn-api", "--since", "1h").stdout
    aborted = deployed.run("rollout", "abort", "churn-api", "--reason", "not today")
    assert aborted.exit_code == 0 and "serves churn@champion alone" in aborted.output
    with deployed.client() as client:
        assert [(r.ref, r.weight) for r in client.get_deployment("churn-api").spec.routes] == [
            ("churn@champion", 100.0)
        ]
    assert "aborted" in deployed.run("rollout", "list", "churn-api").stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("start", "churn-api", "churn/1", "--steps", "5,x"), 2),
        (("start", "churn-api", "churn/1", "--steps", "50,5"), 2),
        (("start", "churn-api", "churn/1", "--every", "soon"), 2),
        (("start", "churn-api", "churn/1", "--min-metric", "accuracy"), 2),
        (("start", "churn-api", "churn/1", "--drift-statistic", "kl"), 2),
        (("start", "churn-api", "churn/1", "--max-error-rate", "3"), 2),
        (("start", "churn-api", "churn"), 2),
        (("start", "churn-api", "churn/2"), 2),  # the champion itself
        (("start", "churn-api", "churn/9"), 3),
        (("start", "nope", "churn/1"), 3),
        (("status", "churn-api"), 3),
        (("abort", "churn-api"), 4),
        (("compare", "churn-api", "--since", "0s"), 2),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    deployed: Registry, args: tuple[str, ...], code: int
) -> None:
    before = deployed.counts()
    assert_clean_failure(deployed.run("rollout", *args), code)
    assert deployed.counts() == before


def test_a_second_start_is_a_conflict(deployed: Registry) -> None:
    assert deployed.run("rollout", "start", "churn-api", "churn/1").exit_code == 0
    before = deployed.counts()
    assert_clean_failure(deployed.run("rollout", "start", "churn-api", "churn/1"), 4)
    assert deployed.counts() == before


def test_shadow_first_starts_as_a_shadow(deployed: Registry) -> None:
    started = deployed.run("rollout", "start", "churn-api", "churn/1", "--shadow-first", "30m")
    assert started.exit_code == 0 and "churn/1 shadows churn-api" in started.output
    status = deployed.run("rollout", "status", "churn-api")
    assert "shadow 1800 s, 5%, 25%, 50%, 100% (now the shadow phase)" in status.stdout
    assert "churn/1 at 0%" in status.stdout
    with deployed.client() as client:
        spec = client.get_deployment("churn-api").spec
    assert [r.ref for r in spec.routes] == ["churn@champion"] and spec.shadows == ("churn/1",)
    assert_clean_failure(deployed.run("rollout", "start", "churn-api", "churn/1", "--shadow-first", "x"), 2)
