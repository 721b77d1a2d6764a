"""Administration pages: org units and people (role admin), file plan import (role registry).

Administration manages structure; it grants no right to read any dossier's content.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eakte.auth.passwords import MIN_LENGTH, hash_password
from eakte.core.fileplan import parse_plan_csv, parse_plan_json
from eakte.errors import ValidationError
from eakte.records import fileplan, grants, organisation
from eakte.records.access import SUPERIOR_UNITS_READ
from eakte.records.organisation import User
from eakte.web.pages import render
from eakte.web.security import check_csrf, page_user, require_role, state

router = APIRouter(prefix="/verwaltung", include_in_schema=False)
UserDep = Annotated[User, Depends(page_user)]
MAX_PLAN_BYTES = 5 * 1024 * 1024


def _back(notice: str) -> Response:
    return RedirectResponse(f"/verwaltung?hinweis={quote(notice)}", status_code=303)


@router.get("")
def overview(request: Request, user: UserDep, hinweis: str | None = None) -> HTMLResponse:
    require_role(user, "admin", "registry")
    with state(request).db.read() as connection:
        units = organisation.list_units(connection)
        people = organisation.list_users(connection)
        addresses = organisation.emails(connection)
        rules = grants.policy_values(connection)
    codes = {u.id: u.code for u in units}
    return render(
        request,
        "admin.html",
        units=units,
        codes=codes,
        people=people,
        emails=addresses,
        notice=hinweis,
        roles=organisation.ROLES,
        is_admin=user.has_role("admin"),
        is_registry=user.has_role("registry"),
        rules=rules,
    )


@router.post("/regeln")
def set_rules(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    superior_units_read: Annotated[str, Form()] = "off",
) -> Response:
    """County-wide access rules; a change is a permission change and lands in the audit."""
    check_csrf(request, csrf)
    require_role(user, "admin")
    value = "on" if superior_units_read == "on" else "off"
    with state(request).db.write() as connection:
        grants.set_policy(connection, SUPERIOR_UNITS_READ, value, user.login)
    return _back(
        "Übergeordnete Einheiten lesen jetzt die Akten ihrer Untereinheiten."
        if value == "on"
        else "Akten liest jetzt nur noch die federführende Einheit selbst (und Freigaben)."
    )


@router.post("/einheiten")
def add_unit(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    parent: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "admin")
    with state(request).db.write() as connection:
        unit = organisation.add_unit(connection, code, name, parent or None, user.login)
    return _back(f"Organisationseinheit {unit.code} angelegt.")


@router.post("/personen")
def add_person(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    login: Annotated[str, Form()],
    name: Annotated[str, Form()],
    unit: Annotated[str, Form()],
    password: Annotated[str, Form()],
    roles: Annotated[list[str] | None, Form()] = None,
    clearance: Annotated[str, Form()] = "002",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "admin")
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Das Passwort braucht mindestens {MIN_LENGTH} Zeichen.")
    with state(request).db.write() as connection:
        person = organisation.add_user(
            connection,
            login,
            name,
            [unit],
            user.login,
            roles or ["clerk"],
            clearance,
            hash_password(password),
            email.strip() or None,
        )
    return _back(f"Person {person.login} angelegt.")


@router.post("/personen/email")
def set_email(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    login: Annotated[str, Form(max_length=64)],
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """The address the daily digest of due resubmissions goes to; empty removes it."""
    check_csrf(request, csrf)
    require_role(user, "admin")
    with state(request).db.write() as connection:
        organisation.set_email(connection, login, email.strip() or None, user.login)
    if email.strip():
        return _back(f"E-Mail-Adresse von {login}: {email.strip()}")
    return _back(f"E-Mail-Adresse von {login} entfernt.")


@router.post("/aktenplan")
async def import_plan(
    request: Request, user: UserDep, csrf: Annotated[str, Form()], datei: UploadFile
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "registry")
    raw = await datei.read(MAX_PLAN_BYTES + 1)
    if len(raw) > MAX_PLAN_BYTES:
        raise ValidationError("Die Aktenplan-Datei ist größer als 5 MB.")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252")
    name = (datei.filename or "").lower()
    is_json = name.endswith(".json") or content.lstrip().startswith(("[", "{"))
    rows = parse_plan_json(content) if is_json else parse_plan_csv(content)
    with state(request).db.write() as connection:
        summary = fileplan.import_plan(connection, rows, user.login)
    return _back(
        f"Aktenplan eingelesen: {summary.created} neu, {summary.updated} geändert, "
        f"{summary.unchanged} unverändert."
    )
