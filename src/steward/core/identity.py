"""Identities: users and service accounts, the roles granted to them, and their API tokens.

A token is shown once, when created; the store keeps only its SHA-256. Tokens
are high-entropy random text, so a plain hash is enough (no password
stretching); comparisons use :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from steward.core.errors import InvalidInputError
from steward.core.permissions import Role

PRINCIPAL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
KINDS = ("user", "service")
TOKEN_PREFIX = "stw_"


def check_principal_name(name: str) -> str:
    if not isinstance(name, str) or not PRINCIPAL_NAME_RE.match(name):
        raise InvalidInputError(
            f"Invalid user name {name!r}: use 1-128 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit."
        )
    return name


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInputError(f"Unknown account kind {kind!r}: use 'user' or 'service'.")
    return kind


@dataclass(frozen=True)
class Grant:
    """A role held by a principal, on every model (``model`` None) or on one."""

    principal: str
    role: Role
    model: str | None = None

    @property
    def scope(self) -> str:
        return self.model or "*"


@dataclass(frozen=True)
class Principal:
    """A user or service account, with every role it holds."""

    name: str
    kind: str
    created_by: str
    created_at: datetime
    grants: tuple[Grant, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    """What is stored about a token: never the token itself."""

    id: int
    principal: str
    name: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and stored nowhere."""

    info: TokenInfo
    secret: str


def new_token_secret() -> str:
    """256 bits from the OS's CSPRNG, URL-safe, with a recognisable prefix (secret scanners)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def digests_match(stored: str, secret: str) -> bool:
    """Constant-time comparison of a stored digest with the digest of a presented *secret*."""
    return hmac.compare_digest(stored.encode("ascii"), token_digest(secret).encode("ascii"))
