"""The deployments pages over HTTP: the list, one deployment, live traffic, and every action.

The actions (weights, promote, roll back, kill, revive) go through the deployment service, so each
test checks the new revision through the REST API and the audit log with the admin's token.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sklearn.linear_model import LogisticRegression

from tests.payloads import write_payloads
from tests.servers import control_plane
from tests.ui.conftest import World, csrf_of, sign_in, training_data

LONG = "a" * 20 + "-" + "b" * 42  # 63 characters, the longest deployment name
UNICODE_REASON = "Ünïcødé résumé — 東京 rollout " * 8
EXTRA = 55  # with churn-api and LONG: more than a page (50) of deployments
BUSY, REVISIONS = "busy-api", 62


@pytest.fixture(scope="module")
def ops(world: World) -> World:
    """A long-named deployment with a unicode reason, enough deployments for two pages, live traffic."""
    with world.client("olga") as olga:
        olga.create_deployment(LONG, {f"{world.model}/1": 100}, reason=UNICODE_REASON)
        for i in range(EXTRA - 1):
            olga.create_deployment(f"extra-{i:03d}", {f"{world.model}@champion": 100}, reason="bulk")
        olga.create_deployment(BUSY, {f"{world.model}/1": 100}, reason="revision 1")
        for i in range(2, REVISIONS + 1):  # alternate between two routes: every change a revision
            olga.update_deployment(BUSY, {f"{world.model}/{1 + (i + 1) % 2}": 100}, reason=f"revision {i}")
    frame, target = training_data()
    model = LogisticRegression(C=1.0).fit(frame, target)  # what churn/1 is
    write_payloads(
        world.folder / "payloads", world.deployment, f"{world.model}/1", frame.head(40), model,
        datetime.now(UTC), errors=4, latency_ms=7.0,
    )  # fmt: skip
    return world


def api(console: httpx.Client, world: World, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    answer = console.request(method, f"/api/v1{path}", headers=headers, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.headers["content-type"].startswith("application/json") else answer.text


def audit_count(console: httpx.Client, world: World) -> int:
    return len(api(console, world, "GET", "/audit/export").splitlines())


def revision(console: httpx.Client, world: World, name: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = api(console, world, "GET", f"/deployments/{name or world.deployment}")
    return found


def routes_of(found: dict[str, Any]) -> dict[str, float]:
    return {r["ref"]: r["weight"] for r in found["spec"]["routes"]}


def post(console: httpx.Client, path: str, **fields: str) -> httpx.Response:
    page = path.rsplit("/", 1)[0]
    return console.post(path, data={"csrf": csrf_of(console, page), **fields})


def set_split(world: World, split: dict[str, float]) -> None:
    with world.client("olga") as olga:
        olga.update_deployment(world.deployment, split, reason="reset for a test")


# -- reading ------------------------------------------------------------------------------------


def test_the_list_shows_routes_weights_state_and_revision(console: httpx.Client, ops: World) -> None:
    html = sign_in(console, ops, "vic").get("/deployments").text
    row = re.search(rf'<a href="/deployments/{ops.deployment}">.*?</tr>', html, re.S)
    assert row, html[:2000]
    assert f"{ops.model}/1" in row.group(0) and "80%" in row.group(0) and "20%" in row.group(0)
    assert "serving" in row.group(0)
    assert f'href="/deployments/{LONG}"' in html
    assert "Ünïcødé résumé — 東京" in html


def test_the_list_is_paginated(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "vic")
    first = console.get("/deployments").text
    assert first.count('<td class="name"><a href="/deployments/') == 50
    assert 'rel="next"' in first
    second = console.get("/deployments", params={"page": 2}).text
    assert second.count('<td class="name"><a href="/deployments/') == EXTRA + 2 - 50
    assert 'rel="next"' not in second
    assert console.get("/deployments", params={"page": "zero"}).status_code == 422


def test_the_revision_history_is_paginated_newest_first(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "vic")
    first = console.get(f"/deployments/{BUSY}").text
    history = re.search(r'data-testid="history">(.*?)</table>', first, re.S)
    assert history
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', history.group(1))]
    assert numbers == list(range(REVISIONS, REVISIONS - 50, -1))
    second = console.get(f"/deployments/{BUSY}", params={"page": 2}).text
    history = re.search(r'data-testid="history">(.*?)</table>', second, re.S)
    assert history
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', history.group(1))] == list(
        range(REVISIONS - 50, 0, -1)
    )


def test_a_deployment_shows_the_split_as_svg_the_routes_and_the_history(
    console: httpx.Client, ops: World
) -> None:
    html = sign_in(console, ops, "vic").get(f"/deployments/{ops.deployment}").text
    split = re.search(r'data-testid="split">(.*?)</div>', html, re.S)
    assert split and "<svg" in split.group(1)
    assert "step up" in html and "canary" in html  # the reasons of revisions 2 and 1
    history = re.search(r'data-testid="history">.*?</table>', html, re.S)
    assert history and history.group(0).count("<tr") >= 3  # a header and two revisions
    assert f"{ops.model}/2" in html


def test_live_traffic_comes_from_the_payload_log(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "vic")
    fragment = console.get(f"/deployments/{ops.deployment}/live")
    assert fragment.status_code == 200
    text = fragment.text
    assert "<html" not in text  # a fragment, for data-refresh
    assert re.search(r'data-testid="live-p50">7<', text), text[:1500]
    requests = re.search(r"<b>(\d+)</b> requests", text)
    assert requests and int(requests.group(1)) == 44  # 40 answered and 4 errors
    assert re.search(r'data-testid="live-errors">9\.1%<', text)  # 4 of 44
    assert "<svg" in text
    page = console.get(f"/deployments/{ops.deployment}").text
    assert f'data-refresh="/deployments/{ops.deployment}/live"' in page


def test_a_deployment_without_traffic_says_so(console: httpx.Client, ops: World) -> None:
    text = sign_in(console, ops, "vic").get(f"/deployments/{LONG}/live").text
    assert "No requests in the last 15 minutes" in text
    assert "<svg" not in text


def test_unknown_deployments_are_404_pages(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "vic")
    for path in ("/deployments/no-such", "/deployments/no-such/live", "/deployments/BAD_NAME"):
        answer = console.get(path)
        assert answer.status_code in (404, 422), path
        assert answer.headers["content-type"].startswith("text/html")


def test_an_empty_list_says_how_to_deploy(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("empty-console")
    with control_plane(folder, env={"STEWARD_AUTH": "off"}) as url, httpx.Client(base_url=url) as client:
        assert "No deployments yet" in client.get("/deployments").text
        assert "nothing to monitor" in client.get("/monitoring").text


# -- who sees the actions -----------------------------------------------------------------------


def test_a_viewer_sees_no_action(console: httpx.Client, ops: World) -> None:
    html = sign_in(console, ops, "vic").get(f"/deployments/{ops.deployment}").text
    for marker in ('data-testid="actions"', "/weights", "/promote", "/rollback", "/kill", "/revive"):
        assert marker not in html


def test_an_operator_sees_every_action(console: httpx.Client, ops: World) -> None:
    html = sign_in(console, ops, "olga").get(f"/deployments/{ops.deployment}").text
    for marker in ("/weights", "/promote", "/rollback", "/kill", 'name="reason"', "data-confirm="):
        assert marker in html
    assert f'name="weight:{ops.model}/1"' in html and f'name="weight:{ops.model}/2"' in html


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("weights", {"weight:churn/1": "50", "weight:churn/2": "50"}),
        ("promote", {"ref": "churn/2"}),
        ("rollback", {}),
        ("kill", {}),
    ],
)
def test_a_forged_action_from_a_viewer_is_refused_and_writes_nothing(
    console: httpx.Client, ops: World, action: str, fields: dict[str, str]
) -> None:
    set_split(ops, {"churn/1": 80, "churn/2": 20})
    before, events = revision(console, ops), audit_count(console, ops)
    sign_in(console, ops, "vic")
    answer = post(console, f"/deployments/{ops.deployment}/{action}", reason="forged", **fields)
    assert answer.status_code == 403, answer.text
    assert "Not allowed" in answer.text
    assert revision(console, ops) == before
    assert audit_count(console, ops) == events


def test_a_forged_action_without_the_csrf_token_is_refused(console: httpx.Client, ops: World) -> None:
    before = revision(console, ops)
    sign_in(console, ops, "olga")
    answer = console.post(f"/deployments/{ops.deployment}/rollback", data={"reason": "no token"})
    assert answer.status_code == 403 and "security token" in answer.text
    assert revision(console, ops) == before


# -- actions --------------------------------------------------------------------------------------


def test_changing_the_weights_writes_a_revision_and_its_audit_event(
    console: httpx.Client, ops: World
) -> None:
    set_split(ops, {"churn/1": 80, "churn/2": 20})
    before, events = revision(console, ops), audit_count(console, ops)
    sign_in(console, ops, "olga")
    answer = post(
        console, f"/deployments/{ops.deployment}/weights",
        **{"weight:churn/1": "65.5", "weight:churn/2": "34.5"}, reason="more canary",
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == f"/deployments/{ops.deployment}"
    after = revision(console, ops)
    assert routes_of(after) == {"churn/1": 65.5, "churn/2": 34.5}
    assert after["revision"] == before["revision"] + 1 and after["created_by"] == "olga"
    assert audit_count(console, ops) == events + 1
    last = api(console, ops, "GET", "/audit", params={"target": ops.deployment, "max_results": 1000})
    assert last["items"][-1]["action"] == "deployment.update" and last["items"][-1]["reason"] == "more canary"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weight:churn/1": "eighty", "weight:churn/2": "20"}, "must be a number"),
        ({"weight:churn/1": "nan", "weight:churn/2": "20"}, "must be a number"),
        ({"weight:churn/1": "80", "weight:churn/9": "20"}, "is not a route"),
        ({"weight:churn/1": "100"}, "missing: churn/2"),
        ({"weight:churn/1": "70", "weight:churn/2": "20"}, "add up to 90"),
        ({"weight:churn/1": "120", "weight:churn/2": "-20"}, "outside 0-100"),
    ],
)
def test_bad_weights_are_a_422_page_and_write_nothing(
    console: httpx.Client, ops: World, fields: dict[str, str], message: str
) -> None:
    before, events = revision(console, ops), audit_count(console, ops)
    sign_in(console, ops, "olga")
    answer = post(console, f"/deployments/{ops.deployment}/weights", reason="typo", **fields)
    assert answer.status_code == 422, answer.text
    assert message in answer.text and answer.headers["content-type"].startswith("text/html")
    assert revision(console, ops) == before
    assert audit_count(console, ops) == events


def test_an_action_without_a_reason_is_refused(console: httpx.Client, ops: World) -> None:
    before = revision(console, ops)
    sign_in(console, ops, "olga")
    for action in ("rollback", "kill"):
        answer = post(console, f"/deployments/{ops.deployment}/{action}", reason="  ")
        assert answer.status_code == 422 and "Reason is required" in answer.text
    assert revision(console, ops) == before


def test_promoting_the_canary_sends_it_all_traffic(console: httpx.Client, ops: World) -> None:
    set_split(ops, {"churn/1": 80, "churn/2": 20})
    sign_in(console, ops, "olga")
    page = console.get(f"/deployments/{ops.deployment}").text
    assert re.search(r'<option value="churn/2" selected>', page)  # the canary is offered first
    answer = post(console, f"/deployments/{ops.deployment}/promote", ref="churn/2", reason="canary is good")
    assert answer.status_code == 303
    after = revision(console, ops)
    assert routes_of(after) == {"churn/2": 100.0} and after["reason"] == "canary is good"
    unknown = post(console, f"/deployments/{ops.deployment}/promote", ref="churn/1", reason="gone")
    assert unknown.status_code == 422 and "not a route" in unknown.text
    assert revision(console, ops) == after


def test_rolling_back_restores_the_previous_spec(console: httpx.Client, ops: World) -> None:
    set_split(ops, {"churn/1": 80, "churn/2": 20})
    set_split(ops, {"churn/1": 10, "churn/2": 90})
    events = audit_count(console, ops)
    sign_in(console, ops, "olga")
    answer = post(console, f"/deployments/{ops.deployment}/rollback", reason="latency spike")
    assert answer.status_code == 303
    after = revision(console, ops)
    assert routes_of(after) == {"churn/1": 80.0, "churn/2": 20.0}
    assert audit_count(console, ops) == events + 1
    html = console.get(f"/deployments/{ops.deployment}").text
    assert "latency spike" in html


def test_a_deployment_at_revision_one_offers_no_rollback_and_refuses_one(
    console: httpx.Client, ops: World
) -> None:
    sign_in(console, ops, "olga")
    assert f"/deployments/{LONG}/rollback" not in console.get(f"/deployments/{LONG}").text
    answer = post(console, f"/deployments/{LONG}/rollback", reason="nothing earlier")
    assert answer.status_code == 409 and "revision 1" in answer.text


def test_the_kill_switch_stops_and_revives(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "olga")
    answer = post(console, f"/deployments/{ops.deployment}/kill", reason="bad answers")
    assert answer.status_code == 303
    assert revision(console, ops)["spec"]["killed"] == "bad answers"
    html = console.get(f"/deployments/{ops.deployment}").text
    assert 'data-testid="killed"' in html and "bad answers" in html
    assert (
        f"/deployments/{ops.deployment}/revive" in html and f"/deployments/{ops.deployment}/kill" not in html
    )
    again = post(console, f"/deployments/{ops.deployment}/kill", reason="twice")
    assert again.status_code == 409
    assert "stopped" in console.get("/deployments").text
    answer = post(console, f"/deployments/{ops.deployment}/revive", reason="fixed")
    assert answer.status_code == 303
    assert "killed" not in revision(console, ops)["spec"]


def test_a_forged_revive_from_a_viewer_is_refused(console: httpx.Client, ops: World) -> None:
    sign_in(console, ops, "olga")
    assert post(console, f"/deployments/{LONG}/kill", reason="stop it").status_code == 303
    before, events = revision(console, ops, LONG), audit_count(console, ops)
    sign_in(console, ops, "vic")
    answer = post(console, f"/deployments/{LONG}/revive", reason="forged")
    assert answer.status_code == 403
    assert revision(console, ops, LONG) == before and audit_count(console, ops) == events


def test_a_killed_version_is_marked_in_the_list_and_not_served(console: httpx.Client, ops: World) -> None:
    set_split(ops, {"churn/1": 80, "churn/2": 20})
    api(console, ops, "POST", "/kill-switch/versions", json={"ref": "churn/2", "reason": "leaks PII"})
    try:
        sign_in(console, ops, "vic")
        row = re.search(
            rf'<a href="/deployments/{ops.deployment}">.*?</tr>', console.get("/deployments").text, re.S
        )
        assert row and "version killed" in row.group(0)
        routes = re.search(
            r'data-testid="routes">(.*?)</table>', console.get(f"/deployments/{ops.deployment}").text, re.S
        )
        assert routes and "not served now (kill switch)" in routes.group(1)
    finally:
        api(
            console, ops, "POST", "/kill-switch/versions/revive", json={"ref": "churn/2", "reason": "cleared"}
        )
