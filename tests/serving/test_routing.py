"""Weighted, sticky and pinned routing."""

from __future__ import annotations

import collections

import httpx
import pytest

from steward.serving.routing import RoutingTable, Served
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_tensor

INFER = "/v2/models/churn-api/infer"


@pytest.mark.anyio
async def test_a_10_percent_canary_receives_10_percent_of_10000_requests(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 90, "digits/2": 10})
    app = build_app(resolver, registry.loader(), seed=11)
    assert app.runtime.refresh()
    body = {"instances": [[0.1, 0.2, 0.3, 0.4]]}
    counts: collections.Counter[str] = collections.Counter()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for _ in range(10_000):
            response = await client.post("/invocations", json=body)
            counts[response.headers["steward-model-version"]] += 1
    assert sum(counts.values()) == 10_000 and set(counts) == {"digits/1", "digits/2"}
    assert abs(counts["digits/2"] / 10_000 - 0.10) <= 0.02, counts  # the tolerance: 10% +- 2%


def _table(registry: Registry, weights: dict[str, float]) -> RoutingTable:
    model = object()
    routes = [Served(ref, registry.version(ref), model, w) for ref, w in weights.items()]  # type: ignore[arg-type]
    return RoutingTable("churn-api", routes, sticky_header="X-User")


def test_pick_follows_cumulative_weights(registry: Registry) -> None:
    table = _table(registry, {"churn/1": 25, "churn/2": 75})
    assert table.pick(0.0).label == "churn/1"
    assert table.pick(0.2499).label == "churn/1"
    assert table.pick(0.25).label == "churn/2"
    assert table.pick(0.9999).label == "churn/2"
    zero = _table(registry, {"churn/1": 100, "churn/2": 0})
    assert {zero.pick(u / 100).label for u in range(100)} == {"churn/1"}
    assert zero.pinned("2").label == "churn/2"  # a zero-weight route still answers when pinned


def test_sticky_keys_keep_their_version_and_a_weight_change_moves_a_proportional_share(
    registry: Registry,
) -> None:
    before = _table(registry, {"churn/1": 90, "churn/2": 10})
    keys = [f"user-{i}".encode() for i in range(4000)]
    first = {k: before.sticky(k).label for k in keys}
    assert all(before.sticky(k).label == first[k] for k in keys[:500])  # the same key, the same version
    share = sum(v == "churn/2" for v in first.values()) / len(keys)
    assert 0.08 <= share <= 0.12, share
    after = _table(registry, {"churn/1": 80, "churn/2": 20})
    second = {k: after.sticky(k).label for k in keys}
    moved = [k for k in keys if first[k] != second[k]]
    assert all(first[k] == "churn/1" and second[k] == "churn/2" for k in moved)  # only toward the new weight
    assert 0.08 <= len(moved) / len(keys) <= 0.14, len(moved)


@pytest.mark.anyio
async def test_sticky_header_routes_each_key_to_one_version(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 50, "digits/2": 50}, sticky_header="X-User")
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    seen: dict[str, set[str]] = collections.defaultdict(set)
    body = oip_tensor(1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for _ in range(3):
            for user in range(40):
                r = await client.post(INFER, json=body, headers={"X-User": f"u{user}"})
                assert r.status_code == 200
                seen[f"u{user}"].add(r.json()["model_version"])
    assert all(len(versions) == 1 for versions in seen.values()), seen
    assert {v for versions in seen.values() for v in versions} == {"digits/1", "digits/2"}
