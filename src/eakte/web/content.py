"""Serving document bytes: permission checked, audited, with headers that keep a hostile file
from running in the application's origin."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import FileResponse, Response

from eakte import audit
from eakte.errors import GoneError, NotFoundError
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.web.state import WebState, german_date

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


def refuse_destroyed(record: dict[str, Any]) -> None:
    """A destroyed document has no content any more: 410, with the day it was destroyed."""
    if record["destroyed_at"]:
        day = german_date(record["destroyed_at"])
        raise GoneError(
            f"Der Inhalt wurde am {day} vernichtet (Aussonderung nach Ablauf der "
            "Aufbewahrungsfrist); erhalten sind nur die Angaben zum Dokument und der "
            "Vernichtungsnachweis im Protokoll."
        )


def _rendition(record: dict[str, Any], version: int | None, kind: str) -> dict[str, Any]:
    """The rendition (PDF/A from OCR) of the current or the named version, as a version-like
    dict for serving."""
    number = version or record["current_version"]
    found = next(
        (
            r
            for r in record.get("renditions", [])
            if r["version"] == number and (r["kind"] == kind or kind == "pdfa")
        ),
        None,
    )
    if found is None:
        raise NotFoundError("Zu diesem Dokument gibt es (noch) keine durchsuchbare PDF/A-Fassung.")
    original = next(v for v in record["versions"] if v["number"] == number)
    stem = original["filename"].rsplit(".", 1)[0] or "dokument"
    return {
        "number": number,
        "sha256": found["sha256"],
        "media_type": found["media_type"],
        "filename": f"{stem} (PDF-A mit Texterkennung).pdf",
        "rendition": found["kind"],
    }


def content_response(
    web: WebState,
    user: User,
    document_id: str,
    version: int | None,
    download: bool,
    rendition: str | None = None,
) -> Response:
    """The bytes of a version (the current one by default), or with ``rendition="pdfa"`` of
    its PDF/A rendition; permission checked and audited alike."""
    with web.db.write() as connection:
        record = describe(connection, document_id, user, "document")
        refuse_destroyed(record)
        versions = record["versions"]
        chosen = (
            versions[-1]
            if version is None
            else next((v for v in versions if v["number"] == version), None)
        )
        if chosen is None:
            raise NotFoundError(f"Version {version} gibt es nicht.")
        if rendition is not None:
            chosen = _rendition(record, chosen["number"], rendition)
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
                **({"rendition": chosen["rendition"]} if rendition is not None else {}),
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
