"""The console's frame: sign-in, CSRF, error pages, the catalog, and the API beside it."""

from __future__ import annotations

import httpx

from tests.ui.conftest import World, csrf_of, sign_in


def test_pages_redirect_to_sign_in_when_auth_is_on(console: httpx.Client) -> None:
    answer = console.get("/?q=churn")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/%3Fq%3Dchurn"


def test_a_bad_token_is_refused_with_a_message(console: httpx.Client) -> None:
    answer = console.post("/signin", data={"token": "nope", "csrf": csrf_of(console)})
    assert answer.status_code == 401
    assert "not valid" in answer.text
    assert "steward_session" not in answer.headers.get("set-cookie", "")


def test_sign_in_sets_an_http_only_strict_cookie_and_shows_the_user(
    console: httpx.Client, world: World
) -> None:
    answer = console.post(
        "/signin", data={"token": world.tokens["vic"], "csrf": csrf_of(console), "next": "/x"}
    )
    cookie = answer.headers["set-cookie"]
    assert "steward_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert answer.headers["location"] == "/x"
    assert 'data-testid="user">vic<' in console.get("/").text


def test_next_never_leaves_the_site(console: httpx.Client, world: World) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil"):
        answer = console.post(
            "/signin", data={"token": world.tokens["vic"], "csrf": csrf_of(console), "next": target}
        )
        assert answer.headers["location"] == "/"


def test_a_form_without_its_csrf_token_is_refused(console: httpx.Client, world: World) -> None:
    answer = console.post("/signin", data={"token": world.tokens["vic"]})
    assert answer.status_code == 403
    assert "security token" in answer.text
    answer = console.post("/signin", content=b'{"token": 1}', headers={"content-type": "application/json"})
    assert answer.status_code == 422


def test_catalog_lists_the_model_with_owner_tier_aliases_and_deployment(
    console: httpx.Client, world: World
) -> None:
    page = sign_in(console, world, "vic").get("/").text
    assert f'href="/models/{world.model}"' in page
    assert "medium" in page and "champion=1" in page
    assert f'href="/deployments/{world.deployment}"' in page


def test_catalog_search_and_filters(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    assert f'href="/models/{world.model}"' in console.get("/", params={"q": "CHUR"}).text
    assert f'href="/models/{world.model}"' in console.get("/", params={"q": "tags.team = 'retention'"}).text
    none = console.get("/", params={"q": "zzz-no-such"})
    assert none.status_code == 200 and "No model matches" in none.text
    assert "No model matches" in console.get("/", params={"tier": "high"}).text
    bad = console.get("/", params={"q": "name = "})
    assert bad.status_code == 422 and "Bad filter" in bad.text
    assert console.get("/", params={"page": "0"}).status_code == 422
    assert console.get("/", params={"page": "x"}).status_code == 422


def test_unknown_pages_are_html_404_and_unknown_api_routes_stay_json(
    console: httpx.Client, world: World
) -> None:
    sign_in(console, world, "vic")
    page = console.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = console.get("/api/v1/no-such-thing", headers={"Authorization": f"Bearer {world.tokens['vic']}"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_pages_forbid_framing_and_foreign_scripts(console: httpx.Client) -> None:
    headers = console.get("/signin").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert console.get("/static/console.css").status_code == 200


def test_sign_out_clears_the_session(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    answer = console.post("/signout", data={"csrf": csrf_of(console, "/")})
    assert answer.status_code == 303
    assert console.get("/").status_code == 303
