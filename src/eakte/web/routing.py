"""Routing slips on the case page, the steps on the desk, deputies and absences; JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from eakte.core.routing import OUTCOME_DE, Outcome
from eakte.errors import EakteError, ValidationError
from eakte.records import organisation
from eakte.records.dossiers import get_case
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.resubmissions.service import parse_day
from eakte.routing import deputies
from eakte.routing import service as routing
from eakte.web.pages import render
from eakte.web.routing_context import FORM_ROWS, UNIT_PREFIX
from eakte.web.security import api_user, check_csrf, page_user, state

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["Geschäftsgang"])
UserDep = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


def _spec(kind: str, to: str, parallel: bool) -> routing.StepSpec:
    to = to.strip()
    if to.startswith(UNIT_PREFIX):
        return routing.StepSpec(kind, unit=to[len(UNIT_PREFIX) :].strip(), parallel=parallel)
    return routing.StepSpec(kind, user=to, parallel=parallel)


def _back(case_id: str, notice: str) -> Response:
    return RedirectResponse(f"/vorgaenge/{case_id}?hinweis={quote(notice)}", status_code=303)


@router.post("/vorgaenge/{case_id}/laufzettel")
async def start_page(request: Request, case_id: str, user: UserDep) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    specs: list[routing.StepSpec] = []
    for row in range(1, FORM_ROWS + 1):
        to = str(form.get(f"an_{row}", "")).strip()
        if to:
            kind = str(form.get(f"art_{row}", "cosign"))
            specs.append(_spec(kind, to, form.get(f"parallel_{row}") == "1" and bool(specs)))
    if not specs:
        raise ValidationError("Bitte mindestens einen Schritt mit Empfänger eintragen.")
    subject = str(form.get("betreff", ""))[:500]
    close = form.get("abschliessen") == "1"
    with state(request).db.write() as connection:
        slip = routing.start_slip(connection, case_id, subject, specs, user, close)
    return _back(case_id, f"Laufzettel mit {len(slip.steps)} Schritt(en) versandt")


@router.post("/laufzettel/schritte/{step_id}")
def act_page(
    request: Request,
    step_id: int,
    user: UserDep,
    csrf: Annotated[str, Form()],
    ergebnis: Annotated[str, Form(max_length=40)],
    version: Annotated[int, Form()],
    anmerkung: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        slip = routing.act(connection, step_id, version, user, ergebnis, anmerkung)
    notice = f"Schritt erledigt: {OUTCOME_DE[Outcome(ergebnis)]}"
    if slip.state == "completed":
        notice += " – Laufzettel abgeschlossen"
    with state(request).db.read() as connection:
        try:
            describe(connection, slip.case_uuid, user, "case")
        except EakteError:  # the step was the user's only reason to read the case
            return RedirectResponse(f"/?hinweis={quote(notice)}", status_code=303)
    return _back(slip.case_uuid, notice)


@router.post("/laufzettel/{slip_id}/zurueckziehen")
def cancel_page(
    request: Request,
    slip_id: str,
    user: UserDep,
    csrf: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        slip = routing.cancel(connection, slip_id, version, user)
    return _back(slip.case_uuid, "Laufzettel zurückgezogen")


@router.get("/vertretung")
def deputies_page(request: Request, user: UserDep, hinweis: str | None = None) -> HTMLResponse:
    with state(request).db.read() as connection:
        names = deputies.deputies_of(connection, user.login)
        away = deputies.absences_of(connection, user.login)
        people = [p for p in organisation.list_users(connection) if p[0] != user.login]
        standing_in = [
            item for item in routing.work_for(connection, user) if item.acting_for is not None
        ]
    return render(
        request,
        "deputies.html",
        deputies=names,
        absences=away,
        people=people,
        standing_in=standing_in,
        notice=hinweis,
    )


def _deputies_back(notice: str) -> Response:
    return RedirectResponse(f"/vertretung?hinweis={quote(notice)}", status_code=303)


@router.post("/vertretung")
async def set_deputies_page(request: Request, user: UserDep) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    chosen = [str(v) for v in form.getlist("vertretung")][:20]
    with state(request).db.write() as connection:
        deputies.set_deputies(connection, user.login, chosen, user.login)
    return _deputies_back("Vertretung gespeichert")


@router.post("/vertretung/abwesenheiten")
def add_absence_page(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    von: Annotated[str, Form(max_length=10)],
    bis: Annotated[str, Form(max_length=10)],
    anlass: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        deputies.add_absence(
            connection, user.login, parse_day(von, "Von"), parse_day(bis, "Bis"), anlass, user.login
        )
    return _deputies_back("Abwesenheit eingetragen")


@router.post("/vertretung/abwesenheiten/{absence_id}/loeschen")
def remove_absence_page(
    request: Request, absence_id: int, user: UserDep, csrf: Annotated[str, Form()]
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        deputies.remove_absence(connection, user.login, absence_id, user.login)
    return _deputies_back("Abwesenheit gelöscht")


# --- JSON API ---------------------------------------------------------------------------


class StepIn(BaseModel):
    kind: str = Field(description="acknowledge | cosign | sign")
    user: str | None = Field(None, max_length=64, description="Anmeldename")
    unit: str | None = Field(None, max_length=32, description="Kürzel (Postkorb der Einheit)")
    parallel: bool = Field(False, description="gleichzeitig mit dem vorigen Schritt")


class SlipIn(BaseModel):
    subject: str = Field("", max_length=500)
    steps: list[StepIn] = Field(min_length=1, max_length=30)
    close_case: bool = False


class StepOut(BaseModel):
    id: int
    position: int
    kind: str
    user: str | None
    unit: str | None
    state: str
    outcome: str | None
    remarks: str
    acted_by: str | None
    acted_for: str | None
    acted_at: datetime | None
    row_version: int


class SlipOut(BaseModel):
    id: str
    case: str
    case_id: str
    subject: str
    state: str
    close_case: bool
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    row_version: int
    steps: list[StepOut]


class ActIn(BaseModel):
    outcome: str = Field(
        description="acknowledged | approved | approved_with_remarks | rejected | signed"
    )
    remarks: str = Field("", max_length=5000)
    row_version: int = Field(description="row_version des Schritts, wie zuletzt gelesen")


class CancelIn(BaseModel):
    row_version: int


class WorkOut(BaseModel):
    slip: SlipOut
    step_id: int
    acting_for: str | None


def _slip_out(slip: routing.Slip) -> SlipOut:
    return SlipOut(
        id=slip.uuid,
        case=slip.case_reference,
        case_id=slip.case_uuid,
        subject=slip.subject,
        state=slip.state,
        close_case=slip.close_case,
        created_by=slip.created_by,
        created_at=slip.created_at,
        finished_at=slip.finished_at,
        row_version=slip.row_version,
        steps=[
            StepOut(
                id=s.id,
                position=s.position,
                kind=s.kind,
                user=s.assignee_user,
                unit=s.assignee_unit,
                state=s.state,
                outcome=s.outcome,
                remarks=s.remarks,
                acted_by=s.acted_by,
                acted_for=s.acted_for,
                acted_at=s.acted_at,
                row_version=s.row_version,
            )
            for s in slip.steps
        ],
    )


@api_router.get(
    "/cases/{case_id}/routing-slips", response_model=list[SlipOut], summary="Laufzettel"
)
def api_slips(request: Request, case_id: str, user: ApiUser) -> list[SlipOut]:
    with state(request).db.read() as connection:
        record = describe(connection, case_id, user, "case")
        case = get_case(connection, record["id"])
        return [_slip_out(s) for s in routing.slips_of_case(connection, case.id)]


@api_router.post(
    "/cases/{case_id}/routing-slips",
    response_model=SlipOut,
    status_code=201,
    summary="Laufzettel versenden",
)
def api_start(request: Request, case_id: str, body: SlipIn, user: ApiUser) -> SlipOut:
    specs = [routing.StepSpec(s.kind, s.user, s.unit, s.parallel) for s in body.steps]
    with state(request).db.write() as connection:
        slip = routing.start_slip(connection, case_id, body.subject, specs, user, body.close_case)
    return _slip_out(slip)


@api_router.get(
    "/routing-steps", response_model=list[WorkOut], summary="Meine offenen Laufzettel-Schritte"
)
def api_work(request: Request, user: ApiUser) -> list[WorkOut]:
    with state(request).db.read() as connection:
        items = routing.work_for(connection, user)
    return [
        WorkOut(slip=_slip_out(i.slip), step_id=i.step.id, acting_for=i.acting_for) for i in items
    ]


@api_router.post("/routing-steps/{step_id}", response_model=SlipOut, summary="Schritt erledigen")
def api_act(request: Request, step_id: int, body: ActIn, user: ApiUser) -> SlipOut:
    with state(request).db.write() as connection:
        slip = routing.act(connection, step_id, body.row_version, user, body.outcome, body.remarks)
    return _slip_out(slip)


@api_router.post(
    "/routing-slips/{slip_id}/cancel", response_model=SlipOut, summary="Laufzettel zurückziehen"
)
def api_cancel(request: Request, slip_id: str, body: CancelIn, user: ApiUser) -> SlipOut:
    with state(request).db.write() as connection:
        slip = routing.cancel(connection, slip_id, body.row_version, user)
    return _slip_out(slip)
