"""Registry domain: registered models, versions, aliases and references.

Pure Python: frozen dataclasses and the rules on them (what a valid name is,
how a model reference is written). No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from steward.core.errors import InvalidInputError
from steward.core.lineage import Lineage
from steward.core.signature import Signature

MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ALIAS_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
TAG_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,249}$")
KEY_MAX = 250
VALUE_MAX = 5000
RESERVED_ALIASES = frozenset({"latest"})


def check_model_name(name: str) -> str:
    if not isinstance(name, str) or not MODEL_NAME_RE.match(name):
        raise InvalidInputError(
            f"Invalid model name {name!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def check_alias(alias: str) -> str:
    if not isinstance(alias, str) or not ALIAS_RE.match(alias) or alias in RESERVED_ALIASES:
        raise InvalidInputError(
            f"Invalid alias {alias!r}: use 1-64 letters, digits, '_' or '-', starting with a "
            "letter or '_' ('latest' is reserved)."
        )
    return alias


def check_version_number(version: object) -> int:
    if isinstance(version, bool):
        raise InvalidInputError(f"Invalid version {version!r}: versions are whole numbers from 1.")
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if not isinstance(version, int) or version < 1:
        raise InvalidInputError(f"Invalid version {version!r}: versions are whole numbers from 1.")
    return version


def check_tags(tags: dict[str, Any] | None, what: str = "tag") -> dict[str, str]:
    """Tags are short string keys and string values."""
    out: dict[str, str] = {}
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not TAG_KEY_RE.match(key):
            raise InvalidInputError(
                f"Invalid {what} key {key!r}: use up to {KEY_MAX} letters, digits, '_', '.', '-', '/'."
            )
        if value is None or isinstance(value, (dict, list)):
            raise InvalidInputError(f"Invalid {what} {key!r}: values are strings or numbers.")
        text = str(value)
        if len(text) > VALUE_MAX:
            raise InvalidInputError(f"{what.capitalize()} {key!r} is longer than {VALUE_MAX} characters.")
        out[key] = text
    return out


def check_metrics(metrics: dict[str, Any] | None) -> dict[str, float]:
    import math

    out: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        if not isinstance(key, str) or not TAG_KEY_RE.match(key):
            raise InvalidInputError(f"Invalid metric name {key!r}: use letters, digits, '_', '.', '-', '/'.")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInputError(f"Metric {key!r} must be a number, got {type(value).__name__}.")
        number = float(value)
        if math.isnan(number):
            raise InvalidInputError(f"Metric {key!r} is NaN: record only measured values.")
        out[key] = number
    return out


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    description: str
    owner: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    latest_version: int
    aliases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelVersion:
    """An immutable registered version of a model."""

    model: str
    version: int
    artifact_digest: str
    flavor: str
    signature: Signature | None
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]
    description: str
    lineage: Lineage
    created_by: str
    created_at: datetime
    aliases: tuple[str, ...] = ()
    flavor_options: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"


@dataclass(frozen=True)
class VersionDraft:
    """Everything a new version needs; the store assigns its number and time."""

    model: str
    artifact_digest: str
    flavor: str
    signature: Signature | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    lineage: Lineage = field(default_factory=Lineage)
    flavor_options: dict[str, Any] = field(default_factory=dict)

    def checked(self) -> VersionDraft:
        """Validate names, tags and metrics; returns the normalised draft."""
        from dataclasses import replace

        check_model_name(self.model)
        if not re.fullmatch(r"[0-9a-f]{64}", self.artifact_digest or ""):
            raise InvalidInputError(
                f"Invalid artifact digest {self.artifact_digest!r}: expected 64 hex digits (sha256)."
            )
        if not self.flavor or not re.fullmatch(r"[a-z0-9_]{1,32}", self.flavor):
            raise InvalidInputError(f"Invalid flavor {self.flavor!r}.")
        if len(self.description) > VALUE_MAX:
            raise InvalidInputError(f"Description is longer than {VALUE_MAX} characters.")
        return replace(
            self,
            metrics=check_metrics(self.metrics),
            params=check_tags(self.params, "param"),
            tags=check_tags(self.tags),
        )


@dataclass(frozen=True)
class AliasEvent:
    """One move of an alias: where it pointed before and after, who, when, why."""

    model: str
    alias: str
    version: int | None
    previous_version: int | None
    actor: str
    at: datetime
    reason: str
    seq: int


@dataclass(frozen=True)
class ModelRef:
    """A parsed model reference: ``churn``, ``churn/3``, ``churn/latest`` or ``churn@champion``."""

    model: str
    version: int | None = None
    alias: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError("Empty model reference: write 'name', 'name/3' or 'name@alias'.")
        text = text.strip()
        if text.startswith("models:/"):  # MLflow-style URI
            text = text[len("models:/") :]
        if "@" in text:
            model, _, alias = text.partition("@")
            return cls(check_model_name(model), alias=check_alias(alias))
        if "/" in text:
            model, _, version = text.partition("/")
            check_model_name(model)
            if version == "latest":
                return cls(model)
            if not version.isdigit():
                raise InvalidInputError(
                    f"Invalid model reference {text!r}: after '/' comes a version number or 'latest'."
                )
            return cls(model, version=check_version_number(int(version)))
        return cls(check_model_name(text))

    def __str__(self) -> str:
        if self.alias:
            return f"{self.model}@{self.alias}"
        if self.version:
            return f"{self.model}/{self.version}"
        return f"{self.model}/latest"
