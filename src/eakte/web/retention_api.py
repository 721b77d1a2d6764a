"""JSON API for retention and disposal under ``/api/v1/retention`` (role registry).

The same operations as the registry pages and ``eakte retention`` / ``eakte disposal``. Changes
of a disposal run name the ``row_version`` the caller last saw; if the run changed meanwhile
the answer is 409 and nothing happens.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eakte.records.organisation import User
from eakte.retention import holds, overrides, runs
from eakte.retention.destruction import erase_contents
from eakte.retention.offer import build_offer, render_offer
from eakte.retention.status import list_due, retention_of
from eakte.web.security import api_user, require_role, state

router = APIRouter(prefix="/api/v1/retention", tags=["Aufbewahrung und Aussonderung"])


def registry_api_user(user: Annotated[User, Depends(api_user)]) -> User:
    require_role(user, "registry")
    return user


Registry = Annotated[User, Depends(registry_api_user)]


class HoldOut(BaseModel):
    id: int
    reason: str
    placed_at: str
    placed_by: str
    lifted_at: str | None
    lifted_by: str | None
    lift_reason: str | None


class OverrideOut(BaseModel):
    years: int
    disposition: str
    reason: str
    set_at: str
    set_by: str


class RetentionOut(BaseModel):
    id: str
    reference: str
    subject: str
    plan_item: str
    plan_title: str
    lead_unit: str
    confidentiality: str
    created_at: str
    closed_at: str | None
    status: str = Field(description="open, held, no_rule, running, due, handed_over, destroyed")
    status_label: str
    retention_years: int | None
    disposition: str | None = Field(description="A archivieren, B bewerten, V vernichten")
    rule_source: str | None
    retention_ends: str | None = Field(description="letzter Tag der Aufbewahrung")
    due_on: str | None = Field(description="erster Tag, an dem die Akte ausgesondert werden darf")
    override: OverrideOut | None
    holds: list[HoldOut]
    disposal_run: int | None
    disposed_at: str | None


class DueOut(BaseModel):
    as_of: str
    due: list[RetentionOut]
    without_rule: list[RetentionOut] = Field(description="abgeschlossen, aber ohne Regel")


class RunItemOut(RetentionOut):
    appraisal: str | None = Field(description="archive oder destroy")
    appraised_at: str | None
    appraised_by: str | None
    planned: str | None = Field(description="was der Abschluss jetzt täte")
    problem: str | None = Field(description="warum der Abschluss jetzt nicht ginge")
    outcome: str | None
    done_at: str | None


class RunOut(BaseModel):
    id: int
    process_id: str = Field(description="xdomea-ProzessID des Anbietens und der Übergabe")
    state: str = Field(description="selected, offered, completed, cancelled")
    state_label: str
    note: str
    created_at: str
    created_by: str
    offered_at: str | None
    completed_at: str | None
    row_version: int
    dossiers: list[RunItemOut]


class RunSummaryOut(BaseModel):
    id: int
    state: str
    note: str
    created_at: str
    created_by: str
    dossiers: int


class CompletionOut(BaseModel):
    run: RunOut
    handed_over: list[str]
    destroyed: list[str]
    blobs_removed: int


class OverrideIn(BaseModel):
    years: int = Field(ge=0, le=200)
    disposition: Literal["A", "B", "V"]
    reason: str = Field(max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field(max_length=500)


class RunIn(BaseModel):
    dossiers: list[str] = Field(description="Aktenzeichen oder IDs", max_length=10_000)
    note: str = Field("", max_length=500)


class VersionIn(BaseModel):
    row_version: int = Field(description="die Version des Laufs, die der Aufrufer kennt")


class AppraisalsIn(VersionIn):
    appraisals: dict[str, Literal["archive", "destroy"] | None] = Field(
        description="Aktenzeichen oder ID → archive, destroy (null: Bewertung löschen)"
    )


def _run_out(run: runs.Run) -> RunOut:
    return RunOut.model_validate(run.as_dict())


@router.get("/due", response_model=DueOut, summary="Aussonderungsreife Akten")
def due(
    request: Request,
    user: Registry,
    as_of: date | None = None,
    plan: Annotated[str | None, Query(max_length=160)] = None,
    disposition: Literal["A", "B", "V"] | None = None,
) -> dict[str, Any]:
    with state(request).db.read() as connection:
        return list_due(connection, as_of, plan, disposition).as_dict()


@router.get(
    "/dossiers/{dossier_id}", response_model=RetentionOut, summary="Aufbewahrung einer Akte"
)
def dossier(request: Request, dossier_id: str, user: Registry) -> dict[str, Any]:
    with state(request).db.read() as connection:
        return retention_of(connection, dossier_id).as_dict()


@router.put(
    "/dossiers/{dossier_id}/override",
    response_model=RetentionOut,
    summary="Abweichende Aufbewahrungsfrist festlegen (mit Begründung)",
)
def set_override(
    request: Request, dossier_id: str, body: OverrideIn, user: Registry
) -> dict[str, Any]:
    with state(request).db.write() as connection:
        view = overrides.set_override(
            connection, dossier_id, body.years, body.disposition, body.reason, user.login
        )
    return view.as_dict()


@router.delete(
    "/dossiers/{dossier_id}/override",
    response_model=RetentionOut,
    summary="Abweichende Aufbewahrungsfrist aufheben (mit Begründung)",
)
def clear_override(
    request: Request,
    dossier_id: str,
    user: Registry,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> dict[str, Any]:
    with state(request).db.write() as connection:
        return overrides.clear_override(connection, dossier_id, reason, user.login).as_dict()


@router.post(
    "/dossiers/{dossier_id}/holds",
    response_model=RetentionOut,
    status_code=201,
    summary="Aufbewahrungssperre setzen",
)
def place_hold(request: Request, dossier_id: str, body: ReasonIn, user: Registry) -> dict[str, Any]:
    with state(request).db.write() as connection:
        holds.place_hold(connection, dossier_id, body.reason, user.login)
        return retention_of(connection, dossier_id).as_dict()


@router.post(
    "/dossiers/{dossier_id}/holds/{hold_id}/release",
    response_model=RetentionOut,
    summary="Aufbewahrungssperre aufheben",
)
def lift_hold(
    request: Request, dossier_id: str, hold_id: int, body: ReasonIn, user: Registry
) -> dict[str, Any]:
    with state(request).db.write() as connection:
        holds.lift_hold(connection, dossier_id, body.reason, user.login, hold_id)
        return retention_of(connection, dossier_id).as_dict()


@router.get("/runs", response_model=list[RunSummaryOut], summary="Aussonderungsläufe")
def list_runs(request: Request, user: Registry) -> list[RunSummaryOut]:
    with state(request).db.read() as connection:
        found = runs.list_runs(connection)
    return [
        RunSummaryOut(
            id=r.id,
            state=r.state,
            note=r.note,
            created_at=r.created_at.isoformat(),
            created_by=r.created_by,
            dossiers=r.dossiers,
        )
        for r in found
    ]


@router.post(
    "/runs", response_model=RunOut, status_code=201, summary="Aussonderungslauf zusammenstellen"
)
def create_run(request: Request, body: RunIn, user: Registry) -> RunOut:
    with state(request).db.write() as connection:
        return _run_out(runs.create_run(connection, body.dossiers, user.login, body.note))


@router.get("/runs/{run_id}", response_model=RunOut, summary="Aussonderungslauf")
def get_run(request: Request, run_id: int, user: Registry) -> RunOut:
    with state(request).db.read() as connection:
        return _run_out(runs.get_run(connection, run_id))


@router.get(
    "/runs/{run_id}/offer",
    summary="Anbieteverzeichnis herunterladen (CSV oder JSON)",
    response_class=Response,
)
def offer_list(
    request: Request, run_id: int, user: Registry, format: Literal["csv", "json"] = "json"
) -> Response:
    with state(request).db.read() as connection:
        offer = build_offer(connection, run_id)
    body, media_type, name = render_offer(offer, format)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/runs/{run_id}/offer", response_model=RunOut, summary="Als angeboten vermerken")
def offer(request: Request, run_id: int, body: VersionIn, user: Registry) -> RunOut:
    with state(request).db.write() as connection:
        return _run_out(runs.offer_run(connection, run_id, user.login, body.row_version))


@router.post(
    "/runs/{run_id}/appraisals", response_model=RunOut, summary="Bewertung des Archivs eintragen"
)
def appraise(request: Request, run_id: int, body: AppraisalsIn, user: Registry) -> RunOut:
    with state(request).db.write() as connection:
        run = runs.record_appraisals(
            connection, run_id, body.appraisals, user.login, body.row_version
        )
    return _run_out(run)


@router.delete(
    "/runs/{run_id}/dossiers/{dossier_id}",
    response_model=RunOut,
    summary="Akte aus einem offenen Lauf nehmen",
)
def remove(
    request: Request, run_id: int, dossier_id: str, row_version: int, user: Registry
) -> RunOut:
    with state(request).db.write() as connection:
        return _run_out(
            runs.remove_from_run(connection, run_id, dossier_id, user.login, row_version)
        )


@router.post("/runs/{run_id}/cancel", response_model=RunOut, summary="Lauf abbrechen")
def cancel(request: Request, run_id: int, body: VersionIn, user: Registry) -> RunOut:
    with state(request).db.write() as connection:
        return _run_out(runs.cancel_run(connection, run_id, user.login, body.row_version))


@router.post(
    "/runs/{run_id}/complete",
    response_model=CompletionOut,
    summary="Lauf abschließen: übergeben oder vernichten (endgültig)",
)
def complete(request: Request, run_id: int, body: VersionIn, user: Registry) -> CompletionOut:
    web = state(request)
    with web.db.write() as connection:
        done = runs.complete_run(connection, run_id, user.login, body.row_version)
    erased = erase_contents(web.db, web.blobs, done.hashes)
    return CompletionOut(
        run=_run_out(done.run),
        handed_over=done.handed_over,
        destroyed=done.destroyed,
        blobs_removed=len(erased.removed),
    )
