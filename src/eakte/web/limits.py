"""A ceiling on the size of every request body, as a pure ASGI middleware.

Form and upload parsing spools a request body to temporary files before any route sees it, and
before it knows who sent it; without a ceiling one request could fill the disk. A body that
declares a larger ``Content-Length`` is refused at once, unread; one sent in chunks is counted
while it arrives and cut off at the ceiling. Either way the answer is 413 with a German message,
and nothing of it is stored: the route's own answer to the cut-off body is replaced.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eakte.web.pages import error_page


class _TooLarge(Exception):
    """The body went past the ceiling while it was read."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _size(limit: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2)):
        if limit >= factor:
            return f"{limit / factor:.3g} {unit}".replace(".", ",")
    return f"{limit // 1024} KB"


def too_large_message(limit: int) -> str:
    return (
        f"Die Anfrage ist zu groß: höchstens {_size(limit)} auf einmal. Bitte weniger oder "
        "kleinere Dateien auf einmal hochladen (größere xdomea-Pakete: eakte import xdomea)."
    )


class BodyLimit:
    """Refuses request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = too_large_message(self.limit)
        response: Response
        if str(scope.get("path", "")).startswith("/api/"):
            response = JSONResponse({"detail": message}, status_code=413)
        else:
            response = error_page(Request(scope), 413, message)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def unless_exceeded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the route's answer to a cut-off body; ours follows
            started = True
            await send(message)

        try:
            await self.app(scope, counted, unless_exceeded)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)
