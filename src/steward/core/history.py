"""Point-in-time answers: what an alias pointed to, or what a deployment served, at time T."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from steward.core.deployment import Deployment
from steward.core.registry import AliasEvent


@dataclass(frozen=True)
class AliasAt:
    """Where ``model@alias`` pointed at ``at``, and the move that put it there (None if never set)."""

    model: str
    alias: str
    at: datetime
    version: int | None
    event: AliasEvent | None


@dataclass(frozen=True)
class RouteAt:
    """One route of a deployment revision, with the version it meant at the time asked."""

    ref: str
    weight: float
    version: int | None


@dataclass(frozen=True)
class DeploymentAt:
    """The revision of a deployment in force at ``at`` (None before it existed), routes resolved then."""

    name: str
    at: datetime
    revision: Deployment | None
    routes: tuple[RouteAt, ...] = ()
    shadows: tuple[RouteAt, ...] = ()


def event_at(history: list[AliasEvent], at: datetime) -> AliasEvent | None:
    """The last move in *history* (oldest first) made at or before *at*."""
    found = None
    for event in history:
        if event.at > at:
            break
        found = event
    return found


def revision_at(history: list[Deployment], at: datetime) -> Deployment | None:
    """The last revision in *history* (oldest first) created at or before *at*."""
    found = None
    for revision in history:
        if revision.created_at > at:
            break
        found = revision
    return found
