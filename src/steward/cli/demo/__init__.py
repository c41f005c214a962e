"""``steward demo``: the whole story of a model on generated data, then the console.

A weak and a good model are trained on a generated churn table and registered
as versions of ``churn-demo``; both are validated, the policy
``churn-demo-production`` refuses the weak one as champion, two reviewers
approve the good one, which becomes champion and is deployed as
``churn-demo-api`` behind a real inference server on a loopback port. Normal
traffic, then drifted traffic, flows through it; monitoring windows of 500
rows make the drift alert fire, and the alert triggers a retraining run on
recent data. Its candidate is validated against the champion, approved by the
two reviewers, rolled out as a canary while traffic flows and promoted to
champion. Then the control plane serves the console.

Running it again in the same home adds versions (the next numbers) and tells
the same story with them; users, the policy, the deployment, the alert rule and
the retraining configuration are reused (see docs/demo.md).
"""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from steward.cli.demo import lifecycle
from steward.cli.demo import story as steps_of
from steward.cli.demo.cast import Cast
from steward.cli.demo.story import ALIAS, DEPLOYMENT, MODEL, Story
from steward.cli.demo.summary import render
from steward.cli.demo.traffic import InferenceServer
from steward.cli.options import globals_of
from steward.cli.output import Steps, console
from steward.cli.server import PortOption, base_url, check_port_free, serve
from steward.core.errors import InvalidInputError
from steward.settings import Settings

__all__ = ["ALIAS", "DEPLOYMENT", "MODEL", "demo"]

#: The number of steps the progress bar counts.
STEPS = 14


def demo(
    ctx: typer.Context,
    *,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the story; do not start the console.")
    ] = False,
    port: PortOption = 8080,
) -> None:
    """Tell the whole story on generated data: register, validate, approve, deploy, drift, then serve."""
    options = globals_of(ctx)
    settings = options.settings()
    _check_embedded(settings)
    if not no_serve:
        check_port_free("127.0.0.1", port)  # fail now, not after the story
    story = Story(folder=settings.home / "demo")
    with Cast(settings) as cast:
        run_story(story, cast, settings)
    render(story)
    prefix = "steward" if options.uri is None else f"steward --uri {shlex.quote(settings.uri)}"
    _print_next(story, prefix, port, no_serve)
    if not no_serve:
        console().print("", markup=False)
        serve(settings, "127.0.0.1", port)


def run_story(story: Story, cast: Cast, settings: Settings) -> None:
    """Every step, in order, under a progress bar (on a terminal)."""
    s = steps_of
    with Steps(STEPS) as progress:
        progress.next("Generating a churn table")
        s.generate(story)
        progress.next("Creating demo users and the production policy")
        s.set_rules(story, cast)
        progress.next("Training and registering a weak model")
        weak = s.register(story, cast, "weak")
        progress.next("Training and registering a logistic regression")
        good = s.register(story, cast, "logistic")
        progress.next("Validating both versions")
        s.validate(story, cast, weak)
        s.validate(story, cast, good)
        progress.next(f"Trying to make the weak model {ALIAS}")
        s.try_promote(story, cast, weak)
        progress.next("Two reviewers approve the logistic regression")
        s.approve(story, cast, good)
        progress.next(f"Promoting it to {ALIAS}, deploying {DEPLOYMENT}")
        s.promote(story, cast, good)
        s.deploy(story, cast)
        progress.next("Setting up monitoring, the drift alert, retraining")
        s.watch(story, cast)
        lifecycle.configure_retraining(story, cast)
        progress.next("Starting the inference server")
        with InferenceServer(settings, DEPLOYMENT) as server:
            progress.next("Sending normal traffic")
            s.serve_traffic(story, cast, server, drifted=False)
            progress.next("Sending drifted traffic until the drift alert fires")
            s.serve_traffic(story, cast, server, drifted=True)
            progress.next("The alert's retraining run, on recent data")
            lifecycle.retrain(story, cast)
            progress.next("Two reviewers approve the retrained version")
            lifecycle.approve_candidate(story, cast)
            progress.next("Canary of the retrained version under traffic")
            lifecycle.canary(story, cast, server)


def _check_embedded(settings: Settings) -> None:
    if settings.is_remote:
        raise InvalidInputError(
            f"steward demo runs its own inference server on the database, and {settings.uri} is a "
            "control plane: run it on a database (the default, or --uri sqlite:///… / postgresql://…)."
        )
    if settings.auth_enabled:
        raise InvalidInputError(
            "steward demo acts as several demo users, which needs sign-in off: run it with "
            "STEWARD_AUTH=off on a home of its own (STEWARD_HOME=/tmp/steward-demo)."
        )


def _print_next(story: Story, prefix: str, port: int, no_serve: bool) -> None:
    out = console()
    url = base_url("127.0.0.1", port)
    weak = story.registered[0].version.ref if story.registered else MODEL
    if not no_serve:
        pages = [
            ("Console", f"/models/{MODEL}"),
            ("Monitoring", f"/monitoring/{DEPLOYMENT}"),
            ("Retraining", f"/retraining/{story.retrain.id}" if story.retrain else "/retraining"),
            ("Canary", f"/deployments/{DEPLOYMENT}/rollout"),
            ("Audit log", "/audit"),
            ("API docs", "/docs"),
        ]
        out.print("", markup=False)
        for label, path in pages:
            out.print(f"{label + ':':<12}{url}{path}", markup=False, soft_wrap=True)
    out.print("\nTry:", markup=False)
    for command in (
        f"{prefix} versions list --filter \"name = '{MODEL}'\"",
        f"{prefix} validations {weak}",
        f"{prefix} approvals list --model {MODEL}",
        f"{prefix} monitor alerts list --deployment {DEPLOYMENT}",
        f"{prefix} retrain runs {MODEL}",
        f"{prefix} rollout status {DEPLOYMENT}",
        f"{prefix} audit verify",
    ):
        out.print(f"  {command}", markup=False, soft_wrap=True)
