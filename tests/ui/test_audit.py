"""The audit log viewer over HTTP: newest first, the chain's status, filters, before/after, bad input."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.ui.conftest import World, sign_in


def api(console: httpx.Client, world: World, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    answer = console.get(f"/api/v1/audit{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    data: dict = answer.json()  # type: ignore[type-arg]
    return data


def rows(html: str) -> list[dict[str, str]]:
    """The audit table's rows: number, actor, action, target."""
    found = []
    for seq, body in re.findall(r'<tr id="event-(\d+)">(.*?)</tr>', html, re.S):
        links = dict(re.findall(r'href="/audit\?(actor|action|target)=[^"]*"[^>]*>([^<]*)</a>', body))
        found.append({"seq": seq, **links})
    return found


def test_newest_first_with_the_chain_verified(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "vic").get("/audit").text
    total = api(console, world, "/verify")["checked"]
    assert f"The audit chain is intact: {total} events verified." in html
    listed = rows(html)
    assert [int(r["seq"]) for r in listed] == list(range(total, max(total - 50, 0), -1))
    newest = api(console, world, "", max_results="1000")["items"][-1]
    assert listed[0]["action"] == newest["action"] and listed[0]["actor"] == newest["actor"]
    assert re.findall(r'<form method="post" action="([^"]*)"', html) == ["/signout"]


def test_each_row_expands_to_before_and_after(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "vic").get("/audit", params={"action": "deployment.update"}).text
    row = re.search(r'<tr id="event-\d+">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "<details><summary>before / after</summary>" in row.group(1)
    assert "step up" in row.group(1)
    before, after = re.findall(r"<pre>(.*?)</pre>", row.group(1), re.S)[:2]
    assert "90" in before and "80" in after and "&#34;" in after  # JSON, escaped


@pytest.mark.parametrize(
    ("params", "expect"),
    [
        ({"actor": "olga"}, lambda r: r["actor"] == "olga"),
        ({"action": "approval"}, lambda r: r["action"].startswith("approval.")),
        ({"action": "alias.set"}, lambda r: r["action"] == "alias.set"),
        (
            {"target": "churn"},
            lambda r: r["target"] == "churn" or r["target"].startswith(("churn/", "churn@")),
        ),
        ({"target": "churn/2"}, lambda r: r["target"] == "churn/2"),
        ({"target": "churn-api"}, lambda r: r["target"] == "churn-api"),
    ],
)
def test_filters_keep_only_matching_events(console: httpx.Client, world: World, params, expect) -> None:  # type: ignore[no-untyped-def]
    listed = rows(sign_in(console, world, "vic").get("/audit", params=params).text)
    assert listed, params
    assert all(expect(r) for r in listed), listed
    everything = rows(console.get("/audit").text)
    assert len(listed) == sum(1 for r in everything if expect(r))  # the world is smaller than a page


def test_the_model_filter_finds_versions_and_aliases_but_not_lookalikes(
    console: httpx.Client, world: World
) -> None:
    listed = rows(sign_in(console, world, "vic").get("/audit", params={"target": "churn"}).text)
    targets = {r["target"] for r in listed}
    assert {"churn", "churn/1", "churn/2", "churn@champion"} <= targets
    assert "churn-api" not in targets
    assert not rows(console.get("/audit", params={"target": "CHURN"}).text)  # exact, case-sensitive


def test_time_range_and_event_number(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    assert rows(console.get("/audit", params={"since": "2000-01-01", "until": "2999-01-01"}).text)
    future = console.get("/audit", params={"since": "2999-01-01T00:00Z"})
    assert future.status_code == 200 and "No audit event matches these filters." in future.text
    assert "No audit event matches" in console.get("/audit", params={"until": "2000-01-01"}).text
    upto = rows(console.get("/audit", params={"upto": "3"}).text)
    assert [r["seq"] for r in upto] == ["3", "2", "1"]
    combined = rows(console.get("/audit", params={"actor": "olga", "action": "deployment"}).text)
    assert [r["action"] for r in combined] == ["deployment.update", "deployment.create"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "Invalid start time"),
        ({"until": "2026-13-45"}, "Invalid end time"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "must be before its end"),
        ({"upto": "-4"}, "event number"),
        ({"upto": "0"}, "event number"),
        ({"page": "0"}, "page must be"),
        ({"actor": "a\x00b"}, "NUL"),
    ],
)
def test_bad_filters_are_a_422_page(
    console: httpx.Client, world: World, params: dict[str, str], message: str
) -> None:
    answer = sign_in(console, world, "vic").get("/audit", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text and "Traceback" not in answer.text


def test_filters_are_kept_in_the_form_and_escaped(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "vic").get("/audit", params={"actor": '"><b>x</b>'}).text
    assert 'value="&#34;&gt;&lt;b&gt;x&lt;/b&gt;"' in html
    assert "<b>x</b>" not in html
    assert "No audit event matches these filters." in html
