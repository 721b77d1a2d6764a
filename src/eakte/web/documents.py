"""Changing a document from its page and through the API: metadata and new versions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from eakte.errors import ValidationError
from eakte.ingest import versions
from eakte.ingest.prepared import PreparedFile
from eakte.records.dossiers import ensure_case_writable, get_case
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User
from eakte.web.security import api_user, check_csrf, page_user, state
from eakte.web.state import WebState

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Dokumente"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(f"»{value}« ist kein Datum (JJJJ-MM-TT).") from exc


async def _new_version(
    web: WebState, user: User, document_id: str, expected: int, upload: UploadFile
) -> int:
    if not upload.filename:
        raise ValidationError("Bitte eine Datei für die neue Version auswählen.")
    with web.db.read() as connection:  # refuse early, before the bytes are stored
        record = require_writable(connection, document_id, user)
        ensure_case_writable(connection, get_case(connection, record["case_id"]))

    def prepare() -> PreparedFile:
        return web.filer.prepare_stream(upload.file, upload.filename or "unbenannt")

    prepared = await run_in_threadpool(prepare)

    def commit() -> int:
        with web.db.write() as connection:
            return versions.add_version(connection, document_id, expected, prepared, user)

    return await run_in_threadpool(commit)


def _back(document_id: str, notice: str) -> Response:
    return RedirectResponse(f"/dokumente/{document_id}?hinweis={quote(notice)}", status_code=303)


@router.post("/dokumente/{document_id}/metadaten")
def edit_page(
    request: Request,
    document_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    version: Annotated[int, Form()],
    titel: Annotated[str, Form(max_length=600)],
    datum: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        versions.edit_document(connection, document_id, version, user, titel, _date(datum))
    return _back(document_id, "Angaben gespeichert")


@router.post("/dokumente/{document_id}/versionen")
async def version_page(
    request: Request,
    document_id: str,
    user: UserDep,
    datei: UploadFile,
    csrf: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> Response:
    check_csrf(request, csrf)
    number = await _new_version(state(request), user, document_id, version, datei)
    return _back(document_id, f"Version {number} abgelegt")


class DocumentPatch(BaseModel):
    row_version: int = Field(description="row_version des Dokuments, wie zuletzt gelesen")
    title: str | None = Field(None, max_length=500)
    document_date: date | None = None


@api_router.patch("/documents/{document_id}", summary="Titel oder Datum ändern")
def api_edit(
    request: Request, document_id: str, body: DocumentPatch, user: ApiUser
) -> dict[str, Any]:
    with state(request).db.write() as connection:
        versions.edit_document(
            connection, document_id, body.row_version, user, body.title, body.document_date
        )
        return describe(connection, document_id, user, "document")


@api_router.post(
    "/documents/{document_id}/versions",
    status_code=201,
    summary="Neue Version hochladen (multipart: file, row_version)",
)
async def api_version(
    request: Request,
    document_id: str,
    user: ApiUser,
    file: UploadFile,
    row_version: Annotated[int, Form()],
) -> dict[str, Any]:
    await _new_version(state(request), user, document_id, row_version, file)
    with state(request).db.read() as connection:
        return describe(connection, document_id, user, "document")
