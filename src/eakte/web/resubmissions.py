"""Resubmissions (Wiedervorlagen) on the case page and the desk; JSON API.

The page module imports the two context functions from here, so this module never imports the
page module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from eakte.errors import ValidationError
from eakte.records import organisation
from eakte.records.common import today
from eakte.records.dossiers import get_case
from eakte.records.lookup import require_readable_case
from eakte.records.organisation import User
from eakte.resubmissions import service
from eakte.resubmissions.service import Resubmission
from eakte.web.security import api_user, check_csrf, page_user, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Wiedervorlagen"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


@dataclass(frozen=True)
class CasePanel:
    """What the case page shows of resubmissions."""

    items: list[Resubmission]
    today: date
    actionable: set[int]  # open ones the user may mark done or postpone
    deletable: set[int]  # open ones the user created
    may_create: bool
    people: list[str] = field(default_factory=list)
    units: list[organisation.Unit] = field(default_factory=list)


@dataclass(frozen=True)
class DeskPanel:
    items: list[Resubmission]
    today: date


def case_resubmissions(connection: Connection, user: User, case_uuid: str) -> CasePanel:
    """The case's resubmissions for its page (the caller has checked the user reads the case)."""
    case = get_case(connection, case_uuid)
    items = service.of_case(connection, case.id)
    may_create = case.closed_at is None
    return CasePanel(
        items,
        today(),
        {f.id for f in items if not f.done and service.may_act(user, f)},
        {f.id for f in items if not f.done and f.created_by == user.login},
        may_create,
        [login for login, _, _ in organisation.list_users(connection)] if may_create else [],
        organisation.list_units(connection) if may_create else [],
    )


def desk_resubmissions(connection: Connection, user: User) -> DeskPanel:
    return DeskPanel(service.due_for(connection, user), today())


def _back(target: str, notice: str) -> Response:
    # Only back to the desk or a case page: never a redirect to somewhere else.
    safe = target if target == "/" or target.startswith("/vorgaenge/") else "/"
    if "//" in safe or "?" in safe or "#" in safe:
        safe = "/"
    anchor = "#resubmissions-title" if safe != "/" else ""
    return RedirectResponse(f"{safe}?hinweis={quote(notice)}{anchor}", status_code=303)


def _target(fuer: str, person: str, einheit: str) -> tuple[str | None, str | None]:
    if fuer == "person":
        if not person.strip():
            raise ValidationError("Bitte den Anmeldenamen der Person angeben.")
        return person.strip(), None
    if fuer == "einheit":
        if not einheit.strip():
            raise ValidationError("Bitte die Einheit wählen.")
        return None, einheit.strip()
    return None, None


@router.post("/vorgaenge/{case_id}/wiedervorlagen")
def create_page(
    request: Request,
    case_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    datum: Annotated[str, Form(max_length=10)],
    notiz: Annotated[str, Form(max_length=service.MAX_NOTE)] = "",
    fuer: Annotated[Literal["mich", "person", "einheit"], Form()] = "mich",
    person: Annotated[str, Form(max_length=64)] = "",
    einheit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    check_csrf(request, csrf)
    for_user, for_unit = _target(fuer, person, einheit)
    day = service.parse_day(datum)
    with state(request).db.write() as connection:
        created = service.create(connection, case_id, user, day, notiz, for_user, for_unit)
    whom = "Sie" if created.for_user == user.login else created.target
    return _back(
        f"/vorgaenge/{case_id}", f"Wiedervorlage für {whom} am {created.due_on:%d.%m.%Y} angelegt"
    )


@router.post("/wiedervorlagen/{resubmission_id}/erledigt")
def done_page(
    request: Request,
    resubmission_id: int,
    user: UserDep,
    csrf: Annotated[str, Form()],
    version: Annotated[int, Form()],
    zurueck: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        done = service.mark_done(connection, resubmission_id, version, user)
    return _back(zurueck, f"Wiedervorlage zu {done.case_reference} erledigt")


@router.post("/wiedervorlagen/{resubmission_id}/verschieben")
def postpone_page(
    request: Request,
    resubmission_id: int,
    user: UserDep,
    csrf: Annotated[str, Form()],
    version: Annotated[int, Form()],
    datum: Annotated[str, Form(max_length=10)],
    zurueck: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    check_csrf(request, csrf)
    day = service.parse_day(datum, "Neues Datum")
    with state(request).db.write() as connection:
        moved = service.postpone(connection, resubmission_id, version, user, day)
    return _back(zurueck, f"Wiedervorlage auf {moved.due_on:%d.%m.%Y} verschoben")


@router.post("/wiedervorlagen/{resubmission_id}/loeschen")
def delete_page(
    request: Request,
    resubmission_id: int,
    user: UserDep,
    csrf: Annotated[str, Form()],
    zurueck: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        service.remove(connection, resubmission_id, user)
    return _back(zurueck, "Wiedervorlage gelöscht")


# --- JSON API ---------------------------------------------------------------------------


class ResubmissionIn(BaseModel):
    due_on: date = Field(description="Tag der Wiedervorlage (JJJJ-MM-TT)")
    note: str = Field("", max_length=service.MAX_NOTE)
    user: str | None = Field(None, max_length=64, description="für diese Person (Anmeldename)")
    unit: str | None = Field(None, max_length=32, description="in den Postkorb dieser Einheit")


class VersionIn(BaseModel):
    row_version: int = Field(description="row_version der Wiedervorlage, wie zuletzt gelesen")


class PostponeIn(VersionIn):
    due_on: date


class ResubmissionOut(BaseModel):
    id: int
    case: str
    case_id: str
    case_subject: str
    due_on: date
    overdue: bool
    note: str
    user: str | None
    unit: str | None
    created_by: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    row_version: int


def _out(item: Resubmission, on: date) -> ResubmissionOut:
    return ResubmissionOut(
        id=item.id,
        case=item.case_reference,
        case_id=item.case_uuid,
        case_subject=item.case_subject,
        due_on=item.due_on,
        overdue=item.overdue(on),
        note=item.note,
        user=item.for_user,
        unit=item.for_unit,
        created_by=item.created_by,
        created_at=item.created_at,
        done_at=item.done_at,
        done_by=item.done_by,
        row_version=item.row_version,
    )


@api_router.get(
    "/cases/{case_id}/resubmissions", response_model=list[ResubmissionOut], summary="Wiedervorlagen"
)
def api_list(request: Request, case_id: str, user: ApiUser) -> list[ResubmissionOut]:
    with state(request).db.read() as connection:
        require_readable_case(connection, case_id, user)
        items = service.of_case(connection, get_case(connection, case_id.strip()).id)
    day = today()
    return [_out(item, day) for item in items]


@api_router.post(
    "/cases/{case_id}/resubmissions",
    response_model=ResubmissionOut,
    status_code=201,
    summary="Wiedervorlage anlegen (für mich, eine Person oder den Postkorb einer Einheit)",
)
def api_create(
    request: Request, case_id: str, body: ResubmissionIn, user: ApiUser
) -> ResubmissionOut:
    with state(request).db.write() as connection:
        created = service.create(
            connection, case_id, user, body.due_on, body.note, body.user, body.unit
        )
    return _out(created, today())


@api_router.get(
    "/resubmissions/due",
    response_model=list[ResubmissionOut],
    summary="Meine fälligen Wiedervorlagen",
)
def api_due(request: Request, user: ApiUser) -> list[ResubmissionOut]:
    with state(request).db.read() as connection:
        items = service.due_for(connection, user)
    day = today()
    return [_out(item, day) for item in items]


@api_router.post(
    "/resubmissions/{resubmission_id}/done",
    response_model=ResubmissionOut,
    summary="Als erledigt markieren",
)
def api_done(
    request: Request, resubmission_id: int, body: VersionIn, user: ApiUser
) -> ResubmissionOut:
    with state(request).db.write() as connection:
        done = service.mark_done(connection, resubmission_id, body.row_version, user)
    return _out(done, today())


@api_router.post(
    "/resubmissions/{resubmission_id}/postpone",
    response_model=ResubmissionOut,
    summary="Verschieben",
)
def api_postpone(
    request: Request, resubmission_id: int, body: PostponeIn, user: ApiUser
) -> ResubmissionOut:
    with state(request).db.write() as connection:
        moved = service.postpone(connection, resubmission_id, body.row_version, user, body.due_on)
    return _out(moved, today())


@api_router.delete(
    "/resubmissions/{resubmission_id}", status_code=204, summary="Löschen (wer anlegte)"
)
def api_delete(request: Request, resubmission_id: int, user: ApiUser) -> Response:
    with state(request).db.write() as connection:
        service.remove(connection, resubmission_id, user)
    return Response(status_code=204)
