"""Who is asking: the session cookie (pages) or a bearer token (API), and CSRF checks.

Sessions live in the database; the cookie holds a random secret (HttpOnly, SameSite=Lax,
Secure when served over TLS). Every state-changing form carries the session's CSRF token, and
the API accepts cookie sessions for unsafe methods only with the token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from eakte.auth import service as auth
from eakte.errors import PermissionDeniedError
from eakte.records.organisation import User
from eakte.web.state import WebState

COOKIE = "eakte_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """The page needs a signed-in user; the handler redirects to the login page."""


def state(request: Request) -> WebState:
    value: WebState = request.app.state.eakte
    return value


def current_session(request: Request) -> auth.Session | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    cached = getattr(request.state, "session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    with state(request).db.lookup() as connection:
        session = auth.find_session(connection, cookie)
    request.state.session = session
    return session


def page_user(request: Request) -> User:
    session = current_session(request)
    if session is None:
        raise LoginRequired()
    return session.user


def check_csrf(request: Request, submitted: str | None) -> None:
    session = current_session(request)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a 500 otherwise).
    if (
        session is None
        or not submitted
        or not hmac.compare_digest(session.csrf_token.encode(), submitted.encode())
    ):
        raise PermissionDeniedError(
            "Das Formular ist abgelaufen oder stammt nicht von dieser Seite; bitte die Seite "
            "neu laden und noch einmal senden."
        )


def api_user(request: Request) -> User:
    """The user of an API call: bearer token, or the browser session (with CSRF header for
    changes)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with state(request).db.lookup() as connection:
            user = auth.user_for_token(connection, header[7:].strip())
        if user is None:
            raise PermissionDeniedError("Das API-Token ist ungültig oder widerrufen.")
        return user
    session = current_session(request)
    if session is None:
        raise PermissionDeniedError("Anmeldung erforderlich: bitte ein API-Token mitsenden.")
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return session.user


def require_role(user: User, *roles: str) -> None:
    if not any(user.has_role(role) for role in roles):
        raise PermissionDeniedError("Dafür fehlt Ihnen die Rolle " + " oder ".join(roles) + ".")
