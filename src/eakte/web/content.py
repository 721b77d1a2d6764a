"""Serving document bytes: permission checked, audited, with headers that keep a hostile file
from running in the application's origin."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import FileResponse, Response

from eakte import audit
from eakte.errors import NotFoundError
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.web.state import WebState

INLINE_TYPES = {
    "application/pdf",
    "text/plain",
    "text/markdown",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
}


def content_response(
    web: WebState, user: User, document_id: str, version: int | None, download: bool
) -> Response:
    with web.db.write() as connection:
        record = describe(connection, document_id, user, "document")
        versions = record["versions"]
        chosen = (
            versions[-1]
            if version is None
            else next((v for v in versions if v["number"] == version), None)
        )
        if chosen is None:
            raise NotFoundError(f"Version {version} gibt es nicht.")
        audit.record(
            connection,
            user.login,
            "document.download",
            "document",
            record["id"],
            {
                "version": chosen["number"],
                "filename": chosen["filename"],
                "sha256": chosen["sha256"],
            },
        )
    media_type = chosen["media_type"]
    inline = not download and media_type in INLINE_TYPES
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    disposition = "inline" if inline else "attachment"
    filename = chosen["filename"]
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        # Served bytes never run scripts in our origin, whatever they contain.
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; "
        "style-src 'unsafe-inline'; plugin-types application/pdf",
        "Cache-Control": "private, no-store",
    }
    return FileResponse(web.blobs.path(chosen["sha256"]), media_type=media_type, headers=headers)
