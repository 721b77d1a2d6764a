"""The history (Verlauf) of a dossier, case or document: CSV downloads from the pages, JSON
and CSV through the API. Only for people who may read the record (404 otherwise, as for a
missing one); a dossier's history holds its cases' and documents' events."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from eakte.audit.history import HistoryEntry, csv_chunks
from eakte.records import listing
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.web.security import api_user, page_user, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Verlauf"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


class HistoryEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_name: str | None
    action: str
    text: str
    object_type: str
    object_id: str
    object: str
    reference: str | None
    details: dict[str, Any]
    hash: str


def _out(entry: HistoryEntry) -> HistoryEventOut:
    return HistoryEventOut(
        id=entry.id,
        at=entry.occurred_at,
        actor=entry.actor,
        actor_name=entry.actor_name,
        action=entry.action,
        text=entry.text,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object=entry.subject,
        reference=entry.reference,
        details=entry.details,
        hash=entry.hash,
    )


def _readable(request: Request, user: User, kind: str, record_id: str) -> dict[str, Any]:
    with state(request).db.read() as connection:
        return describe(connection, record_id, user, kind)


def csv_download(request: Request, user: User, kind: str, record_id: str) -> Response:
    """The whole history as a CSV file, streamed page by page (flat memory for long ones)."""
    record = _readable(request, user, kind, record_id)
    name = record.get("reference") or record.get("title") or record["id"]
    filename = "Verlauf " + re.sub(r"[^\w.()\- ]+", "_", str(name)) + ".csv"
    pages = listing.history_pages(state(request).db.read, kind, record["id"])
    return StreamingResponse(
        (chunk.encode("utf-8") for chunk in csv_chunks(pages)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/akten/{dossier_id}/verlauf.csv")
def dossier_csv(request: Request, dossier_id: str, user: UserDep) -> Response:
    return csv_download(request, user, "dossier", dossier_id)


@router.get("/vorgaenge/{case_id}/verlauf.csv")
def case_csv(request: Request, case_id: str, user: UserDep) -> Response:
    return csv_download(request, user, "case", case_id)


@router.get("/dokumente/{document_id}/verlauf.csv")
def document_csv(request: Request, document_id: str, user: UserDep) -> Response:
    return csv_download(request, user, "document", document_id)


Format = Annotated[Literal["json", "csv"], Query(description="json (seitenweise) oder csv (alles)")]
Limit = Annotated[int, Query(ge=1, le=1000, description="höchstens so viele Ereignisse")]
Before = Annotated[
    int | None, Query(ge=1, description="nur Ereignisse mit kleinerer Nummer (ältere Seite)")
]


def _api_history(
    request: Request,
    user: User,
    kind: str,
    record_id: str,
    fmt: str,
    limit: int,
    before: int | None,
) -> Any:
    if fmt == "csv":
        return csv_download(request, user, kind, record_id)
    with state(request).db.read() as connection:
        record = describe(connection, record_id, user, kind)
        found = listing.history(connection, kind, record["id"], limit, before)
    return [_out(entry) for entry in found]


@api_router.get(
    "/dossiers/{dossier_id}/history",
    response_model=list[HistoryEventOut],
    summary="Verlauf einer Akte mit ihren Vorgängen und Dokumenten, neueste zuerst",
)
def api_dossier_history(
    request: Request,
    dossier_id: str,
    user: ApiUser,
    format: Format = "json",
    limit: Limit = 100,
    before: Before = None,
) -> Any:
    return _api_history(request, user, "dossier", dossier_id, format, limit, before)


@api_router.get(
    "/cases/{case_id}/history",
    response_model=list[HistoryEventOut],
    summary="Verlauf eines Vorgangs mit seinen Dokumenten, neueste zuerst",
)
def api_case_history(
    request: Request,
    case_id: str,
    user: ApiUser,
    format: Format = "json",
    limit: Limit = 100,
    before: Before = None,
) -> Any:
    return _api_history(request, user, "case", case_id, format, limit, before)


@api_router.get(
    "/documents/{document_id}/history",
    response_model=list[HistoryEventOut],
    summary="Verlauf eines Dokuments, neueste zuerst",
)
def api_document_history(
    request: Request,
    document_id: str,
    user: ApiUser,
    format: Format = "json",
    limit: Limit = 100,
    before: Before = None,
) -> Any:
    return _api_history(request, user, "document", document_id, format, limit, before)
