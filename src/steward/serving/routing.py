"""Which loaded version answers a request: weighted random, sticky, or pinned.

A :class:`RoutingTable` is immutable and built off the request path; the
server swaps whole tables (one reference assignment), so a request keeps the
table it started with.

- **Weighted random**: cumulative weights are computed once; a pick is one
  ``bisect`` over them.
- **Sticky**: weighted rendezvous (highest random weight) hashing of the
  header value over the routes, keyed by each route's *ref*
  (``churn@champion``): a key stays on its route while the weights stay, an
  alias move changes the version behind the route but not the key's route,
  and a weight change moves only the share of keys it must.
- **Pinned**: ``/versions/{v}`` names one version the deployment serves.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from steward.core.deployment import Batching
from steward.core.errors import NotFoundError
from steward.core.registry import ModelVersion
from steward.core.signature import Signature

_TWO_64 = float(1 << 64)


class ServedModel(Protocol):
    """What the server needs of a loaded model (``LoadedModel`` fits); ``predict_proba`` is optional."""

    def predict(self, data: Any) -> Any: ...


def has_proba(model: ServedModel) -> bool:
    """Whether *model* answers ``predict_proba`` (a ``LoadedModel`` asks the predictor behind it)."""
    inner = getattr(model, "predictor", model)
    return callable(getattr(inner, "predict_proba", None))


@dataclass(frozen=True)
class Served:
    """One route of a table: the version that answers, its loaded model and its share."""

    ref: str
    version: ModelVersion
    model: ServedModel
    weight: float
    fallback_for: str | None = None
    label: str = field(init=False)
    label_bytes: bytes = field(init=False)
    has_proba: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", self.version.ref)
        object.__setattr__(self, "label_bytes", self.version.ref.encode())
        object.__setattr__(self, "has_proba", has_proba(self.model))

    @property
    def signature(self) -> Signature | None:
        return self.version.signature


class RoutingTable:
    """The routes of one resolved deployment, ready to pick from."""

    def __init__(
        self,
        deployment: str,
        routes: Sequence[Served],
        *,
        marker: object = None,
        revision: int | None = None,
        sticky_header: str | None = None,
        log_sample_rate: float = 1.0,
        shadows: Sequence[Served] = (),
        batching: Batching | None = None,
    ) -> None:
        live = [r for r in routes if r.weight > 0]
        if not live:
            raise ValueError("a routing table needs a route with a positive weight")
        self.deployment = deployment
        self.routes = tuple(routes)
        self.marker = marker
        #: The deployment revision this table serves (None for tables built by hand).
        self.revision = revision
        self.sticky_header = sticky_header.lower().encode("latin-1") if sticky_header else None
        self.log_sample_rate = log_sample_rate
        #: Versions that get a copy of each request off the request path; they never answer.
        self.shadows = tuple(shadows)
        #: The deployment's batching when it is on, else None (requests go straight to the model).
        self.batching = batching if batching is not None and batching.enabled else None
        self._live = tuple(live)
        total = sum(r.weight for r in live)
        running = 0.0
        cumulative = []
        for route in live:
            running += route.weight / total
            cumulative.append(running)
        cumulative[-1] = 1.0
        self._cumulative = cumulative
        self._salts = tuple(r.ref.encode() + b"\x00" for r in live)
        self._by_number: dict[str, Served] = {}
        for route in self.routes:
            self._by_number.setdefault(str(route.version.version), route)

    @property
    def versions(self) -> list[str]:
        """The version numbers served, as ``/versions/{v}`` takes them."""
        return list(self._by_number)

    def pick(self, u: float) -> Served:
        """The route for a uniform random number *u* in [0, 1)."""
        if len(self._live) == 1:
            return self._live[0]
        return self._live[bisect_right(self._cumulative, u)]

    def sticky(self, key: bytes) -> Served:
        """The route for *key*: weighted rendezvous hashing, stable across tables with the same refs."""
        if len(self._live) == 1:
            return self._live[0]
        best = self._live[0]
        best_score = -math.inf
        for route, salt in zip(self._live, self._salts, strict=True):
            digest = hashlib.blake2b(salt + key, digest_size=8).digest()
            unit = (int.from_bytes(digest, "big") + 0.5) / _TWO_64  # in (0, 1)
            score = -route.weight / math.log(unit)
            if score > best_score:
                best, best_score = route, score
        return best

    def pinned(self, version: str) -> Served:
        """The route serving version number *version*; NotFoundError if the deployment does not serve it."""
        route = self._by_number.get(version)
        if route is None:
            served = ", ".join(r.version.ref for r in self.routes)
            raise NotFoundError(
                f"Deployment {self.deployment!r} does not serve version {version!r}; it serves {served}."
            )
        return route
