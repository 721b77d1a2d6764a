"""Closing dossiers and reopening dossiers and cases (z.d.A. and back), from their pages and
through the API. Reopening is the registry's and needs a reason; both land in the audit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from eakte.errors import PermissionDeniedError
from eakte.records import dossiers as dossier_service
from eakte.records.access import read_scope
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User
from eakte.web.security import api_user, check_csrf, page_user, require_role, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Abschluss und Wiedereröffnung"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


class ReopenIn(BaseModel):
    reason: str = Field(description="Warum wieder geöffnet wird (steht im Protokoll)")


class RecordStateOut(BaseModel):
    id: str
    reference: str
    closed: bool


def _close_dossier(request: Request, user: User, dossier_id: str) -> dossier_service.Dossier:
    with state(request).db.write() as connection:
        found = describe(connection, dossier_id, user, "dossier")  # 404 unless readable
        dossier = dossier_service.get_dossier(connection, found["id"])
        if not dossier_service.manages(read_scope(connection, user), dossier, user):
            raise PermissionDeniedError(
                "Akten schließen die Registratur und die Sachbearbeitung der federführenden "
                "Organisationseinheit."
            )
        return dossier_service.close_dossier(connection, dossier.uuid, user.login)


def _reopen(request: Request, user: User, kind: str, record_id: str, reason: str) -> Any:
    require_role(user, "registry")
    with state(request).db.write() as connection:
        found = describe(connection, record_id, user, kind)  # 404 unless readable
        require_writable(connection, found["id"], user)  # 403 unless the dossier is writable
        reopen = (
            dossier_service.reopen_dossier if kind == "dossier" else dossier_service.reopen_case
        )
        return reopen(connection, found["id"], reason, user.login)


def _back(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?hinweis={quote(notice)}", status_code=303)


@router.post("/akten/{dossier_id}/abschliessen")
def close_dossier_page(
    request: Request, dossier_id: str, user: UserDep, csrf: Annotated[str, Form()]
) -> Response:
    check_csrf(request, csrf)
    closed = _close_dossier(request, user, dossier_id)
    return _back(f"/akten/{dossier_id}", f"Akte {closed.reference} abgeschlossen (z.d.A.)")


@router.post("/akten/{dossier_id}/wiedereroeffnen")
def reopen_dossier_page(
    request: Request,
    dossier_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    grund: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf)
    reopened = _reopen(request, user, "dossier", dossier_id, grund)
    return _back(f"/akten/{dossier_id}", f"Akte {reopened.reference} wiedereröffnet")


@router.post("/vorgaenge/{case_id}/wiedereroeffnen")
def reopen_case_page(
    request: Request,
    case_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    grund: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf)
    reopened = _reopen(request, user, "case", case_id, grund)
    return _back(f"/vorgaenge/{case_id}", f"Vorgang {reopened.reference} wiedereröffnet")


@api_router.post(
    "/dossiers/{dossier_id}/close",
    response_model=RecordStateOut,
    summary="Akte abschließen (z.d.A.; alle Vorgänge müssen abgeschlossen sein)",
)
def api_close_dossier(request: Request, dossier_id: str, user: ApiUser) -> RecordStateOut:
    closed = _close_dossier(request, user, dossier_id)
    return RecordStateOut(id=closed.uuid, reference=closed.reference, closed=True)


@api_router.post(
    "/dossiers/{dossier_id}/reopen",
    response_model=RecordStateOut,
    summary="Akte wiedereröffnen (Registratur, mit Grund)",
)
def api_reopen_dossier(
    request: Request, dossier_id: str, body: ReopenIn, user: ApiUser
) -> RecordStateOut:
    reopened = _reopen(request, user, "dossier", dossier_id, body.reason)
    return RecordStateOut(id=reopened.uuid, reference=reopened.reference, closed=False)


@api_router.post(
    "/cases/{case_id}/reopen",
    response_model=RecordStateOut,
    summary="Vorgang wiedereröffnen (Registratur, mit Grund; die Akte muss offen sein)",
)
def api_reopen_case(
    request: Request, case_id: str, body: ReopenIn, user: ApiUser
) -> RecordStateOut:
    reopened = _reopen(request, user, "case", case_id, body.reason)
    return RecordStateOut(id=reopened.uuid, reference=reopened.reference, closed=False)
