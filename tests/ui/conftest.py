"""A console world: users of every role, two real models, a canary deployment, a pending approval.

Every test talks to a real control plane process (sign-in on): most through
httpx as a browser would, the end-to-end ones through Debian's Chromium driven
by Playwright (``browser`` below), and save a screenshot of every page they visit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.settings import Settings
from tests.servers import control_plane

USERS = {
    "root": "admin",
    "alice": "contributor",
    "bob": "reviewer",
    "carol": "reviewer",
    "olga": "operator",
    "vic": "viewer",
}
SCREENSHOTS = Path(os.environ.get("STEWARD_SCREENSHOTS", "test-output/console"))
CHROMIUM = os.environ.get("STEWARD_CHROMIUM", "/usr/bin/chromium")


@dataclass
class World:
    folder: Path
    uri: str
    artifacts: str
    tokens: dict[str, str]
    model: str = "churn"
    deployment: str = "churn-api"
    approval_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, actor: str = "root") -> Client:
        return Client(self.uri, artifacts=self.artifacts, actor=actor)

    def settings(self) -> Settings:
        return Settings.resolve(uri=self.uri, artifacts=self.artifacts, auth="on")


def training_data(seed: int = 0, rows: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"tenure": rng.normal(24, 6, rows), "spend": rng.normal(50, 15, rows), "calls": rng.poisson(3, rows)}
    )
    target = pd.Series(
        (frame["tenure"] * 0.1 - frame["calls"] * 0.4 + rng.normal(0, 1, rows) > 0).astype(int)
    )
    return frame, target


def build_world(folder: Path) -> World:
    uri = f"sqlite:///{folder / 'console.db'}"
    artifacts = str(folder / "artifacts")
    tokens: dict[str, str] = {}
    with Client(uri, artifacts=artifacts, actor="setup") as boot:
        boot.create_user("root", role="admin")  # the first admin bootstraps itself
    world = World(folder, uri, artifacts, tokens)
    with world.client("root") as admin:
        for user, role in USERS.items():
            if user != "root":
                admin.create_user(user, role=role)
            tokens[user] = admin.create_token(user).secret
    frame, target = training_data()
    with world.client("alice") as alice:
        for c in (1.0, 0.1):
            model = LogisticRegression(C=c).fit(frame, target)
            alice.register(
                model,
                world.model,
                input_example=frame.head(5),
                training_data=frame,
                metrics={"accuracy": float(model.score(frame, target))},
                params={"C": c},
                tags={"team": "retention", "risk_tier": "medium"},
                description="Who is about to leave",
            )
        alice.update_model(
            world.model,
            description="Who is about to leave",
            tags={"team": "retention", "risk_tier": "medium"},
        )
        world.approval_id = alice.request_approval(f"{world.model}/2", "champion", reason="better recall").id
    with world.client("olga") as olga:
        olga.set_alias(world.model, "champion", 1, reason="first release")
        olga.create_deployment(
            world.deployment, {f"{world.model}/1": 90, f"{world.model}/2": 10}, reason="canary"
        )
        olga.update_deployment(
            world.deployment, {f"{world.model}/1": 80, f"{world.model}/2": 20}, reason="step up"
        )
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("console"))


@pytest.fixture
def console(server_url: str) -> Iterator[httpx.Client]:
    """A browser-like HTTP client of the real control plane (sign-in on); not signed in yet."""
    with httpx.Client(base_url=server_url, follow_redirects=False, timeout=30) as client:
        yield client


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: httpx.Client, path: str = "/signin") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: httpx.Client, world: World, user: str) -> httpx.Client:
    answer = client.post("/signin", data={"token": world.tokens[user], "csrf": csrf_of(client), "next": "/"})
    assert answer.status_code == 303, answer.text
    return client


# -- a real server and a real browser -------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url(world: World) -> Iterator[str]:
    with control_plane(
        world.folder, world.uri, env={"STEWARD_AUTH": "on", "STEWARD_ARTIFACTS": world.artifacts}
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API keeps an asyncio loop running in this
    # thread while it lives, and a later module's async tests in the same worker could not start
    # their own.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The console tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        yield browser
        browser.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot into the test output (STEWARD_SCREENSHOTS, default test-output/console)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def signed_in_page(browser: Any, server_url: str, world: World) -> Iterator[Any]:
    """A function that opens a fresh browser context signed in as a user, through the sign-in form."""
    contexts: list[Any] = []

    def open_as(user: str) -> Any:
        context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # confirm() before every action
        page.goto("/")
        assert "/signin" in page.url  # sign-in is required
        page.fill("input[name=token]", world.tokens[user])
        page.click("button[type=submit]")
        page.wait_for_url(f"{server_url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
