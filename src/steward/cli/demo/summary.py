"""The demo's closing summary: what happened, as tables read from the :class:`Story`."""

from __future__ import annotations

from typing import Any

from steward.cli.demo.story import ALIAS, DEPLOYMENT, MODEL, POLICY, Story
from steward.cli.output import cell, show, table


def versions_table(story: Story) -> Any:
    grid = table("version", "algorithm", "auc", "validation", "what happened", title=f"Versions of {MODEL}")
    for item in story.registered:
        run = item.validation
        if run is None:
            verdict = "-"
        elif run.passed:
            verdict = "passed"
        else:
            verdict = "FAILED: " + ", ".join(run.failed)
        grid.add_row(
            cell(item.version.ref), cell(item.algorithm), cell(item.version.metrics.get("auc")),
            cell(verdict), cell(item.outcome),
        )  # fmt: skip
    return grid


def approvals_table(story: Story) -> Any:
    grid = table("request", "version", "target", "requested by", "decided by", "status", title="Approvals")
    for request in story.approvals:
        deciders = ", ".join(f"{d.reviewer} ({d.decision.value})" for d in request.decisions)
        grid.add_row(
            cell(f"#{request.id}"), cell(request.ref), cell(request.target), cell(request.requested_by),
            cell(deciders), cell(request.status),
        )  # fmt: skip
    return grid


def production_table(story: Story) -> Any:
    grid = table("traffic", "rows answered by", "drift.share", title=f"Deployment {DEPLOYMENT}")
    shares = dict(story.drift_shares)
    for phase, answered in story.traffic:
        by = ", ".join(f"{version}: {rows}" for version, rows in sorted(answered.items()))
        grid.add_row(cell(phase), cell(by), cell(shares.get(phase)))
    return grid


def retrain_line(story: Story) -> str:
    run = story.retrain
    if run is None:
        return ""
    verdict = {True: "passed", False: "failed", None: "not run"}[run.validation_passed]
    return (
        f"[bold]Retraining run #{run.id}[/bold] ({cell(run.trigger)}: {cell(run.trigger_detail)}) "
        f"{cell(run.state)}: trained {cell(run.candidate)} from {cell(run.parent)}, validation run "
        f"#{cell(run.validation_run)} against the champion {verdict}; {cell(run.outcome)}"
    )


def rollout_table(story: Story) -> Any:
    rollout = story.rollout
    if rollout is None:
        return None
    title = f"Canary of {rollout.challenger} on {DEPLOYMENT}: {rollout.state}"
    grid = table("at (UTC)", "event", "weight", "why", title=title)
    for event in rollout.history:
        grid.add_row(cell(event.at), cell(event.kind), cell(f"{event.weight:g}%"), cell(event.reason))
    return grid


def render(story: Story) -> None:
    """Print every table, and the refusals the governance rules produced."""
    show(versions_table(story))
    if story.refusal:
        show(f"[bold]Refused by policy {POLICY}[/bold] (v{story.policy_version}):", cell(story.refusal))
    if story.self_approval:
        show("[bold]Separation of duties[/bold]: " + cell(story.self_approval))
    show(approvals_table(story), production_table(story))
    alert = story.alert
    if alert is not None:
        show(
            f"[bold red]Alert #{alert.id} fired[/bold red]: rule {cell(alert.rule)} "
            f"on {cell(alert.version)}, {cell(alert.figure)} = {cell(alert.value)} ({cell(alert.severity)})"
        )
    if retrain_line(story):
        show(retrain_line(story))
    canary = rollout_table(story)
    if canary is not None:
        show(canary)
    deployment = story.deployment
    if deployment is not None:
        routes = ", ".join(f"{r.ref} {r.weight:g}%" for r in deployment.spec.routes)
        show(f"[bold]{DEPLOYMENT}[/bold] revision {deployment.revision}: {cell(routes)}")
    if story.champion is not None:
        show(f"[bold]{MODEL}@{ALIAS}[/bold] now points to {cell(story.champion.ref)}.")
