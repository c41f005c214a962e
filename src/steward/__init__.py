"""Steward: manage a trained model's life, from registration to retirement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.core.errors import (
    AuthenticationError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    PolicyViolationError,
    StewardError,
)
from steward.core.version import VERSION

if TYPE_CHECKING:
    from steward.sdk.client import Client

__version__ = VERSION

__all__ = [
    "AuthenticationError",
    "Client",
    "ConflictError",
    "IntegrityError",
    "InvalidInputError",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyViolationError",
    "StewardError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Client pulls in the store and HTTP stacks; import it only when asked for.
    if name == "Client":
        from steward.sdk.client import Client

        return Client
    raise AttributeError(f"module 'steward' has no attribute {name!r}")
