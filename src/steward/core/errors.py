"""Typed domain errors.

Every adapter maps these the same way: the REST API by walking the exception's
MRO (``steward.api.errors``), the CLI to an exit code and a one-line message.
Messages are safe to show to a user and say what to do next.
"""

from __future__ import annotations


class StewardError(Exception):
    """Base of every error Steward raises on purpose."""

    code = "steward_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(StewardError):
    """The thing asked for does not exist."""

    code = "not_found"


class ConflictError(StewardError):
    """The request clashes with the current state (duplicate name, stale move)."""

    code = "conflict"


class PermissionDeniedError(StewardError):
    """The caller may not do this."""

    code = "permission_denied"


class AuthenticationError(PermissionDeniedError):
    """The caller did not sign in, or its token is unknown, expired or revoked (HTTP 401)."""

    code = "unauthenticated"


class PolicyViolationError(PermissionDeniedError):
    """A governance policy refuses the change; ``unmet`` lists the failing gates."""

    code = "policy_violation"

    def __init__(self, message: str, unmet: list[str] | None = None) -> None:
        super().__init__(message)
        self.unmet = list(unmet or [])


class InvalidInputError(StewardError, ValueError):
    """The input is malformed: a bad name, filter, schema or value."""

    code = "invalid_input"


class IntegrityError(StewardError):
    """Stored data does not match its recorded digest (tampered or truncated)."""

    code = "integrity_error"


class MissingDependencyError(StewardError, ImportError):
    """An optional extra is needed; the message names the install command."""

    code = "missing_dependency"


ERROR_CLASSES: tuple[type[StewardError], ...] = (
    StewardError,
    NotFoundError,
    ConflictError,
    PermissionDeniedError,
    AuthenticationError,
    PolicyViolationError,
    InvalidInputError,
    IntegrityError,
    MissingDependencyError,
)


HTTP_STATUS: dict[type[StewardError], int] = {
    StewardError: 400,
    NotFoundError: 404,
    ConflictError: 409,
    PermissionDeniedError: 403,
    AuthenticationError: 401,
    PolicyViolationError: 403,
    InvalidInputError: 422,
    IntegrityError: 409,
    MissingDependencyError: 501,
}


def http_status(exc: StewardError) -> int:
    """The HTTP status for *exc*: the nearest class in its MRO that has one (REST API and console)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]  # type: ignore[index]
    return 400


def error_class_for(code: str) -> type[StewardError]:
    """The error class whose ``code`` is *code* (the base class if unknown)."""
    for cls in ERROR_CLASSES:
        if cls.code == code:
            return cls
    return StewardError


def require_extra(module: str, extra: str, purpose: str) -> None:
    """Raise :class:`MissingDependencyError` unless *module* imports."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"{purpose} needs the '{module}' package: pip install 'steward-mlops[{extra}]'"
        )
