"""The demo after the drift alert: the alert triggers a retraining run, its candidate is validated
against the champion and approved by the two reviewers, then rolled out as a canary while traffic
flows, stepped up while the guardrails hold, and promoted to ``champion``.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from steward.cli.demo import data
from steward.cli.demo.cast import OPERATOR, REVIEWERS, SCIENTIST, Cast
from steward.cli.demo.story import ALERT_RULE, ALIAS, DEPLOYMENT, MODEL, SUITE, Registered, Story
from steward.core.errors import StewardError

if TYPE_CHECKING:
    from steward.cli.demo.traffic import InferenceServer
    from steward.core.rollout_records import Rollout

ENTRY_POINT = "steward.cli.demo.training:train"
#: The canary: weights in percent, how long each step lasts at least, requests judged per step.
CANARY_STEPS = (20.0, 50.0, 100.0)
STEP_EVERY = "2s"
MIN_REQUESTS = 10
#: Rows sent between two controller ticks (requests of 20 rows).
CANARY_BATCH_ROWS = 400
#: Give up on the retraining run after this long (it takes seconds).
RETRAIN_TIMEOUT = 600.0
#: Give up on the canary after this long (it takes a few seconds).
CANARY_TIMEOUT = 120.0


def configure_retraining(story: Story, cast: Cast) -> None:
    """Retrain ``churn-demo`` when the drift alert fires: the demo's entry point on recent data."""
    from steward.core.retraining import RetrainConfig

    recent, holdout = data.write_recent(story.folder)
    config = RetrainConfig(
        model=MODEL,
        entry=ENTRY_POINT,
        data=str(recent),
        target=data.TARGET,
        holdout=str(holdout),
        params={"algorithm": "logistic"},
        alerts=(ALERT_RULE,),
        champion=ALIAS,
        suite=SUITE,
        timeout_s=600.0,
    )
    cast[SCIENTIST].configure_retraining(config)


def retrain(story: Story, cast: Cast) -> None:
    """The trigger evaluator sees the alert and queues one run; the runner executes it to the end.

    A control plane running on the same store may evaluate or execute it first: the demo then
    finds the run its alert queued and waits for it."""
    service = cast.app.retraining
    service.evaluate(actor=OPERATOR)
    assert story.alert is not None
    mark = f"alert {story.alert.id} "
    found = [r for r in service.runs(MODEL, limit=20) if r.trigger == "alert" and mark in r.trigger_detail]
    if not found:
        raise StewardError(
            f"The drift alert did not queue a retraining run of {MODEL}: see `steward retrain runs {MODEL}`."
        )
    run = found[0]
    if run.state == "skipped":
        raise StewardError(f"The retraining trigger was skipped: {run.outcome or run.error}")
    deadline = time.monotonic() + RETRAIN_TIMEOUT
    while not run.finished:
        if time.monotonic() > deadline:
            raise StewardError(f"Retraining run {run.id} did not finish in {RETRAIN_TIMEOUT:.0f} s.")
        if run.state == "queued":
            service.run_next()  # the oldest queued run: this one, or one queued before it
        else:
            time.sleep(0.2)  # running elsewhere (a control plane's runner)
        run = service.get_run(run.id)
    if run.state != "succeeded" or run.candidate is None:
        raise StewardError(
            f"Retraining run {run.id} {run.state}: {run.error or run.outcome}. "
            f"Its log: `steward retrain logs {run.id}`."
        )
    story.retrain = run
    scientist = cast[SCIENTIST]
    candidate = scientist.get(str(run.candidate))
    story.candidate = candidate
    registered = Registered(candidate, "logistic regression retrained on recent data")
    if run.validation_run is not None:
        registered.validation = scientist.validation_run(candidate.ref, run.validation_run)
    registered.outcome = "approval requested"
    story.registered.append(registered)


def approve_candidate(story: Story, cast: Cast) -> None:
    """The run asked for approval of its candidate; the two reviewers give it."""
    run, candidate = story.retrain, story.candidate
    assert run is not None and candidate is not None
    requests = [
        r for r in cast[SCIENTIST].approvals(model=MODEL, version=candidate.version) if r.target == ALIAS
    ]
    if run.approval is not None:
        requests = [r for r in requests if r.id == run.approval] or requests
    if not requests:
        raise StewardError(f"Retraining run {run.id} did not request approval of {candidate.ref}.")
    request = requests[0]
    for reviewer in REVIEWERS:
        request = cast[reviewer].approve(request.id, comment=f"{reviewer}: retrained on recent data")
    story.approvals.append(request)


def canary(story: Story, cast: Cast, server: InferenceServer) -> None:
    """Roll the candidate out in steps while drifted traffic flows; the controller's ticks judge it
    (what ``steward server`` does every few seconds) and promote it, moving ``champion``."""
    candidate = story.candidate
    assert candidate is not None
    operator = cast[OPERATOR]
    rollout: Rollout = operator.start_rollout(
        DEPLOYMENT,
        candidate.ref,
        steps=CANARY_STEPS,
        every=STEP_EVERY,
        min_requests=MIN_REQUESTS,
        alias=ALIAS,
        reason="demo: canary of the retrained model",
        max_error_rate=0.05,
    )
    deadline = time.monotonic() + CANARY_TIMEOUT
    answered: Counter[str] = Counter()
    batch = 0
    while rollout.state == "running":
        if time.monotonic() > deadline:
            operator.abort_rollout(DEPLOYMENT, reason="demo: the canary took too long")
            raise StewardError(f"The canary of {candidate.ref} did not finish in {CANARY_TIMEOUT:.0f} s.")
        seed = data.DRIFTED_SEED + 100 + batch
        batch += 1
        answered.update(
            server.send(data.features(data.make_churn_data(CANARY_BATCH_ROWS, seed, drifted=True)))
        )
        server.wait_logged()
        operator.tick_rollouts()
        rollout = operator.rollout(DEPLOYMENT).rollout
    story.traffic.append(("canary", answered))
    story.rollout = rollout
    if rollout.state != "promoted":
        raise StewardError(f"The canary of {candidate.ref} ended {rollout.state}: {rollout.reason}")
    champion = operator.get(f"{MODEL}@{ALIAS}")
    if champion.ref != candidate.ref:
        raise StewardError(f"The canary was promoted but {MODEL}@{ALIAS} is {champion.ref}: {rollout.reason}")
    for item in story.registered:
        if item.version.ref == champion.ref:
            item.outcome = f"{ALIAS} (canary promoted)"
        elif story.champion is not None and item.version.ref == story.champion.ref:
            item.outcome = f"{ALIAS}, then replaced by {champion.ref}"
    story.champion = champion
    story.deployment = operator.get_deployment(DEPLOYMENT)
