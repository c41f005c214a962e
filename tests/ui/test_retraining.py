"""The retraining pages over HTTP: the runs list, one run with its log tail, and cancel (CSRF form)."""

from __future__ import annotations

import httpx
import pytest

from steward.core.retraining import RetrainConfig
from tests.ui.conftest import World, csrf_of, sign_in, training_data


@pytest.fixture(scope="module")
def runs(world: World) -> dict[str, int]:
    """One finished run (executed here) and one queued run (no retraining thread in this server)."""
    frame, target = training_data()
    path = world.folder / "retrain.parquet"
    frame.assign(y=target).to_parquet(path)
    with world.client("alice") as alice:
        alice.configure_retraining(
            RetrainConfig(model=world.model, entry="tests.retrain_entry:fit", data=str(path), target="y")
        )
        done = alice.run_retraining(world.model, reason="console test", wait=True)
        queued = alice.run_retraining(world.model, reason="waiting")
    return {"done": done.id, "queued": queued.id}


def test_the_list_and_a_run_with_its_log(console: httpx.Client, world: World, runs: dict[str, int]) -> None:
    sign_in(console, world, "vic")
    listed = console.get("/retraining")
    assert listed.status_code == 200
    assert 'data-testid="retrain-runs"' in listed.text and "tests.retrain_entry:fit" in listed.text
    assert f'href="/retraining/{runs["done"]}"' in listed.text and "queued" in listed.text
    page = console.get(f"/retraining/{runs['done']}")
    assert page.status_code == 200
    assert "registered churn/3" in page.text and "steward:progress" in page.text  # the log tail
    assert 'href="/models/churn/versions/3"' in page.text and 'href="/models/churn/versions/1"' in page.text
    assert 'data-testid="cancel"' not in page.text  # finished, and a viewer
    assert 'href="/retraining?model=churn"' in console.get(f"/models/{world.model}").text
    assert console.get("/retraining/999").status_code == 404
    assert console.get("/retraining?model=bad name").status_code == 422


def test_a_viewer_cannot_cancel_even_by_forging_the_form(
    console: httpx.Client, world: World, runs: dict[str, int]
) -> None:
    sign_in(console, world, "vic")
    path = f"/retraining/{runs['queued']}"
    assert 'data-testid="cancel"' not in console.get(path).text
    answer = console.post(f"{path}/cancel", data={"csrf": csrf_of(console, path), "reason": "x"})
    assert answer.status_code == 403
    with world.client("root") as root:
        assert root.retraining_run(runs["queued"]).state == "queued"


def test_an_operator_cancels_a_queued_run(console: httpx.Client, world: World, runs: dict[str, int]) -> None:
    sign_in(console, world, "olga")
    path = f"/retraining/{runs['queued']}"
    assert 'data-testid="cancel"' in console.get(path).text
    no_csrf = console.post(f"{path}/cancel", data={"reason": "x"})
    assert no_csrf.status_code in (400, 403, 422)
    answer = console.post(f"{path}/cancel", data={"csrf": csrf_of(console, path), "reason": "not today"})
    assert answer.status_code == 303 and answer.headers["location"] == path
    page = console.get(path).text
    assert "cancelled" in page and "not today" in page
    with world.client("root") as root:
        assert root.retraining_run(runs["queued"]).state == "cancelled"
