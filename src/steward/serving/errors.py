"""The data plane's errors and their HTTP statuses.

Every error answer is ``{"error": "<message>"}`` (the Open Inference Protocol's
shape, also what MLflow scoring clients read). Statuses are found by walking
the exception's MRO, so a subclass keeps its parent's status unless it has its
own.
"""

from __future__ import annotations

from steward.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StewardError,
)


class MethodNotAllowedError(StewardError):
    code = "method_not_allowed"

    def __init__(self, message: str, allow: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allow = allow


class PayloadTooLargeError(InvalidInputError):
    code = "payload_too_large"


class UnsupportedMediaTypeError(InvalidInputError):
    code = "unsupported_media_type"


class NotReadyError(StewardError):
    """The deployment's models are still loading (or failed to load)."""

    code = "not_ready"


class ModelFailedError(StewardError):
    """The model's own code raised while predicting: a 500, counted per version."""

    code = "model_failed"


STATUS: dict[type[StewardError], int] = {
    StewardError: 400,
    InvalidInputError: 400,
    NotFoundError: 404,
    MethodNotAllowedError: 405,
    ConflictError: 409,
    PermissionDeniedError: 403,
    PayloadTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    ModelFailedError: 500,
    NotReadyError: 503,
}


def status_for(exc: StewardError) -> int:
    for cls in type(exc).__mro__:
        status = STATUS.get(cls)
        if status is not None:
            return status
    return 400
