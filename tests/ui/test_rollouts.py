"""The rollout page over HTTP: steps, weight, guardrail readings against limits, history, and the
abort button (operators only, CSRF form) that goes back to the champion alone."""

from __future__ import annotations

import re

import httpx

from tests.ui.conftest import World, csrf_of, sign_in

NAME = "roll-api"


def test_the_rollout_page_and_its_abort(console: httpx.Client, world: World) -> None:
    with world.client("olga") as olga:
        olga.create_deployment(NAME, f"{world.model}@champion", reason="one route")
        sign_in(console, world, "vic")
        empty = console.get(f"/deployments/{NAME}/rollout")
        assert empty.status_code == 200 and "No rollout yet" in empty.text
        olga.start_rollout(
            NAME, f"{world.model}/2", steps=(10, 100), every="5m", min_requests=30,
            max_p99_ms=250, max_drift=0.2, reason="retrained <b>v2</b>",
        )  # fmt: skip
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert re.search(r'data-testid="rollout-weight">10%<', page)
    assert "0 of 30" in page and "retrained &lt;b&gt;v2&lt;/b&gt;" in page  # escaped
    guardrails = re.search(r'data-testid="guardrails">(.*?)</table>', page, re.S)
    assert guardrails and "p99 latency (ms)" in guardrails.group(1) and "≤ 250.0" in guardrails.group(1)
    assert "Prediction drift (psi)" in guardrails.group(1) and "broken" not in guardrails.group(1)
    assert 'data-testid="abort-rollout"' not in page  # a viewer may look, not abort
    assert 'data-testid="rollout-link"' in console.get(f"/deployments/{NAME}").text
    refused = console.post(
        f"/deployments/{NAME}/rollout/abort",
        data={"csrf": csrf_of(console, f"/deployments/{NAME}/rollout"), "reason": "no"},
    )
    assert refused.status_code == 403

    sign_in(console, world, "olga")
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert 'data-testid="abort-rollout"' in page
    no_token = console.post(f"/deployments/{NAME}/rollout/abort", data={"reason": "x"})
    assert no_token.status_code in (400, 403)
    csrf = csrf_of(console, f"/deployments/{NAME}/rollout")
    done = console.post(f"/deployments/{NAME}/rollout/abort", data={"csrf": csrf, "reason": "pager duty"})
    assert done.status_code == 303 and done.headers["location"] == f"/deployments/{NAME}/rollout"
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert "aborted" in page and "pager duty" in page and 'data-testid="abort-rollout"' not in page
    with world.client("olga") as olga:
        assert [(r.ref, r.weight) for r in olga.get_deployment(NAME).spec.routes] == [
            (f"{world.model}@champion", 100.0)
        ]
    assert console.get("/deployments/nope/rollout").status_code == 404
