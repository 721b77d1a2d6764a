"""Scans in the web application: live processing status of a case's documents, the PDF/A
rendition beside the original, and the scan office's inbox (assigning documents to cases)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from eakte.core.records import STATE_LABELS_DE, DocumentState
from eakte.db.schema import cases, documents
from eakte.records.lookup import require_readable_case
from eakte.records.organisation import User
from eakte.scan.inbox import inbox_documents, move_document
from eakte.web.content import content_response
from eakte.web.security import api_user, check_csrf, page_user, require_role, state
from eakte.worker import jobs

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Dokumente"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


@router.get("/vorgaenge/{case_id}/status")
def case_status(request: Request, case_id: str, user: UserDep) -> dict[str, Any]:
    """Processing state of every document of the case (for the page's live refresh)."""
    with state(request).db.read() as connection:
        require_readable_case(connection, case_id, user)
        rows = connection.execute(
            select(
                documents.c.uuid,
                documents.c.state,
                documents.c.job_claimed_until,
                documents.c.job_next_at,
            )
            .join(cases, cases.c.id == documents.c.case_id)
            .where((cases.c.uuid == case_id) | (cases.c.reference == case_id))
            .order_by(documents.c.id)
        ).all()
    result = []
    for row in rows:
        label = STATE_LABELS_DE[DocumentState(row.state)]
        if row.state == jobs.AWAITING:
            label = jobs.STATUS_DE[jobs.job_status(row)]
        result.append({"id": row.uuid, "state": row.state, "label": label})
    pending = sum(1 for r in result if r["state"] == jobs.AWAITING)
    return {"documents": result, "pending": pending}


@router.get("/dokumente/{document_id}/pdfa")
def rendition_content(
    request: Request,
    document_id: str,
    user: UserDep,
    version: int | None = None,
    download: bool = False,
) -> Response:
    """The searchable PDF/A made by OCR; same permission check and audit as the original."""
    return content_response(state(request), user, document_id, version, download, "pdfa")


@router.get("/posteingang")
def inbox_page(request: Request, user: UserDep, hinweis: str | None = None) -> HTMLResponse:
    from eakte.web.pages import render  # pages imports many routers; import at call time

    with state(request).db.read() as connection:
        inboxes = inbox_documents(connection, user)
    return render(request, "inbox.html", inboxes=inboxes, notice=hinweis)


@router.post("/dokumente/{document_id}/zuordnen")
def assign(
    request: Request,
    document_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    vorgang: Annotated[str, Form(max_length=220)],
    zurueck: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Move a document (from an inbox) into the case named by its reference; audited."""
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    with state(request).db.write() as connection:
        target = move_document(connection, document_id, vorgang, user)
    notice = quote(f"Dokument dem Vorgang {target.reference} zugeordnet")
    if zurueck == "posteingang":
        return RedirectResponse(f"/posteingang?hinweis={notice}", status_code=303)
    return RedirectResponse(f"/dokumente/{document_id}?hinweis={notice}", status_code=303)


@api_router.get(
    "/documents/{document_id}/pdfa",
    summary="Durchsuchbares PDF/A (Texterkennung) herunterladen",
    description="Die bei der Texterkennung erzeugte PDF/A-2b-Fassung der aktuellen (oder der "
    "genannten) Version; 404, solange es keine gibt. Das Original liefert …/content.",
)
def api_rendition(
    request: Request, document_id: str, user: ApiUser, version: int | None = None
) -> Response:
    return content_response(state(request), user, document_id, version, True, "pdfa")
