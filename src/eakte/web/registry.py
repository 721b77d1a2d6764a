"""Registry pages (Registratur, role registry): due dossiers, disposal runs, holds, overrides.

The registry sees the metadata of dossiers for retention and disposal (reference, subject, plan
item, lead unit, dates, counts) in every unit; that is structure, not content. It reads content
only where the ordinary reading rights allow, like anybody else.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eakte.core.retention import Outcome
from eakte.errors import ValidationError
from eakte.interchange import processes
from eakte.interchange.model import VERSIONS
from eakte.records.access import read_scope
from eakte.records.common import today
from eakte.records.organisation import User
from eakte.retention import holds, overrides, runs
from eakte.retention.destruction import erase_contents
from eakte.retention.offer import build_offer, render_offer
from eakte.retention.status import find_dossier_row, list_due, retention_of
from eakte.web.pages import render
from eakte.web.retention_context import LABELS
from eakte.web.security import check_csrf, page_user, require_role, state

router = APIRouter(prefix="/registratur", include_in_schema=False)
UserDep = Annotated[User, Depends(page_user)]
Back = Literal["akte", "registratur"]


def registry_user(user: UserDep) -> User:
    """The signed-in user, if they have the registry role (403 otherwise)."""
    require_role(user, "registry")
    return user


RegistryDep = Annotated[User, Depends(registry_user)]


def _stichtag(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"Stichtag {value!r} ist kein Datum (JJJJ-MM-TT).") from exc


@router.get("")
def overview(
    request: Request,
    user: RegistryDep,
    stichtag: str | None = None,
    plan: str | None = None,
    art: str | None = None,
    hinweis: str | None = None,
) -> HTMLResponse:
    as_of = _stichtag(stichtag)
    with state(request).db.read() as connection:
        report = list_due(connection, as_of, plan or None, art or None)
        held = holds.list_active_holds(connection)
        recent = runs.list_runs(connection, limit=20)
    return render(
        request,
        "registry.html",
        report=report,
        held=held,
        runs=recent,
        filters={"stichtag": stichtag or "", "plan": plan or "", "art": art or ""},
        selectable=as_of is None or as_of == today(),
        notice=hinweis,
        **LABELS,
    )


@router.get("/akten")
def find_dossier(request: Request, az: str, user: RegistryDep) -> Response:
    # Pages address dossiers by id: an Aktenzeichen may contain "/".
    with state(request).db.read() as connection:
        found = find_dossier_row(connection, az)
    return RedirectResponse(f"/registratur/akten/{found.uuid}", status_code=303)


@router.get("/akten/{dossier_id}")
def dossier(
    request: Request, dossier_id: str, user: RegistryDep, hinweis: str | None = None
) -> HTMLResponse:
    with state(request).db.read() as connection:
        view = retention_of(connection, dossier_id)
        readable = read_scope(connection, user).reads(view.unit_id, view.id, view.confidentiality)
    return render(
        request,
        "registry_dossier.html",
        retention=view,
        readable=readable,
        may_manage_retention=True,
        retention_back="registratur",
        notice=hinweis,
        **LABELS,
    )


def _back(view_uuid: str, back: Back, notice: str) -> Response:
    path = f"/akten/{view_uuid}" if back == "akte" else f"/registratur/akten/{view_uuid}"
    return RedirectResponse(f"{path}?hinweis={quote(notice)}", status_code=303)


Csrf = Annotated[str, Form()]
Reason = Annotated[str, Form(max_length=500)]


@router.post("/akten/{dossier_id}/sperren")
def place_hold(
    request: Request,
    dossier_id: str,
    user: RegistryDep,
    csrf: Csrf,
    begruendung: Reason = "",
    zurueck: Annotated[Back, Form()] = "registratur",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        placed = holds.place_hold(connection, dossier_id, begruendung, user.login)
        uuid = retention_of(connection, dossier_id).uuid
    notice = f"Aufbewahrungssperre für Akte {placed.reference} gesetzt."
    if placed.run:
        notice += (
            f" Die Akte steht im Aussonderungslauf {placed.run}; er lässt sich erst "
            "abschließen, wenn sie herausgenommen oder die Sperre aufgehoben ist."
        )
    return _back(uuid, zurueck, notice)


@router.post("/akten/{dossier_id}/sperren/{hold_id}/aufheben")
def lift_hold(
    request: Request,
    dossier_id: str,
    hold_id: int,
    user: RegistryDep,
    csrf: Csrf,
    begruendung: Reason = "",
    zurueck: Annotated[Back, Form()] = "registratur",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        holds.lift_hold(connection, dossier_id, begruendung, user.login, hold_id)
        uuid = retention_of(connection, dossier_id).uuid
    return _back(uuid, zurueck, f"Aufbewahrungssperre {hold_id} aufgehoben.")


@router.post("/akten/{dossier_id}/frist")
def set_override(
    request: Request,
    dossier_id: str,
    user: RegistryDep,
    csrf: Csrf,
    jahre: Annotated[int, Form(ge=0, le=200)],
    art: Annotated[Literal["A", "B", "V"], Form()],
    begruendung: Reason = "",
    zurueck: Annotated[Back, Form()] = "registratur",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        view = overrides.set_override(connection, dossier_id, jahre, art, begruendung, user.login)
    return _back(
        view.uuid, zurueck, f"Abweichende Aufbewahrungsfrist festgelegt: {jahre} Jahre, {art}."
    )


@router.post("/akten/{dossier_id}/frist/aufheben")
def clear_override(
    request: Request,
    dossier_id: str,
    user: RegistryDep,
    csrf: Csrf,
    begruendung: Reason = "",
    zurueck: Annotated[Back, Form()] = "registratur",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        view = overrides.clear_override(connection, dossier_id, begruendung, user.login)
    return _back(view.uuid, zurueck, "Abweichung aufgehoben: es gilt wieder der Aktenplan.")


def _to_run(run_id: int, notice: str) -> Response:
    return RedirectResponse(
        f"/registratur/laeufe/{run_id}?hinweis={quote(notice)}", status_code=303
    )


@router.post("/laeufe")
def create_run(
    request: Request,
    user: RegistryDep,
    csrf: Csrf,
    akten: Annotated[list[str] | None, Form()] = None,
    vermerk: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        run = runs.create_run(connection, akten or [], user.login, vermerk)
    return _to_run(run.id, f"Aussonderungslauf {run.id} mit {len(run.items)} Akte(n) angelegt.")


@router.get("/laeufe/{run_id}")
def run_page(
    request: Request, run_id: int, user: RegistryDep, hinweis: str | None = None
) -> HTMLResponse:
    with state(request).db.read() as connection:
        run = runs.get_run(connection, run_id)
        process = processes.for_run(connection, run.id)
    return render(
        request,
        "registry_run.html",
        run=run,
        process=process,
        xdomea_versions=VERSIONS,
        notice=hinweis,
        to_hand_over=len(run.planned(Outcome.HANDED_OVER)),
        to_destroy=len(run.planned(Outcome.DESTROYED)),
        **LABELS,
    )


@router.get("/laeufe/{run_id}/anbieteverzeichnis.{kind}")
def offer_file(request: Request, run_id: int, kind: str, user: RegistryDep) -> Response:
    with state(request).db.read() as connection:
        offer = build_offer(connection, run_id)
    body, media_type, name = render_offer(offer, kind)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


Version = Annotated[int, Form()]


@router.post("/laeufe/{run_id}/anbieten")
def offer(
    request: Request, run_id: int, user: RegistryDep, csrf: Csrf, version: Version
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        run = runs.offer_run(connection, run_id, user.login, version)
    return _to_run(
        run.id,
        "Dem Archiv angeboten. Das Anbieteverzeichnis steht zum Herunterladen bereit; "
        "die Bewertung des Archivs hier eintragen.",
    )


@router.post("/laeufe/{run_id}/bewertung")
def appraise(
    request: Request,
    run_id: int,
    user: RegistryDep,
    csrf: Csrf,
    version: Version,
    akte: Annotated[list[str], Form()],
    bewertung: Annotated[list[str], Form()],
) -> Response:
    check_csrf(request, csrf)
    if len(akte) != len(bewertung):
        raise ValidationError("Das Formular ist unvollständig; bitte die Seite neu laden.")
    with state(request).db.write() as connection:
        runs.record_appraisals(
            connection, run_id, dict(zip(akte, bewertung, strict=True)), user.login, version
        )
    return _to_run(run_id, "Bewertungen gespeichert.")


@router.post("/laeufe/{run_id}/entfernen")
def remove(
    request: Request,
    run_id: int,
    user: RegistryDep,
    csrf: Csrf,
    version: Version,
    entfernen: Annotated[str, Form()],
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        runs.remove_from_run(connection, run_id, entfernen, user.login, version)
    return _to_run(run_id, "Akte aus dem Lauf genommen.")


@router.post("/laeufe/{run_id}/abbrechen")
def cancel(
    request: Request, run_id: int, user: RegistryDep, csrf: Csrf, version: Version
) -> Response:
    check_csrf(request, csrf)
    with state(request).db.write() as connection:
        runs.cancel_run(connection, run_id, user.login, version)
    return _to_run(run_id, "Aussonderungslauf abgebrochen; seine Akten sind wieder frei.")


@router.post("/laeufe/{run_id}/abschliessen")
def complete(
    request: Request,
    run_id: int,
    user: RegistryDep,
    csrf: Csrf,
    version: Version,
    bestaetigt: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if bestaetigt != "ja":
        raise ValidationError(
            "Bitte bestätigen, dass die Akten übergeben und vernichtet werden dürfen; die "
            "Vernichtung lässt sich nicht rückgängig machen."
        )
    web = state(request)
    with web.db.write() as connection:
        done = runs.complete_run(connection, run_id, user.login, version)
    erased = erase_contents(web.db, web.blobs, done.hashes)
    notice = (
        f"Aussonderungslauf abgeschlossen: {len(done.handed_over)} Akte(n) an das Archiv "
        f"übergeben, {len(done.destroyed)} vernichtet ({len(erased.removed)} Datei(en) gelöscht)."
    )
    return _to_run(run_id, notice)
