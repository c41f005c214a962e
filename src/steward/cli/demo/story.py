"""The steps of ``steward demo``, one function each, recording what happened in a :class:`Story`.

Up to the drift alert: train and register a weak and a good model, validate both,
watch the policy refuse the weak one, have two reviewers approve the good one,
make it champion, deploy it, send traffic, then drifted traffic until the drift
alert fires. (:mod:`steward.cli.demo.lifecycle` continues with retraining and
the canary.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.cli.demo import data, training
from steward.cli.demo.cast import OPERATOR, REVIEWERS, SCIENTIST, Cast
from steward.core.errors import NotFoundError, PermissionDeniedError, PolicyViolationError, StewardError

if TYPE_CHECKING:
    import pandas as pd

    from steward.cli.demo.traffic import InferenceServer
    from steward.core.alerts import Alert
    from steward.core.approval import ApprovalRequest
    from steward.core.deployment import Deployment
    from steward.core.registry import ModelVersion
    from steward.core.retrain_runs import RetrainRun
    from steward.core.rollout_records import Rollout
    from steward.core.validation.results import ValidationRun

MODEL = "churn-demo"
ALIAS = "champion"
DEPLOYMENT = "churn-demo-api"
POLICY = "churn-demo-production"
ALERT_RULE = "churn-demo-drift"
#: Every monitoring window is this many rows of one version (so the demo need not wait an hour).
WINDOW_ROWS = 500

POLICY_YAML = f"""\
name: {POLICY}
description: What may serve as champion of the demo model.
aliases: [{ALIAS}]
models: [{MODEL}]
gates:
  approvals: {{role: reviewer, quorum: 2}}
  validation: {{checks: ["metric:roc_auc", calibration]}}
"""
#: The validation suite: the policy gates on the first two checks.
SUITE: dict[str, Any] = {
    "task": "binary",
    "checks": [
        {"check": "metric", "metric": "roc_auc", "min": 0.75},
        {"check": "calibration", "max": 0.1},
        {"check": "no_regression", "metric": "log_loss", "tolerance": 0.02, "resamples": 200},
        {"check": "data_contract"},
    ],
}


@dataclass
class Registered:
    """A version the demo registered, and how it fared."""

    version: ModelVersion
    algorithm: str
    validation: ValidationRun | None = None
    outcome: str = ""


@dataclass
class Story:
    """What happened, for the summary (and the tests, which read the store instead)."""

    folder: Path
    train: pd.DataFrame | None = None
    holdout: pd.DataFrame | None = None
    users_created: list[str] = field(default_factory=list)
    policy_version: int | None = None
    registered: list[Registered] = field(default_factory=list)
    refusal: str = ""
    self_approval: str = ""
    approvals: list[ApprovalRequest] = field(default_factory=list)
    champion: ModelVersion | None = None
    deployment: Deployment | None = None
    traffic: list[tuple[str, Counter[str]]] = field(default_factory=list)
    drift_shares: list[tuple[str, float | None]] = field(default_factory=list)
    alert: Alert | None = None
    retrain: RetrainRun | None = None
    candidate: ModelVersion | None = None
    rollout: Rollout | None = None


# -- preparing -----------------------------------------------------------------


def generate(story: Story) -> None:
    frame = data.make_churn_data()
    story.train, story.holdout = data.split(frame)


def set_rules(story: Story, cast: Cast) -> None:
    """The demo's people and the policy guarding ``champion`` (published again only if it changed)."""
    story.users_created = cast.enrol()
    admin = cast.admin
    try:
        current = admin.get_policy(POLICY)
    except NotFoundError:
        current = None
    if current is None or current.source != POLICY_YAML:
        current = admin.publish_policy(POLICY_YAML)
    story.policy_version = current.version


# -- registering and validating ---------------------------------------------------


def register(story: Story, cast: Cast, algorithm: str) -> Registered:
    assert story.train is not None and story.holdout is not None
    model = training.fit(story.train, algorithm)
    version = cast[SCIENTIST].register(
        model,
        MODEL,
        input_example=data.features(story.holdout).head(20),
        metrics=training.evaluate(model, story.holdout),
        params=training.params(model, algorithm),
        tags={"demo": "true"},
        description=f"Demo: {training.ALGORITHMS[algorithm]} on a generated churn table.",
        training_data=story.train,
        evaluation_data=story.holdout,
    )
    registered = Registered(version, training.ALGORITHMS[algorithm])
    story.registered.append(registered)
    return registered


def validate(story: Story, cast: Cast, registered: Registered) -> None:
    assert story.holdout is not None
    registered.validation = cast[SCIENTIST].validate(
        registered.version.ref, story.holdout, data.TARGET, suite=SUITE
    )


# -- governance ------------------------------------------------------------------


def try_promote(story: Story, cast: Cast, registered: Registered) -> None:
    """The operator tries to make the weak version champion; the policy refuses (as it must)."""
    version = registered.version
    try:
        cast[OPERATOR].set_alias(MODEL, ALIAS, version.version, reason="demo: can the weak model serve?")
    except PolicyViolationError as exc:
        unmet = "; ".join(exc.unmet)
        story.refusal = f"{exc}" + (f" Unmet: {unmet}" if unmet else "")
        registered.outcome = "refused by the policy"
        return
    raise StewardError(
        f"The policy {POLICY} let {version.ref} become {ALIAS} although its validation failed; "
        "the demo expected a refusal."
    )


def approve(story: Story, cast: Cast, registered: Registered) -> None:
    """The data scientist asks; she may not approve her own request; two reviewers approve."""
    ref = registered.version.ref
    request = cast[SCIENTIST].request_approval(ref, ALIAS, reason="demo: passes validation, AUC above 0.75")
    try:
        cast[SCIENTIST].approve(request.id, comment="my own model, looks good")
    except PermissionDeniedError as exc:
        story.self_approval = str(exc)
    for reviewer in REVIEWERS:
        request = cast[reviewer].approve(request.id, comment=f"{reviewer}: read the validation report")
    story.approvals.append(request)


def promote(story: Story, cast: Cast, registered: Registered) -> None:
    version = registered.version
    cast[OPERATOR].set_alias(MODEL, ALIAS, version.version, reason="demo: approved by two reviewers")
    story.champion = cast[OPERATOR].get(f"{MODEL}@{ALIAS}")
    registered.outcome = f"{ALIAS}"


def deploy(story: Story, cast: Cast) -> None:
    """``churn-demo-api`` routes all traffic to whatever ``champion`` points at."""
    operator = cast[OPERATOR]
    routes = {f"{MODEL}@{ALIAS}": 100}
    try:
        current = operator.get_deployment(DEPLOYMENT)
    except NotFoundError:
        current = None
    if current is None:
        story.deployment = operator.create_deployment(
            DEPLOYMENT, routes, description="The demo's churn scoring API.", reason="demo: first deploy"
        )
        return
    target = tuple((str(r.ref), r.weight) for r in current.spec.routes)
    if target != ((f"{MODEL}@{ALIAS}", 100.0),) or current.spec.shadows:
        current = operator.update_deployment(
            DEPLOYMENT, routes, description="The demo's churn scoring API.", reason="demo: serve champion"
        )
    story.deployment = current


def watch(story: Story, cast: Cast) -> None:
    """The champion's reference profile, windows of ``WINDOW_ROWS`` rows, and the drift alert rule."""
    assert story.champion is not None and story.holdout is not None
    cast[SCIENTIST].set_reference(
        story.champion.ref, data.features(story.holdout), labels=story.holdout[data.TARGET]
    )
    operator = cast[OPERATOR]
    operator.configure_monitoring(DEPLOYMENT, window=f"rows:{WINDOW_ROWS}")
    operator.set_alert_rule(
        ALERT_RULE,
        "drift.share",
        ">=",
        0.5,
        deployment=DEPLOYMENT,
        description="Half the input features drifted in a window: retrain.",
    )


# -- production ------------------------------------------------------------------


def serve_traffic(story: Story, cast: Cast, server: InferenceServer, *, drifted: bool) -> None:
    """Send one window of traffic (normal or drifted), then run monitoring over it."""
    seed = data.DRIFTED_SEED if drifted else data.TRAFFIC_SEED
    rows = data.features(data.make_churn_data(WINDOW_ROWS, seed, drifted=drifted))
    story.traffic.append(("drifted" if drifted else "normal", server.send(rows)))
    server.wait_logged()
    operator = cast[OPERATOR]
    operator.run_monitoring(DEPLOYMENT)
    assert story.champion is not None
    shares = operator.figures(DEPLOYMENT, "drift.share", version=story.champion.ref)
    if shares:
        story.drift_shares.append(("drifted" if drifted else "normal", shares[-1].value))
    if drifted:
        firing = [
            a
            for a in operator.alerts(deployment=DEPLOYMENT, status="firing")
            if a.rule == ALERT_RULE and a.version == story.champion.ref
        ]
        if not firing:
            raise StewardError(
                f"The drift alert did not fire on {story.champion.ref} "
                f"(drift share {story.drift_shares[-1][1] if story.drift_shares else 'unknown'})."
            )
        story.alert = firing[0]
