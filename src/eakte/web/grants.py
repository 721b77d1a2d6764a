"""Grants on a dossier (Freigaben) from its page and through the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from eakte.errors import PermissionDeniedError
from eakte.records import grants as grant_service
from eakte.records.access import SUPERIOR_UNITS_READ, policy
from eakte.records.dossiers import get_dossier
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.web.security import api_user, check_csrf, page_user, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Freigaben"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


class GrantIn(BaseModel):
    unit: str | None = Field(None, max_length=32, description="Kürzel der Einheit")
    user: str | None = Field(None, max_length=64, description="Anmeldename der Person")
    access: Literal["read", "write"] = "read"
    note: str = Field("", max_length=500)


class GrantOut(BaseModel):
    id: int
    unit: str | None
    user: str | None
    access: str
    granted_at: datetime
    granted_by: str
    note: str


def _out(grant: grant_service.Grant) -> GrantOut:
    return GrantOut(
        id=grant.id,
        unit=grant.unit_code,
        user=grant.user_login,
        access=grant.access,
        granted_at=grant.granted_at,
        granted_by=grant.granted_by,
        note=grant.note,
    )


def _readable(connection: Connection, dossier_ref: str, user: User) -> str:
    """The dossier's uuid; 404 unless ``user`` may read it (without listing its cases)."""
    return str(describe(connection, dossier_ref, user, "dossier", contents=False)["id"])


def _grant(request: Request, user: User, dossier_ref: str, body: GrantIn) -> GrantOut:
    with state(request).db.write() as connection:
        dossier = get_dossier(connection, _readable(connection, dossier_ref, user))
        grant_service.ensure_may_manage(connection, dossier, user)
        grant = grant_service.add_grant(
            connection, dossier.uuid, user.login, body.unit, body.user, body.access, body.note
        )
    return _out(grant)


def _revoke(request: Request, user: User, dossier_ref: str, grant_id: int) -> None:
    with state(request).db.write() as connection:
        dossier = get_dossier(connection, _readable(connection, dossier_ref, user))
        grant_service.ensure_may_manage(connection, dossier, user)
        grant_service.revoke_grant(connection, dossier.uuid, grant_id, user.login)


def grants_context(connection: Any, user: User, dossier_uuid: str) -> dict[str, Any]:
    """What the dossier page shows of its grants, and whether the user may change them."""
    dossier = get_dossier(connection, dossier_uuid)
    try:
        grant_service.ensure_may_manage(connection, dossier, user)
        may_manage = True
    except PermissionDeniedError:
        may_manage = False
    return {
        "grants": grant_service.list_grants(connection, dossier.id),
        "may_manage_grants": may_manage,
        "access_labels": grant_service.ACCESS_LEVELS,
        "superior_read": policy(connection, SUPERIOR_UNITS_READ) == "on",
    }


def _back(dossier_id: str, notice: str) -> Response:
    return RedirectResponse(f"/akten/{dossier_id}?hinweis={quote(notice)}", status_code=303)


@router.post("/akten/{dossier_id}/freigaben")
def add_page(
    request: Request,
    dossier_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    einheit: Annotated[str, Form(max_length=32)] = "",
    person: Annotated[str, Form(max_length=64)] = "",
    recht: Annotated[Literal["read", "write"], Form()] = "read",
    vermerk: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_csrf(request, csrf)
    body = GrantIn(
        unit=einheit.strip() or None, user=person.strip() or None, access=recht, note=vermerk
    )
    grant = _grant(request, user, dossier_id, body)
    label = "Einheit " + grant.unit if grant.unit else "Person " + str(grant.user)
    return _back(dossier_id, f"Freigabe für {label} erteilt")


@router.post("/akten/{dossier_id}/freigaben/{grant_id}/entziehen")
def revoke_page(
    request: Request, dossier_id: str, grant_id: int, user: UserDep, csrf: Annotated[str, Form()]
) -> Response:
    check_csrf(request, csrf)
    _revoke(request, user, dossier_id, grant_id)
    return _back(dossier_id, "Freigabe entzogen")


@api_router.get(
    "/dossiers/{dossier_id}/grants", response_model=list[GrantOut], summary="Freigaben einer Akte"
)
def api_list(request: Request, dossier_id: str, user: ApiUser) -> list[GrantOut]:
    with state(request).db.read() as connection:
        dossier = get_dossier(connection, _readable(connection, dossier_id, user))
        return [_out(g) for g in grant_service.list_grants(connection, dossier.id)]


@api_router.post(
    "/dossiers/{dossier_id}/grants",
    response_model=GrantOut,
    status_code=201,
    summary="Akte für eine Einheit oder Person freigeben",
)
def api_add(request: Request, dossier_id: str, body: GrantIn, user: ApiUser) -> GrantOut:
    return _grant(request, user, dossier_id, body)


@api_router.delete(
    "/dossiers/{dossier_id}/grants/{grant_id}", status_code=204, summary="Freigabe entziehen"
)
def api_revoke(request: Request, dossier_id: str, grant_id: int, user: ApiUser) -> Response:
    _revoke(request, user, dossier_id, grant_id)
    return Response(status_code=204)
