"""Uploads: each file streams into the blob store while hashing (never whole in memory), then
one transaction files them all."""

from __future__ import annotations

from typing import Any

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from eakte.errors import ValidationError
from eakte.ingest.prepared import PreparedFile
from eakte.ingest.writer import commit_many
from eakte.records import dossiers
from eakte.records.lookup import require_readable_case
from eakte.records.organisation import User
from eakte.web.state import WebState

MAX_FILES = 200


def _prepare(web: WebState, upload: UploadFile) -> PreparedFile:
    return web.filer.prepare_stream(upload.file, upload.filename or "unbenannt")


def _commit(
    web: WebState, user: User, case_id: str, prepared: list[PreparedFile]
) -> list[dict[str, Any]]:
    with web.db.write() as connection:
        require_readable_case(connection, case_id, user, write=True)  # unreadable = "not found"
        case = dossiers.get_case(connection, case_id)
        dossier = dossiers.ensure_case_writable(connection, case)
        filed = commit_many(connection, case, dossier, prepared, user.login)
    return [
        {
            "id": f.uuid,
            "title": f.title,
            "state": f.state,
            "duplicate": f.duplicate,
            "error": f.error,
        }
        for f in filed
    ]


async def file_uploads(
    web: WebState, user: User, case_id: str, files: list[UploadFile]
) -> list[dict[str, Any]]:
    if not files or all(not f.filename for f in files):
        raise ValidationError("Bitte mindestens eine Datei auswählen.")
    if len(files) > MAX_FILES:
        raise ValidationError(f"Höchstens {MAX_FILES} Dateien auf einmal, bitte aufteilen.")
    with web.db.read() as connection:
        require_readable_case(connection, case_id, user, write=True)
        dossiers.ensure_case_writable(connection, dossiers.get_case(connection, case_id))
    prepared = [await run_in_threadpool(_prepare, web, f) for f in files if f.filename]
    return await run_in_threadpool(_commit, web, user, case_id, prepared)
