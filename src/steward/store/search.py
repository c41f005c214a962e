"""Compile the search AST (``steward.core.search``) into SQLAlchemy queries.

Every value is a bound parameter. Semantics, identical on SQLite and PostgreSQL:

- ``tags.K``, ``metrics.K``, ``params.K`` compare through ``EXISTS`` on the
  key/value tables: a version matches when it *has* the key and its value
  satisfies the comparison (``tags.stage != 'x'`` needs a ``stage`` tag;
  ``NOT tags.stage = 'x'`` also matches versions without one), as in MLflow.
- ``alias`` is the set of current aliases: ``alias = 'a'`` and ``alias IN``
  match when one of them does; ``alias != 'a'`` and ``alias NOT IN`` match
  when none does.
- ``LIKE`` is case-sensitive and ``ILIKE`` case-insensitive on both backends
  (Unicode-aware: Python's ``str.lower`` on SQLite, the database's default
  collation on PostgreSQL); ``%`` is any run of characters, ``_`` one character, ``\\`` makes
  the next character literal.
- Text compares and sorts by code point.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from steward.core.errors import InvalidInputError
from steward.core.search import MODEL_ATTRS, VERSION_ATTRS, Comparison, Field, Node, Not, OrderKey
from steward.store.schema import (
    aliases,
    model_tags,
    model_versions,
    registered_models,
    version_metrics,
    version_params,
    version_tags,
)

mv, rm = model_versions, registered_models

VERSION_COLUMNS: dict[str, ColumnElement[Any]] = {
    "name": rm.c.name,
    "version": mv.c.version,
    "flavor": mv.c.flavor,
    "created_at": mv.c.created_at,
    "created_by": mv.c.created_by,
    "description": mv.c.description,
    "artifact_digest": mv.c.artifact_digest,
}
MODEL_COLUMNS: dict[str, ColumnElement[Any]] = {
    "name": rm.c.name,
    "owner": rm.c.owner,
    "description": rm.c.description,
    "created_at": rm.c.created_at,
    "updated_at": rm.c.updated_at,
    "latest_version": rm.c.latest_version,
}
_VERSION_KV = {"tag": version_tags, "metric": version_metrics, "param": version_params}
_NEGATIVE = {"!=": "=", "NOT IN": "IN"}
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_ANY = object()  # LIKE's %
_ONE = object()  # LIKE's _


def _like_tokens(pattern: str) -> list[object]:
    """Literal characters and wildcards of a LIKE pattern (``\\`` escapes the next character)."""
    tokens: list[object] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            tokens.append(next(chars, "\\"))
        else:
            tokens.append(_ANY if ch == "%" else _ONE if ch == "_" else ch)
    return tokens


def _render_like(tokens: list[object]) -> str:
    specials = {"%", "_", "\\"}
    return "".join(
        "%" if t is _ANY else "_" if t is _ONE else ("\\" + str(t) if t in specials else str(t))
        for t in tokens
    )


def _render_glob(tokens: list[object]) -> str:
    return "".join(
        "*" if t is _ANY else "?" if t is _ONE else (f"[{t}]" if t in ("*", "?", "[") else str(t))
        for t in tokens
    )


def _like(column: ColumnElement[Any], pattern: str, insensitive: bool, dialect: str) -> ColumnElement[bool]:
    tokens = _like_tokens(pattern)
    if dialect == "sqlite":  # SQLite's LIKE ignores ASCII case; GLOB does not.
        if insensitive:
            tokens = [t.lower() if isinstance(t, str) else t for t in tokens]
            column = sa.func.steward_lower(column, type_=sa.Text())
        return column.op("GLOB", is_comparison=True)(_render_glob(tokens))
    rendered = _render_like(tokens)
    if insensitive:  # the columns' "C" collation folds ASCII only; the database default folds Unicode
        return column.collate("default").ilike(sa.literal(rendered, sa.Text()), escape="\\")
    return column.like(rendered, escape="\\")


def compare(column: ColumnElement[Any], op: str, value: Any, dialect: str) -> ColumnElement[bool]:
    """``column <op> value`` with *value* bound as a parameter."""
    if op in _OPERATORS:
        result: ColumnElement[bool] = _OPERATORS[op](column, value)
        return result
    if op == "IN":
        return column.in_(list(value))
    if op == "NOT IN":
        return column.not_in(list(value))
    if op in ("LIKE", "ILIKE"):
        if not isinstance(value, str):
            raise InvalidInputError(f"Bad filter: {op} needs a text pattern, got {value!r}.")
        return _like(column, value, op == "ILIKE", dialect)
    raise InvalidInputError(f"Bad filter: unknown operator {op!r}.")


_VALUE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "time": (datetime,),
}
_KV_TYPES = {"tag": "str", "param": "str", "metric": "float"}


def _checked(node: Comparison, type_: str) -> Comparison:
    """Refuse what the parser would never produce, so both backends fail alike (and early)."""
    if "\x00" in node.field.name:
        raise InvalidInputError("Bad filter: field names cannot contain NUL characters.")
    many = node.op in ("IN", "NOT IN")
    if many != isinstance(node.value, tuple) or (many and not node.value):
        raise InvalidInputError(
            f"Bad filter: {node.op} for {node.field} needs {'a list' if many else 'one value'}."
        )
    if node.op in ("LIKE", "ILIKE") and type_ != "str":
        raise InvalidInputError(f"Bad filter: {node.op} works on text fields, not {node.field}.")
    for value in node.value if isinstance(node.value, tuple) else (node.value,):
        if isinstance(value, bool) or not isinstance(value, _VALUE_TYPES[type_]):
            raise InvalidInputError(f"Bad filter: {node.field} cannot be compared with {value!r}.")
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInputError("Bad filter: values cannot contain NUL characters.")
    return node


Compiler = Callable[[Comparison], ColumnElement[bool]]


def _compile(node: Node, comparison: Compiler) -> ColumnElement[bool]:
    if isinstance(node, Comparison):
        return comparison(node)
    if isinstance(node, Not):
        return sa.not_(_compile(node.item, comparison))
    items = [_compile(item, comparison) for item in node.items]
    return sa.and_(*items) if node.op == "AND" else sa.or_(*items)


def _alias_match(owner: ColumnElement[bool], node: Comparison, dialect: str) -> ColumnElement[bool]:
    positive = _NEGATIVE.get(node.op)
    match = compare(aliases.c.alias, positive or node.op, node.value, dialect)
    found = sa.exists().where(owner, match)
    return ~found if positive else found


def version_filter(node: Node, dialect: str) -> ColumnElement[bool]:
    """The WHERE clause for a version search (over ``model_versions`` joined to its model)."""

    def comparison(node: Comparison) -> ColumnElement[bool]:
        field = node.field
        if field.kind == "attr":
            _checked(node, VERSION_ATTRS.get(field.name, "str"))
            if field.name == "alias":
                return _alias_match(aliases.c.version_id == mv.c.id, node, dialect)
            return compare(_column(VERSION_COLUMNS, field, "versions"), node.op, node.value, dialect)
        _checked(node, _KV_TYPES[field.kind])
        table = _VERSION_KV[field.kind]
        return sa.exists().where(
            table.c.version_id == mv.c.id,
            table.c.key == field.name,
            compare(table.c.value, node.op, node.value, dialect),
        )

    return _compile(node, comparison)


def model_filter(node: Node, dialect: str) -> ColumnElement[bool]:
    """The WHERE clause for a model search (over ``registered_models``)."""

    def comparison(node: Comparison) -> ColumnElement[bool]:
        field = node.field
        if field.kind == "attr":
            _checked(node, MODEL_ATTRS.get(field.name, "str"))
            if field.name == "alias":
                return _alias_match(aliases.c.model_id == rm.c.id, node, dialect)
            return compare(_column(MODEL_COLUMNS, field, "models"), node.op, node.value, dialect)
        if field.kind != "tag":
            raise InvalidInputError(f"Bad filter: models have tags but no {field.kind}s; search versions.")
        _checked(node, "str")
        return sa.exists().where(
            model_tags.c.model_id == rm.c.id,
            model_tags.c.key == field.name,
            compare(model_tags.c.value, node.op, node.value, dialect),
        )

    return _compile(node, comparison)


def _column(columns: dict[str, ColumnElement[Any]], field: Field, target: str) -> ColumnElement[Any]:
    column = columns.get(field.name)
    if column is None:
        raise InvalidInputError(f"Bad filter: {target} have no field {field.name!r}.")
    return column


def _direction(expr: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
    return expr.desc() if descending else expr.asc()


def _uses_model_name(node: Node | None) -> bool:
    if node is None:
        return False
    if isinstance(node, Comparison):
        return node.field == Field("attr", "name")
    if isinstance(node, Not):
        return _uses_model_name(node.item)
    return any(_uses_model_name(item) for item in node.items)


def search_versions_query(
    node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int, dialect: str
) -> sa.Select[tuple[int]]:
    """Ids of one page of versions matching *node*, in order.

    Only ids: sorting narrow rows is much cheaper than sorting whole versions;
    the caller then loads the page's rows by id.
    """
    _check_page(offset, limit)
    query = sa.select(mv.c.id)
    if _uses_model_name(node) or any(key.field == Field("attr", "name") for key in order):
        query = query.join(rm, rm.c.id == mv.c.model_id)
    if node is not None:
        query = query.where(version_filter(node, dialect))
    clauses: list[ColumnElement[Any]] = []
    for i, key in enumerate(order):
        if key.field.kind == "metric":
            metric = version_metrics.alias(f"order_metric_{i}")
            query = query.outerjoin(
                metric, sa.and_(metric.c.version_id == mv.c.id, metric.c.key == key.field.name)
            )
            clauses.append(_direction(metric.c.value, key.descending).nulls_last())
        elif key.field.kind == "attr" and key.field.name in VERSION_COLUMNS:
            clauses.append(_direction(VERSION_COLUMNS[key.field.name], key.descending))
        else:
            raise InvalidInputError(
                f"Bad order_by {key.field}: order versions by one of "
                f"{', '.join(VERSION_COLUMNS)} or metrics.KEY."
            )
    clauses.append(_direction(mv.c.id, bool(order) and order[-1].descending))
    return query.order_by(*clauses).offset(offset).limit(limit)


def search_models_query(
    node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int, dialect: str
) -> sa.Select[Any]:
    """Models matching *node*, one page."""
    _check_page(offset, limit)
    query = sa.select(rm)
    if node is not None:
        query = query.where(model_filter(node, dialect))
    clauses: list[ColumnElement[Any]] = []
    for key in order:
        if key.field.kind != "attr" or key.field.name not in MODEL_COLUMNS:
            raise InvalidInputError(
                f"Bad order_by {key.field}: order models by one of {', '.join(MODEL_COLUMNS)}."
            )
        clauses.append(_direction(MODEL_COLUMNS[key.field.name], key.descending))
    clauses.append(_direction(rm.c.id, bool(order) and order[-1].descending))
    return query.order_by(*clauses).offset(offset).limit(limit)


def _check_page(offset: int, limit: int) -> None:
    for what, number in (("offset", offset), ("limit", limit)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise InvalidInputError(f"Bad page: {what} must be a whole number from 0, got {number!r}.")
