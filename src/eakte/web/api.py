"""JSON API under ``/api/v1`` for specialist applications (Fachverfahren).

Authentication: ``Authorization: Bearer <token>`` (``eakte token create``), or the browser
session with an ``X-CSRF-Token`` header for changes. Every endpoint checks reading rights; a
record the caller may not read answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eakte.records import dossiers as dossier_service
from eakte.records import fileplan, listing
from eakte.records.assignment import assign_case
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User
from eakte.search import search
from eakte.web import uploads
from eakte.web.content import content_response
from eakte.web.security import api_user, require_role, state

router = APIRouter(prefix="/api/v1", tags=["eakte"])
ApiUser = Annotated[User, Depends(api_user)]


class PlanItemOut(BaseModel):
    code: str
    title: str
    retention_years: int | None
    disposition: str | None
    lead_unit: str | None
    dossiers: int = Field(description="Akten, die der Aufrufer lesen darf")


class CreatedOut(BaseModel):
    id: str
    reference: str


class DossierIn(BaseModel):
    plan: str = Field(description="Aktenplankennzeichen, z. B. 63.1.2")
    subject: str
    unit: str | None = None
    confidentiality: str | None = None


class CaseIn(BaseModel):
    dossier: str = Field(description="Aktenzeichen oder ID der Akte")
    subject: str
    assignee: str | None = Field(
        None, description="Bearbeitung (Anmeldename); ohne Angabe die anlegende Person"
    )


class SearchHitOut(BaseModel):
    document_id: str
    reference: str
    dossier_reference: str
    title: str
    snippet: str
    score: float
    kind: str
    state: str
    document_date: str


class SearchOut(BaseModel):
    total: int
    hits: list[SearchHitOut]
    facets: dict[str, list[tuple[str, int]]] = Field(
        default_factory=dict, description="mit facets=true: Treffer je Typ und Einheit"
    )


@router.get("/plan", response_model=list[PlanItemOut], summary="Aktenplan")
def get_plan(request: Request, user: ApiUser) -> list[PlanItemOut]:
    with state(request).db.read() as connection:
        items = fileplan.list_plan(connection)
        counts = listing.dossier_counts(connection, user)
    return [
        PlanItemOut(
            code=e.item.code,
            title=e.item.title,
            retention_years=e.item.retention_years,
            disposition=e.item.disposition,
            lead_unit=e.lead_unit,
            dossiers=counts.get(e.item.id, 0),
        )
        for e in items
    ]


def _describe(request: Request, user: User, ref_or_id: str, kind: str) -> dict[str, Any]:
    with state(request).db.read() as connection:
        return describe(connection, ref_or_id, user, kind)


@router.get("/dossiers/{dossier_id}", summary="Akte mit ihren Vorgängen")
def get_dossier(request: Request, dossier_id: str, user: ApiUser) -> dict[str, Any]:
    return _describe(request, user, dossier_id, "dossier")


@router.get("/dossiers", summary="Akte nach Aktenzeichen")
def find_dossier(
    request: Request, user: ApiUser, reference: Annotated[str, Query(max_length=200)]
) -> dict[str, Any]:
    return _describe(request, user, reference, "dossier")


@router.post("/dossiers", response_model=CreatedOut, status_code=201, summary="Akte anlegen")
def create_dossier(request: Request, body: DossierIn, user: ApiUser) -> CreatedOut:
    require_role(user, "clerk", "registry")
    web = state(request)
    with web.db.write() as connection:
        created = dossier_service.create_dossier(
            connection,
            web.dossier_rule,
            body.plan,
            body.subject,
            body.unit,
            user.login,
            body.confidentiality,
        )
        require_writable(connection, created.uuid, user)  # only in the caller's own units
    return CreatedOut(id=created.uuid, reference=created.reference)


@router.get("/cases/{case_id}", summary="Vorgang mit seinen Dokumenten")
def get_case(request: Request, case_id: str, user: ApiUser) -> dict[str, Any]:
    return _describe(request, user, case_id, "case")


@router.get("/cases", summary="Vorgang nach Aktenzeichen")
def find_case(
    request: Request, user: ApiUser, reference: Annotated[str, Query(max_length=220)]
) -> dict[str, Any]:
    return _describe(request, user, reference, "case")


@router.post("/cases", response_model=CreatedOut, status_code=201, summary="Vorgang anlegen")
def create_case(request: Request, body: CaseIn, user: ApiUser) -> CreatedOut:
    require_role(user, "clerk", "registry")
    web = state(request)
    with web.db.write() as connection:
        require_writable(connection, body.dossier, user)
        created = dossier_service.create_case(
            connection, web.case_rule, body.dossier, body.subject, user.login
        )
        assignee = body.assignee or (user.login if user.has_role("clerk") else None)
        assign_case(connection, created.uuid, assignee, user.login)
    return CreatedOut(id=created.uuid, reference=created.reference)


@router.post(
    "/cases/{case_id}/documents",
    status_code=201,
    summary="Dateien in einen Vorgang ablegen (multipart, Feld »files«)",
)
async def upload_documents(
    request: Request, case_id: str, user: ApiUser, files: list[UploadFile]
) -> dict[str, Any]:
    require_role(user, "clerk", "registry")
    return {"documents": await uploads.file_uploads(state(request), user, case_id, files)}


@router.get("/documents/{document_id}", summary="Dokument mit Versionen")
def get_document(request: Request, document_id: str, user: ApiUser) -> dict[str, Any]:
    return _describe(request, user, document_id, "document")


@router.get("/documents/{document_id}/content", summary="Inhalt (Original) herunterladen")
def get_content(
    request: Request, document_id: str, user: ApiUser, version: int | None = None
) -> Response:
    return content_response(state(request), user, document_id, version, download=True)


@router.get("/search", response_model=SearchOut, summary="Volltextsuche")
def api_search(
    request: Request,
    user: ApiUser,
    q: Annotated[str, Query(max_length=2000)],
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
    facets: bool = False,
) -> SearchOut:
    with state(request).db.read() as connection:
        result = search(
            connection,
            user,
            q,
            limit=limit,
            offset=offset,
            max_length=state(request).settings.max_query_length,
            facets=facets,
        )
    return SearchOut(
        total=result.total,
        facets=result.facets,
        hits=[
            SearchHitOut(
                document_id=h.document_id,
                reference=h.reference,
                dossier_reference=h.dossier_reference,
                title=h.title,
                snippet=h.snippet,
                score=h.score,
                kind=h.kind,
                state=h.state,
                document_date=h.document_date.isoformat(),
            )
            for h in result.hits
        ],
    )
