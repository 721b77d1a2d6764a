"""Security headers on every HTTP response, as a pure ASGI middleware.

``@app.middleware("http")`` (Starlette's ``BaseHTTPMiddleware``) runs the rest of the
application in a task group and passes the response through a memory stream, which under load
cost more than the headers are worth; this one only edits the ``http.response.start`` message.
A response that sets ``Content-Security-Policy`` or ``X-Frame-Options`` itself (the Swagger page)
keeps its own value.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)


class SecurityHeaders:
    """Adds CSP, ``nosniff``, the referrer policy and framing protection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            await send(message)

        await self.app(scope, receive, send_with_headers)
