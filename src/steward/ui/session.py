"""Who is looking at a page: the signed-in principal, from a token kept in a cookie.

Sign-in takes an API token (``steward tokens create``) and keeps it in an
HttpOnly, SameSite=Strict cookie; every request authenticates it again through
the identity service, so revoking the token signs the browser out. With auth
off (the loopback-only embedded default) everyone acts as the configured local
actor and may do everything, as with the CLI.

Forms carry a CSRF token that must equal the ``steward_csrf`` cookie (a
double-submit token): another site can make the browser send the cookies but
cannot read them to fill in the form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request

from steward.app import Steward
from steward.core.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from steward.core.permissions import Permission

SESSION_COOKIE = "steward_session"
CSRF_COOKIE = "steward_csrf"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 64 * 1024


class SignInRequired(AuthenticationError):
    """No valid session: the console redirects to the sign-in page."""


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, and what they may do."""

    actor: str
    signed_in: bool
    auth_enabled: bool
    csrf: str
    steward: Steward

    def can(self, permission: str | Permission, model: str | None = None) -> bool:
        """Whether to offer an action; the service checks again when it is taken."""
        return self.steward.access.allowed(self.actor, Permission(permission), model=model)


def steward_of(request: Request) -> Steward:
    steward: Steward = request.app.state.steward
    return steward


def csrf_token(request: Request) -> str:
    """The browser's CSRF token, made on its first visit (set as a cookie by the console app)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 20 or len(token) > 100:
        token = getattr(request.state, "new_csrf", "") or secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def viewer_of(request: Request) -> Viewer:
    """The viewer of *request*; SignInRequired when auth is on and no valid token came with it."""
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    steward = steward_of(request)
    settings = steward.settings
    if not settings.auth_enabled:
        viewer = Viewer(settings.actor, False, False, csrf_token(request), steward)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise SignInRequired("Sign in with an API token to use the console.")
        try:
            principal = steward.identities.authenticate(token)
        except AuthenticationError as exc:
            raise SignInRequired(f"{exc.message} Sign in again.") from None
        viewer = Viewer(principal, True, True, csrf_token(request), steward)
    request.state.viewer = viewer
    return viewer


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's fields (last value wins), after checking its CSRF token.

    Forms are ``application/x-www-form-urlencoded`` and small; anything else is
    refused with a message, never half-processed.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise InvalidInputError("The console accepts forms only (application/x-www-form-urlencoded).")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInputError(f"The form is larger than {MAX_FORM_BYTES // 1024} KiB.")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise InvalidInputError("The form is not valid UTF-8.") from None
    fields = {key: values[-1] for key, values in parsed.items()}
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(fields.get(CSRF_FIELD, ""), expected):
        raise PermissionDeniedError(
            "The form's security token is missing or stale: reload the page and try again."
        )
    return fields


def required(fields: dict[str, str], name: str, label: str, *, limit: int = 1000) -> str:
    """A non-empty form field, stripped, at most *limit* characters."""
    value = fields.get(name, "").strip()
    if not value:
        raise InvalidInputError(f"{label} is required.")
    if len(value) > limit:
        raise InvalidInputError(f"{label} is longer than {limit} characters.")
    return value
