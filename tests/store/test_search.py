"""Contract: the search language compiled to SQL, on SQLite and PostgreSQL.

One small catalogue is seeded per backend and module; every case runs on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from steward.core.errors import InvalidInputError
from steward.core.search import Comparison, Field, Node, Not, OrderKey, parse_filter, parse_order_by
from steward.store import SqlStore, open_store

from .builders import T0, create, day, draft, register

DROP = "'); DROP TABLE model_versions; --"

# name -> (tags, metrics, params, flavor, created_by, description)
CATALOGUE = {
    "churn/1": (
        {"stage": "dev", "team": "risk"},
        {"auc": 0.7},
        {"depth": "3"},
        "sklearn",
        "alice",
        "baseline",
    ),
    "churn/2": (
        {"stage": "prod", "note": "it's 50% done"},
        {"auc": 0.85, "f1": 0.6},
        {"depth": "5", "pattern": "a*b[1]?"},
        "xgboost",
        "bob",
        "",
    ),
    "churn/3": ({"stage": "retired"}, {"auc": 0.9}, {}, "sklearn", "alice", ""),
    "churn/4": ({}, {}, {}, "onnx", "carol", DROP),
    "fraud-detector/1": (
        {"stage": "prod", "team": "fraud"},
        {"auc": 0.95, "f1": 0.7},
        {},
        "lightgbm",
        "bob",
        "",
    ),
    "fraud-detector/2": ({"stage": "dev"}, {"auc": 0.5}, {"pattern": "aXb1Z"}, "sklearn", "alice", ""),
    "Churn_EU/1": ({"Stage": "Prod", "season": "ÉTÉ"}, {}, {}, "sklearn", "alice", "Le modèle"),
}
ALL = list(CATALOGUE)
MINUS_FIVE = timezone(timedelta(hours=-5))
NEWEST_FIRST = ALL[::-1]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search')}/steward.db"
    else:
        create_database: Callable[[], str] = request.getfixturevalue("create_pg_database")
        url = create_database()
    store = open_store(url)
    with store.write() as tx:
        create(tx, "churn", description="Predicts churn", owner="risk-team", tags={"team": "risk"}, at=T0)
        create(tx, "fraud-detector", owner="fraud-team", tags={"team": "fraud"}, at=day(0.5))
        create(tx, "Churn_EU", description="Le churn", owner="risk-team", at=day(0.7))
        for i, (ref, (tags, metrics, params, flavor, by, text)) in enumerate(CATALOGUE.items(), start=1):
            name = ref.split("/")[0]
            version = draft(
                name, i, tags=tags, metrics=metrics, params=params, flavor=flavor, description=text
            )
            register(tx, version, by=by, at=day(i))
        tx.models.set_alias("churn", "champion", 2, actor="a", at=T0, reason="")
        tx.models.set_alias("churn", "challenger", 3, actor="a", at=T0, reason="")
        tx.models.set_alias("fraud-detector", "champion", 1, actor="a", at=T0, reason="")
    yield store
    store.close()


def refs(
    store: SqlStore,
    node: str | Node | None,
    order_by: list[str] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[str]:
    parsed = parse_filter(node) if isinstance(node, str) else node
    with store.read() as tx:
        found = tx.models.search_versions(parsed, parse_order_by(order_by), offset, limit)
    return [v.ref for v in found]


def only(*wanted: str) -> list[str]:
    return [r for r in NEWEST_FIRST if r in wanted]


def but(*unwanted: str) -> list[str]:
    return [r for r in NEWEST_FIRST if r not in unwanted]


VERSION_CASES = [
    # attributes
    ("name = 'churn'", only("churn/1", "churn/2", "churn/3", "churn/4")),
    ("name != 'churn'", only("fraud-detector/1", "fraud-detector/2", "Churn_EU/1")),
    ("name LIKE 'churn%'", only("churn/1", "churn/2", "churn/3", "churn/4")),
    ("name LIKE 'Churn%'", only("Churn_EU/1")),
    ("name LIKE 'CHURN%'", []),
    ("name ILIKE 'CHURN%'", only("churn/1", "churn/2", "churn/3", "churn/4", "Churn_EU/1")),
    ("name LIKE 'Churn_EU'", only("Churn_EU/1")),
    ("name LIKE '_hurn'", only("churn/1", "churn/2", "churn/3", "churn/4")),
    ("name LIKE 'churn_%'", []),
    ("name LIKE 'Churn\\\\_E_'", only("Churn_EU/1")),
    ("name LIKE 'Churn\\\\%'", []),
    ("version = 2", only("churn/2", "fraud-detector/2")),
    ("version > 2", only("churn/3", "churn/4")),
    ("version IN (1, 3)", only("churn/1", "churn/3", "fraud-detector/1", "Churn_EU/1")),
    ("version NOT IN (1, 2, 3)", only("churn/4")),
    ("flavor = 'sklearn' OR flavor = 'xgboost'", but("churn/4", "fraud-detector/1")),
    ("flavor != 'sklearn'", only("churn/2", "churn/4", "fraud-detector/1")),
    ("NOT flavor = 'sklearn'", only("churn/2", "churn/4", "fraud-detector/1")),
    ("NOT (flavor = 'sklearn' OR name = 'churn')", only("fraud-detector/1")),
    ("(flavor = 'sklearn' OR flavor = 'onnx') AND name = 'churn'", only("churn/1", "churn/3", "churn/4")),
    (
        "flavor = 'sklearn' OR flavor = 'onnx' AND name = 'churn'",
        only("churn/1", "churn/3", "churn/4", "fraud-detector/2", "Churn_EU/1"),
    ),
    ("created_by = 'bob'", only("churn/2", "fraud-detector/1")),
    ("description ILIKE '%MODÈLE%'", only("Churn_EU/1")),
    (f"description = '{DROP.replace(chr(39), chr(39) * 2)}'", only("churn/4")),
    (f"name = '{DROP.replace(chr(39), chr(39) * 2)}'", []),
    (f"artifact_digest = '{draft('x', 3).artifact_digest}'", only("churn/3")),
    (f"created_at > '{day(5).isoformat()}'", only("fraud-detector/2", "Churn_EU/1")),
    (f"created_at >= '{day(5).isoformat()}'", only("fraud-detector/1", "fraud-detector/2", "Churn_EU/1")),
    (
        f"created_at <= '{day(5).astimezone(timezone(timedelta(hours=-5))).isoformat()}'",
        but("fraud-detector/2", "Churn_EU/1"),
    ),
    ("created_at < '2020-01-01'", []),
    # aliases
    ("alias = 'champion'", only("churn/2", "fraud-detector/1")),
    ("alias != 'champion'", but("churn/2", "fraud-detector/1")),
    ("alias IN ('champion', 'challenger')", only("churn/2", "churn/3", "fraud-detector/1")),
    ("alias NOT IN ('champion', 'challenger')", but("churn/2", "churn/3", "fraud-detector/1")),
    ("alias LIKE 'chal%'", only("churn/3")),
    ("alias = 'champion' AND name = 'churn'", only("churn/2")),
    # tags
    ("tags.stage = 'prod'", only("churn/2", "fraud-detector/1")),
    ("tags.stage != 'prod'", only("churn/1", "churn/3", "fraud-detector/2")),
    ("NOT tags.stage = 'prod'", but("churn/2", "fraud-detector/1")),
    ("tags.stage IN ('dev', 'retired')", only("churn/1", "churn/3", "fraud-detector/2")),
    ("tags.stage NOT IN ('dev', 'retired')", only("churn/2", "fraud-detector/1")),
    ("tags.stage LIKE 'pro%'", only("churn/2", "fraud-detector/1")),
    ("tags.Stage LIKE 'pro%'", []),
    ("tags.Stage ILIKE 'pro%'", only("Churn_EU/1")),
    ("tags.stage < 'p'", only("churn/1", "fraud-detector/2")),
    ("tags.team = 'risk' AND tags.stage = 'dev'", only("churn/1")),
    ("tags.`team` = 'risk' OR tags.team = 'fraud'", only("churn/1", "fraud-detector/1")),
    ("tags.note = 'it''s 50% done'", only("churn/2")),
    ("tags.note LIKE '%50\\\\%%'", only("churn/2")),
    ("tags.note LIKE '%50\\\\%x%'", []),
    ("tags.season ILIKE 'été'", only("Churn_EU/1")),
    ("tags.season LIKE 'été'", []),
    ("tags.missing = 'x'", []),
    # metrics
    ("metrics.auc >= 0.85", only("churn/2", "churn/3", "fraud-detector/1")),
    ("metrics.auc < 0.7", only("fraud-detector/2")),
    ("metrics.auc <= 0.7", only("churn/1", "fraud-detector/2")),
    ("metrics.auc = 0.9", only("churn/3")),
    ("metrics.auc != 0.9", only("churn/1", "churn/2", "fraud-detector/1", "fraud-detector/2")),
    ("metrics.auc IN (0.5, 0.9)", only("churn/3", "fraud-detector/2")),
    ("metrics.auc NOT IN (0.5, 0.9)", only("churn/1", "churn/2", "fraud-detector/1")),
    ("metrics.f1 > 0.65", only("fraud-detector/1")),
    ("metrics.auc > 0.8 AND metrics.f1 > 0", only("churn/2", "fraud-detector/1")),
    # params: GLOB/LIKE special characters are literal
    ("params.depth = '5'", only("churn/2")),
    ("params.depth > '3'", only("churn/2")),
    ("params.pattern LIKE 'a*b[1]?'", only("churn/2")),
    ("params.pattern LIKE 'a*b%'", only("churn/2")),
    ("params.pattern LIKE 'a_b1_'", only("fraud-detector/2")),
]


@pytest.mark.parametrize(("text", "expected"), VERSION_CASES, ids=[c[0] for c in VERSION_CASES])
def test_version_filter(catalogue: SqlStore, text: str, expected: list[str]) -> None:
    assert refs(catalogue, text) == expected


def test_sql_in_a_value_is_only_a_value(catalogue: SqlStore) -> None:
    assert refs(catalogue, Comparison(Field("tag", "stage'; DROP TABLE aliases; --"), "=", DROP)) == []
    assert refs(catalogue, Comparison(Field("attr", "description"), "LIKE", "%DROP TABLE%")) == ["churn/4"]
    with catalogue.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"model_versions", "aliases", "version_tags"} <= tables
    assert len(refs(catalogue, None)) == len(ALL)


ORDER_CASES = [
    (None, NEWEST_FIRST),
    (["created_at"], ALL),
    (
        ["metrics.auc DESC"],
        ["fraud-detector/1", "churn/3", "churn/2", "churn/1", "fraud-detector/2", "Churn_EU/1", "churn/4"],
    ),
    (
        ["metrics.auc"],
        ["fraud-detector/2", "churn/1", "churn/2", "churn/3", "fraud-detector/1", "churn/4", "Churn_EU/1"],
    ),
    (
        ["metrics.f1 DESC", "metrics.auc"],
        ["fraud-detector/1", "churn/2", "fraud-detector/2", "churn/1", "churn/3", "churn/4", "Churn_EU/1"],
    ),
    (
        ["name", "version DESC"],  # code-point order: upper case first
        ["Churn_EU/1", "churn/4", "churn/3", "churn/2", "churn/1", "fraud-detector/2", "fraud-detector/1"],
    ),
    (
        ["flavor", "created_by DESC"],
        ["fraud-detector/1", "churn/4", "Churn_EU/1", "fraud-detector/2", "churn/3", "churn/1", "churn/2"],
    ),
]


@pytest.mark.parametrize(("order_by", "expected"), ORDER_CASES, ids=[str(c[0]) for c in ORDER_CASES])
def test_version_order(catalogue: SqlStore, order_by: list[str] | None, expected: list[str]) -> None:
    assert refs(catalogue, None, order_by) == expected


@pytest.mark.parametrize("order_by", [["flavor"], ["metrics.f1 DESC"], ["created_by"]])
def test_pages_cover_everything_once_even_with_ties(catalogue: SqlStore, order_by: list[str]) -> None:
    whole = refs(catalogue, None, order_by)
    pages = [refs(catalogue, None, order_by, offset, 2) for offset in range(0, 8, 2)]
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [ref for page in pages for ref in page] == whole
    assert refs(catalogue, None, order_by) == whole  # stable between calls


def test_version_filter_and_page(catalogue: SqlStore) -> None:
    assert refs(catalogue, "name = 'churn'", ["version"], 1, 2) == ["churn/2", "churn/3"]
    assert refs(catalogue, "name = 'churn'", ["version"], 10, 2) == []


@pytest.mark.parametrize(
    "node",
    [
        Comparison(Field("attr", "version"), "=", "two"),
        Comparison(Field("attr", "version"), "LIKE", "1%"),
        Comparison(Field("attr", "created_at"), ">", "yesterday"),
        Comparison(Field("metric", "auc"), ">", "high"),
        Comparison(Field("metric", "auc"), ">", True),
        Comparison(Field("tag", "stage"), "=", 1),
        Comparison(Field("tag", "stage"), "IN", "prod"),
        Comparison(Field("tag", "stage"), "IN", ()),
        Comparison(Field("tag", "stage"), "=", ("prod",)),
        Comparison(Field("tag", "stage"), "=", "a\x00b"),
        Comparison(Field("tag", "st\x00age"), "=", "prod"),
    ],
    ids=repr,
)
def test_ill_typed_filters_are_refused_alike(catalogue: SqlStore, node: Comparison) -> None:
    with pytest.raises(InvalidInputError, match="Bad filter"):
        refs(catalogue, node)


def test_bad_pages_and_orders_are_refused(catalogue: SqlStore) -> None:
    with catalogue.read() as tx:
        with pytest.raises(InvalidInputError, match="offset"):
            tx.models.search_versions(None, (), -1, 10)
        with pytest.raises(InvalidInputError, match="order"):
            tx.models.search_versions(None, (OrderKey(Field("attr", "alias"), False),), 0, 10)
        with pytest.raises(InvalidInputError, match="models have tags but no metrics"):
            tx.models.search_models(Not(Comparison(Field("metric", "auc"), ">", 1.0)), (), 0, 10)


MODEL_CASES = [
    (None, ["Churn_EU", "churn", "fraud-detector"]),
    ("name = 'churn'", ["churn"]),
    ("name ILIKE 'CHURN%'", ["Churn_EU", "churn"]),
    ("name LIKE 'churn%'", ["churn"]),
    ("owner = 'risk-team'", ["Churn_EU", "churn"]),
    ("description LIKE '%churn%'", ["Churn_EU", "churn"]),
    ("tags.team = 'risk'", ["churn"]),
    ("tags.team != 'risk'", ["fraud-detector"]),
    ("NOT tags.team = 'risk'", ["Churn_EU", "fraud-detector"]),
    ("alias = 'champion'", ["churn", "fraud-detector"]),
    ("alias = 'challenger' OR latest_version > 3", ["churn"]),
    ("alias != 'champion'", ["Churn_EU"]),
    ("latest_version = 2", ["fraud-detector"]),
    (f"created_at > '{T0.isoformat()}'", ["Churn_EU", "fraud-detector"]),
    (f"updated_at >= '{day(7).isoformat()}'", ["Churn_EU"]),
]


@pytest.mark.parametrize(("text", "expected"), MODEL_CASES, ids=[str(c[0]) for c in MODEL_CASES])
def test_model_filter(catalogue: SqlStore, text: str | None, expected: list[str]) -> None:
    with catalogue.read() as tx:
        found = tx.models.search_models(parse_filter(text, "models"), parse_order_by(None, "models"), 0, 10)
    assert [m.name for m in found] == expected


def test_model_order_and_page(catalogue: SqlStore) -> None:
    def names(order_by: list[str], offset: int = 0, limit: int = 10) -> list[str]:
        with catalogue.read() as tx:
            found = tx.models.search_models(None, parse_order_by(order_by, "models"), offset, limit)
        return [m.name for m in found]

    assert names(["latest_version DESC", "name"]) == ["churn", "fraud-detector", "Churn_EU"]
    assert names(["owner", "created_at DESC"]) == ["fraud-detector", "Churn_EU", "churn"]
    assert names(["name DESC"], 1, 1) == ["churn"]


def test_search_returns_whole_versions(catalogue: SqlStore, tmp_path: Path) -> None:
    with catalogue.read() as tx:
        (found,) = tx.models.search_versions(parse_filter("name = 'churn' AND version = 2"), (), 0, 10)
        assert found == tx.models.get_version("churn", 2)
    assert found.params == {"depth": "5", "pattern": "a*b[1]?"}
    assert found.aliases == ("champion",)
