from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.core.errors import InvalidInputError
from steward.core.search import (
    BoolOp,
    Comparison,
    Field,
    Not,
    decode_page_token,
    encode_page_token,
    parse_filter,
    parse_order_by,
)


def test_blank_filter_means_no_filter() -> None:
    assert parse_filter(None) is None
    assert parse_filter("   ") is None


def test_full_grammar() -> None:
    node = parse_filter(
        "name LIKE 'churn%' AND tags.team = 'risk' AND (metrics.auc >= 0.8 OR version IN (1, 2)) "
        "AND NOT alias = 'x' and created_at > '2026-01-01'"
    )
    assert isinstance(node, BoolOp) and node.op == "AND"
    assert node.items[0] == Comparison(Field("attr", "name"), "LIKE", "churn%")
    assert node.items[1] == Comparison(Field("tag", "team"), "=", "risk")
    inner = node.items[2]
    assert isinstance(inner, BoolOp) and inner.op == "OR"
    assert inner.items[0] == Comparison(Field("metric", "auc"), ">=", 0.8)
    assert inner.items[1] == Comparison(Field("attr", "version"), "IN", (1, 2))
    assert node.items[3] == Not(Comparison(Field("attr", "alias"), "=", "x"))
    assert node.items[4] == Comparison(Field("attr", "created_at"), ">", datetime(2026, 1, 1, tzinfo=UTC))


def test_quotes_and_escapes_are_literal() -> None:
    node = parse_filter("tags.note = 'it''s'")
    assert node == Comparison(Field("tag", "note"), "=", "it's")
    node = parse_filter("""tags.q = "'); DROP TABLE x; --" """)
    assert node == Comparison(Field("tag", "q"), "=", "'); DROP TABLE x; --")


def test_backticked_keys_and_not_in() -> None:
    node = parse_filter("tags.`my key` NOT IN ('a', 'b')")
    assert node == Comparison(Field("tag", "my key"), "NOT IN", ("a", "b"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name", "ends too early"),
        ("foo = 1", "unknown field 'foo'"),
        ("metrics.auc = 'x'", "compares with a number"),
        ("version = 1.5", "whole number"),
        ("name = 'a' AND", "ends too early"),
        ("name LIKE 'x' ; DROP", "unexpected"),
        ("created_at > 'yesterday'", "ISO 8601"),
        ("version LIKE '1%'", "LIKE works on text"),
        ("(name = 'a'", "ends too early"),
        ("name = 'a')", "unexpected ')'"),
        ("bogus.key = 1", "unknown field"),
    ],
)
def test_bad_filters_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match="Bad filter") as info:
        parse_filter(text)
    assert fragment in str(info.value)


def test_models_filter_refuses_metrics() -> None:
    with pytest.raises(InvalidInputError, match="no metrics"):
        parse_filter("metrics.auc > 0.5", "models")
    assert parse_filter("tags.team = 'a'", "models") == Comparison(Field("tag", "team"), "=", "a")


def test_order_by() -> None:
    keys = parse_order_by(["metrics.auc DESC", "created_at"])
    assert keys[0].field == Field("metric", "auc") and keys[0].descending
    assert keys[1].field == Field("attr", "created_at") and not keys[1].descending
    assert parse_order_by(None)[0].descending  # newest first by default
    with pytest.raises(InvalidInputError, match="Bad order_by"):
        parse_order_by("nonsense DESC")
    with pytest.raises(InvalidInputError, match="Bad order_by"):
        parse_order_by("name SIDEWAYS")


@given(st.integers(min_value=0, max_value=10**9))
def test_page_tokens_round_trip(offset: int) -> None:
    assert decode_page_token(encode_page_token(offset)) == offset


@pytest.mark.parametrize("token", ["!!!", "eHl6", encode_page_token(1)[:-1] + "A"])
def test_bad_page_tokens(token: str) -> None:
    with pytest.raises(InvalidInputError, match="page token"):
        decode_page_token(token)
