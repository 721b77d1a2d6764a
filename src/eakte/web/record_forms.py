"""Creating dossiers and cases from the pages, and giving a case to a person (Bearbeitung)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from eakte.records import dossiers as dossier_service
from eakte.records.assignment import assign_case, assignee_of
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User
from eakte.web.security import api_user, check_csrf, page_user, require_role, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Vorgänge"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


@router.post("/aktenplan/{code}/akten")
def create_dossier_page(
    request: Request,
    code: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    betreff: Annotated[str, Form(max_length=500)],
    einheit: Annotated[str, Form(max_length=32)] = "",
    vertraulichkeit: Annotated[str, Form(max_length=3)] = "001",
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    web = state(request)
    with web.db.write() as connection:
        created = dossier_service.create_dossier(
            connection,
            web.dossier_rule,
            code,
            betreff,
            einheit or None,
            user.login,
            vertraulichkeit,
        )
        require_writable(connection, created.uuid, user)  # only for units the user works for
    notice = quote(f"Akte {created.reference} angelegt")
    return RedirectResponse(f"/akten/{created.uuid}?hinweis={notice}", status_code=303)


@router.post("/akten/{dossier_id}/vorgaenge")
def create_case_page(
    request: Request,
    dossier_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    betreff: Annotated[str, Form(max_length=500)],
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    web = state(request)
    with web.db.write() as connection:
        dossier = describe(connection, dossier_id, user, "dossier")
        require_writable(connection, dossier["id"], user)
        created = dossier_service.create_case(
            connection, web.case_rule, dossier["id"], betreff, user.login
        )
        if user.has_role("clerk"):
            assign_case(connection, created.uuid, user.login, user.login)
    notice = quote(f"Vorgang {created.reference} angelegt")
    return RedirectResponse(f"/vorgaenge/{created.uuid}?hinweis={notice}", status_code=303)


@router.post("/vorgaenge/{case_id}/bearbeitung")
def assign_page(
    request: Request,
    case_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    person: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    with state(request).db.write() as connection:
        require_writable(connection, case_id, user)
        assign_case(connection, case_id, person.strip() or None, user.login)
    notice = f"Bearbeitung: {person.strip()}" if person.strip() else "Bearbeitung freigegeben"
    return RedirectResponse(f"/vorgaenge/{case_id}?hinweis={quote(notice)}", status_code=303)


class AssigneeIn(BaseModel):
    user: str | None = Field(None, max_length=64, description="Anmeldename; leer = niemand")


class AssigneeOut(BaseModel):
    case: str
    assignee: str | None


@api_router.put(
    "/cases/{case_id}/assignee", response_model=AssigneeOut, summary="Bearbeitung festlegen"
)
def api_assign(request: Request, case_id: str, body: AssigneeIn, user: ApiUser) -> AssigneeOut:
    require_role(user, "clerk", "registry")
    with state(request).db.write() as connection:
        record = require_writable(connection, case_id, user)
        assign_case(connection, record["id"], body.user, user.login)
        case = dossier_service.get_case(connection, record["id"])
        return AssigneeOut(case=case.reference, assignee=assignee_of(connection, case.id))
