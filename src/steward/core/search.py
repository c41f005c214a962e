"""The search filter language, parsed into a small AST.

Examples::

    name LIKE 'churn%' AND tags.team = 'risk'
    metrics.auc >= 0.8 AND (flavor = 'sklearn' OR flavor = 'xgboost')
    alias = 'champion' AND created_at > '2026-01-01'
    version IN (1, 2, 3) AND NOT tags.stage = 'retired'

Values are always bound as parameters by the store, never pasted into SQL.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Literal, TypeVar

from steward.core.errors import InvalidInputError

Value = str | float | int | bool
OPS = ("=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN")
MAX_FILTER_LENGTH = 4000
MAX_RESULTS = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Field:
    kind: Literal["attr", "tag", "metric", "param"]
    name: str

    def __str__(self) -> str:
        return self.name if self.kind == "attr" else f"{self.kind}s.{self.name}"


@dataclass(frozen=True)
class Comparison:
    field: Field
    op: str
    value: Value | datetime | tuple[Value, ...]


@dataclass(frozen=True)
class BoolOp:
    op: Literal["AND", "OR"]
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    field: Field
    descending: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None


#: Attributes each search target knows, with their value types.
VERSION_ATTRS = {
    "name": "str",
    "version": "int",
    "flavor": "str",
    "created_at": "time",
    "created_by": "str",
    "description": "str",
    "alias": "str",
    "artifact_digest": "str",
}
MODEL_ATTRS = {
    "name": "str",
    "owner": "str",
    "description": "str",
    "created_at": "time",
    "updated_at": "time",
    "latest_version": "int",
    "alias": "str",
}

_TOKEN_RE = re.compile(
    r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<op><=|>=|!=|<>|==|=|<|>)
    | (?P<punct>[(),])
    | (?P<ident>`[^`]+`|[A-Za-z_][A-Za-z0-9_\-/]*(?:\.(?:`[^`]+`|[A-Za-z0-9_][A-Za-z0-9_\-/]*))*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "TRUE", "FALSE"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise InvalidInputError(f"Bad filter: unexpected {text[pos : pos + 10]!r} at position {pos}.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "ident" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append(_Tok(kind, value, start))
        pos = match.end()
    return tokens


def _unquote(text: str) -> str:
    quote = text[0]
    body = text[1:-1]
    if quote == "'":
        body = body.replace("''", "'")
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, text: str, attrs: dict[str, str]) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.attrs = attrs

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise InvalidInputError("Bad filter: it ends too early.")
        self.i += 1
        return tok

    def accept_kw(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "kw" and tok.text == word:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise InvalidInputError(
                f"Bad filter: expected {text!r} at position {tok.pos}, found {tok.text!r}."
            )

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise InvalidInputError(f"Bad filter: unexpected {tok.text!r} at position {tok.pos}.")
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.accept_kw("OR"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.accept_kw("AND"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def not_(self) -> Node:
        if self.accept_kw("NOT"):
            return Not(self.not_())
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.take()
            node = self.or_()
            self.expect(")")
            return node
        return self.comparison()

    def field(self) -> tuple[Field, str]:
        tok = self.take()
        if tok.kind != "ident":
            raise InvalidInputError(
                f"Bad filter: expected a field name at position {tok.pos}, found {tok.text!r}."
            )
        head, dot, rest = tok.text.partition(".")
        if dot:
            prefixes = {"tags": "tag", "tag": "tag", "metrics": "metric", "metric": "metric"}
            prefixes |= {"params": "param", "param": "param"}
            kind = prefixes.get(head.lower())
            if kind is None or not rest:
                raise InvalidInputError(
                    f"Bad filter: unknown field {tok.text!r}; use tags.KEY, metrics.KEY, params.KEY "
                    f"or one of {', '.join(self.attrs)}."
                )
            key = rest[1:-1] if rest.startswith("`") else rest
            return Field(kind, key), ("float" if kind == "metric" else "str")  # type: ignore[arg-type]
        name = head.lower()
        if name not in self.attrs:
            raise InvalidInputError(
                f"Bad filter: unknown field {tok.text!r}; use one of {', '.join(self.attrs)}, "
                "tags.KEY, metrics.KEY or params.KEY."
            )
        return Field("attr", name), self.attrs[name]

    def value(self, type_: str, field: Field) -> Value | datetime:
        tok = self.take()
        if tok.kind == "string":
            raw: Value = _unquote(tok.text)
        elif tok.kind == "number":
            raw = float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
        elif tok.kind == "kw" and tok.text in ("TRUE", "FALSE"):
            raw = tok.text == "TRUE"
        else:
            raise InvalidInputError(
                f"Bad filter: expected a value for {field} at position {tok.pos}, found {tok.text!r}."
            )
        return _coerce(raw, type_, field)

    def comparison(self) -> Node:
        field, type_ = self.field()
        tok = self.take()
        if tok.kind == "op":
            op = {"==": "=", "<>": "!="}.get(tok.text, tok.text)
            return Comparison(field, op, self.value(type_, field))
        if tok.kind == "kw" and tok.text in ("LIKE", "ILIKE"):
            if type_ not in ("str",):
                raise InvalidInputError(f"Bad filter: {tok.text} works on text fields, not {field}.")
            value = self.value(type_, field)
            return Comparison(field, tok.text, value)
        negate = False
        if tok.kind == "kw" and tok.text == "NOT":
            negate = True
            tok = self.take()
        if tok.kind == "kw" and tok.text == "IN":
            self.expect("(")
            values = [self.value(type_, field)]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
                values.append(self.value(type_, field))
            self.expect(")")
            if len(values) > 500:
                raise InvalidInputError("Bad filter: IN takes at most 500 values.")
            return Comparison(field, "NOT IN" if negate else "IN", tuple(values))  # type: ignore[arg-type]
        raise InvalidInputError(
            f"Bad filter: expected an operator after {field} at position {tok.pos} "
            f"(one of {', '.join(OPS)}), found {tok.text!r}."
        )


def _coerce(raw: Value, type_: str, field: Field) -> Value | datetime:
    if type_ == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, str) and raw.isdigit():
                return int(raw)
            raise InvalidInputError(f"Bad filter: {field} compares with a whole number, got {raw!r}.")
        return raw
    if type_ == "float":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise InvalidInputError(f"Bad filter: {field} compares with a number, got {raw!r}.")
        return float(raw)
    if type_ == "time":
        try:
            return parse_time(str(raw), f"time for {field}")
        except InvalidInputError as exc:
            raise InvalidInputError(f"Bad filter: {exc}") from None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def parse_time(text: str, what: str = "time") -> datetime:
    """Parse an ISO 8601 time; a time without zone is UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"Invalid {what} {text!r}: use ISO 8601, e.g. 2026-01-31T12:00:00Z."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_filter(text: str | None, target: Literal["versions", "models"] = "versions") -> Node | None:
    """Parse a filter string; ``None`` or blank means no filter."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidInputError(f"Bad filter: longer than {MAX_FILTER_LENGTH} characters.")
    attrs = VERSION_ATTRS if target == "versions" else MODEL_ATTRS
    node = _Parser(text, attrs).parse()
    if target == "models":
        _only_tags(node)
    return node


def _only_tags(node: Node) -> None:
    if isinstance(node, Comparison):
        if node.field.kind not in ("attr", "tag"):
            raise InvalidInputError(
                f"Bad filter: models have tags but no {node.field.kind}s; search versions for {node.field}."
            )
    elif isinstance(node, Not):
        _only_tags(node.item)
    else:
        for item in node.items:
            _only_tags(item)


def parse_order_by(
    order_by: list[str] | str | None, target: Literal["versions", "models"] = "versions"
) -> tuple[OrderKey, ...]:
    """``["metrics.auc DESC", "created_at"]`` into order keys (default: newest first)."""
    if not order_by:
        default = "created_at" if target == "versions" else "name"
        return (OrderKey(Field("attr", default), target == "versions"),)
    items = [order_by] if isinstance(order_by, str) else list(order_by)
    attrs = VERSION_ATTRS if target == "versions" else MODEL_ATTRS
    keys = []
    for item in items:
        parts = item.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise InvalidInputError(f"Bad order_by {item!r}: write 'FIELD' or 'FIELD DESC'.")
        name = parts[0]
        descending = len(parts) == 2 and parts[1].upper() == "DESC"
        if name.startswith(("metrics.", "metric.")) and target == "versions":
            keys.append(OrderKey(Field("metric", name.partition(".")[2]), descending))
        elif name in attrs and name != "alias":
            keys.append(OrderKey(Field("attr", name), descending))
        else:
            raise InvalidInputError(
                f"Bad order_by {name!r}: order by one of {', '.join(a for a in attrs if a != 'alias')}"
                f"{' or metrics.KEY' if target == 'versions' else ''}."
            )
    return tuple(keys)


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        offset = int(number)
        if kind != "o" or offset < 0:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("Bad page token: pass back the next_page_token of an earlier page.") from None
    return offset


def check_max_results(max_results: int) -> int:
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        raise InvalidInputError(f"max_results must be between 1 and {MAX_RESULTS}, got {max_results!r}.")
    return max_results
