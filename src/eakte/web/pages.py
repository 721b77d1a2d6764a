"""German HTML pages: login, desk, file plan, dossier, case (upload, close), document, search."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from eakte.auth import service as auth
from eakte.core.records import STATE_LABELS_DE, DocumentState
from eakte.errors import EakteError, QueryError
from eakte.records import dossiers as dossier_service
from eakte.records import fileplan, listing, organisation
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User
from eakte.search import search
from eakte.web import uploads
from eakte.web.content import content_response
from eakte.web.grants import grants_context
from eakte.web.history_context import history_section
from eakte.web.lifecycle_context import lifecycle_context
from eakte.web.resubmissions import case_resubmissions, desk_resubmissions
from eakte.web.retention_context import retention_context
from eakte.web.routing_context import case_context, desk_context
from eakte.web.security import COOKIE, check_csrf, current_session, page_user, require_role, state

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
KIND_DE = {
    "pdf": "PDF",
    "docx": "Word",
    "odt": "ODT",
    "text": "Text",
    "html": "HTML",
    "email": "E-Mail",
    "msg": "Outlook-Nachricht",
    "image": "Bild",
    "other": "Sonstige",
}
UserDep = Annotated[User, Depends(page_user)]
HistoryBefore = Annotated[int | None, Query(ge=1, description="ältere Einträge des Verlaufs")]
CasesAfter = Annotated[int | None, Query(ge=1, description="weitere Vorgänge einer Akte")]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = current_session(request)
    return state(request).templates.TemplateResponse(
        request,
        template,
        {
            "user": session.user if session else None,
            "csrf": session.csrf_token if session else "",
            "state_labels": {s.value: label for s, label in STATE_LABELS_DE.items()},
            "kinds": KIND_DE,
            **context,
        },
        status_code=status,
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {
        404: "Nicht gefunden",
        403: "Nicht erlaubt",
        409: "Nicht möglich",
        400: "Eingabe prüfen",
        413: "Zu groß",
    }
    return render(
        request, "error.html", status=status, title=titles.get(status, "Fehler"), message=message
    )


def _safe_target(target: str | None) -> str:
    # Only local paths: never redirect a person to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_form(
    request: Request, weiter: str | None = None, abgemeldet: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        target=_safe_target(weiter),
        error=None,
        notice="Sie sind abgemeldet." if abgemeldet else None,
        oidc=request.app.state.eakte.settings.oidc_issuer is not None,
    )


@router.post("/login")
def login(
    request: Request,
    login: Annotated[str, Form()],
    password: Annotated[str, Form()],
    weiter: Annotated[str, Form()] = "/",
) -> Response:
    db = state(request).db
    # The argon2 check runs in a read transaction so it never holds the single writer.
    with db.read() as connection:
        check = auth.check_password(connection, login, password)
    with db.write() as connection:
        result = auth.settle(connection, check, password)
        session = auth.start_session(connection, result.user) if result.user else None
    if session is None:
        return render(
            request,
            "login.html",
            status=401,
            target=_safe_target(weiter),
            error=result.message,
            login=login,
            oidc=request.app.state.eakte.settings.oidc_issuer is not None,
        )
    response = RedirectResponse(_safe_target(weiter), status_code=303)
    set_session_cookie(request, response, session.cookie)
    return response


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
    )


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf)
    cookie = request.cookies.get(COOKIE, "")
    with state(request).db.write() as connection:
        auth.end_session(connection, cookie)
    response: Response = RedirectResponse("/login?abgemeldet=1", status_code=303)
    if request.app.state.eakte.settings.oidc_issuer:
        from eakte.web import oidc  # imported here: oidc imports this module

        response = oidc.after_logout(request, cookie, response)  # and at the provider
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def desk(request: Request, user: UserDep, hinweis: str | None = None) -> HTMLResponse:
    with state(request).db.read() as connection:
        mine = listing.open_cases(connection, user, mine=True)
        cases = listing.open_cases(connection, user)
        recent = listing.recent_documents(connection, user)
        routing = desk_context(connection, user)
        resubmissions_due = desk_resubmissions(connection, user)
    return render(
        request,
        "desk.html",
        mine=mine,
        cases=cases,
        recent=recent,
        resubmissions_due=resubmissions_due,
        notice=hinweis,
        **routing,
    )


@router.get("/aktenplan")
def plan(request: Request, user: UserDep) -> HTMLResponse:
    with state(request).db.read() as connection:
        items = fileplan.list_plan(connection)
        counts = listing.dossier_counts(connection, user)
    return render(request, "plan.html", items=items, counts=counts)


@router.get("/aktenplan/{code}")
def plan_item(
    request: Request, code: str, user: UserDep, hinweis: str | None = None
) -> HTMLResponse:
    with state(request).db.read() as connection:
        item = fileplan.get_plan_item(connection, code)
        rows = listing.dossiers_on(connection, user, item.id)
        leaf = fileplan.is_leaf(connection, item.id)
        units = [u for u in organisation.list_units(connection) if u.id in user.unit_ids]
    may_create = leaf and (user.has_role("clerk") or user.has_role("registry"))
    return render(
        request,
        "plan_item.html",
        item=item,
        dossiers=rows,
        may_create=may_create,
        units=units,
        notice=hinweis,
    )


@router.get("/akten/{dossier_id}")
def dossier(
    request: Request,
    dossier_id: str,
    user: UserDep,
    hinweis: str | None = None,
    verlauf_vor: HistoryBefore = None,
    vorgaenge_nach: CasesAfter = None,
) -> HTMLResponse:
    with state(request).db.read() as connection:
        # The cases a page at a time: a dossier may hold thousands.
        record = describe(connection, dossier_id, user, "dossier", contents=False)
        cases = listing.dossier_cases(connection, record["id"], vorgaenge_nach)
        events = history_section(connection, "dossier", record["id"], verlauf_vor)
        lifecycle = lifecycle_context(connection, user, "dossier", record)
        access = grants_context(connection, user, record["id"])
        units = organisation.list_units(connection) if access["may_manage_grants"] else []
        kept = retention_context(connection, user, record["id"])
    return render(
        request,
        "dossier.html",
        **kept,
        dossier=record,
        cases=cases,
        events=events,
        notice=hinweis,
        units=units,
        **access,
        **lifecycle,
    )


@router.get("/vorgaenge/{case_id}")
def case(
    request: Request,
    case_id: str,
    user: UserDep,
    hinweis: str | None = None,
    verlauf_vor: HistoryBefore = None,
) -> HTMLResponse:
    with state(request).db.read() as connection:
        record = describe(connection, case_id, user, "case")
        events = history_section(connection, "case", record["id"], verlauf_vor)
        lifecycle = lifecycle_context(connection, user, "case", record)
        routing = case_context(connection, user, record["id"])
        resubmissions = case_resubmissions(connection, user, record["id"])
    return render(
        request,
        "case.html",
        case=record,
        events=events,
        **lifecycle,
        notice=hinweis,
        max_size=state(request).settings.max_file_size,
        resubmissions=resubmissions,
        **routing,
    )


@router.post("/vorgaenge/{case_id}/dokumente")
async def upload(
    request: Request,
    case_id: str,
    user: UserDep,
    dateien: list[UploadFile],
    csrf: Annotated[str, Form()],
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    filed = await uploads.file_uploads(state(request), user, case_id, dateien)
    if request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse({"documents": filed})
    notice = f"{sum(1 for f in filed if not f['duplicate'])} Dokument(e) abgelegt"
    duplicates = sum(1 for f in filed if f["duplicate"])
    if duplicates:
        notice += f", {duplicates} waren schon vorhanden"
    return RedirectResponse(f"/vorgaenge/{case_id}?hinweis={quote(notice)}", status_code=303)


@router.post("/vorgaenge/{case_id}/abschliessen")
def close_case(
    request: Request, case_id: str, user: UserDep, csrf: Annotated[str, Form()]
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "clerk", "registry")
    with state(request).db.write() as connection:
        require_writable(connection, case_id, user)  # 404 unless readable, 403 unless writable
        closed = dossier_service.close_case(connection, case_id, user.login)
    notice = quote(f"Vorgang {closed.reference} abgeschlossen (z.d.A.)")
    return RedirectResponse(f"/vorgaenge/{case_id}?hinweis={notice}", status_code=303)


@router.get("/dokumente/{document_id}")
def document(
    request: Request,
    document_id: str,
    user: UserDep,
    hinweis: str | None = None,
    verlauf_vor: HistoryBefore = None,
) -> HTMLResponse:
    with state(request).db.read() as connection:
        record = describe(connection, document_id, user, "document")
        events = history_section(connection, "document", record["id"], verlauf_vor)
        may_edit = _may_change(connection, record["case_id"], user)
    inline = record["media_type"] in ("application/pdf", "text/plain", "text/markdown") or record[
        "media_type"
    ].startswith("image/")
    return render(
        request,
        "document.html",
        document=record,
        events=events,
        inline=inline,
        waiting=record["state"] == DocumentState.AWAITING_OCR.value,
        may_edit=may_edit,
        notice=hinweis,
    )


def _may_change(connection: Any, case_id: str, user: User) -> bool:
    """Whether the page offers changes: the user may write and the case is open."""
    try:
        require_writable(connection, case_id, user)
        dossier_service.ensure_case_writable(
            connection, dossier_service.get_case(connection, case_id)
        )
    except EakteError:
        return False
    return True


@router.get("/dokumente/{document_id}/inhalt")
def document_content(
    request: Request,
    document_id: str,
    user: UserDep,
    version: int | None = None,
    download: bool = False,
) -> Response:
    return content_response(state(request), user, document_id, version, download)


@router.get("/suche")
def search_page(
    request: Request, user: UserDep, q: str = "", seite: Annotated[int, Query(ge=1, le=1000)] = 1
) -> HTMLResponse:
    result, error = None, None
    if q.strip():
        try:
            with state(request).db.read() as connection:
                result = search(
                    connection,
                    user,
                    q,
                    limit=PAGE_SIZE,
                    offset=(seite - 1) * PAGE_SIZE,
                    max_length=state(request).settings.max_query_length,
                    facets=True,
                )
        except QueryError as exc:
            error = exc.message
        except EakteError as exc:
            error = exc.message
    pages_total = math.ceil(result.total / PAGE_SIZE) if result else 0
    return render(
        request,
        "search.html",
        q=q,
        result=result,
        error=error,
        page=seite,
        pages=pages_total,
        status=400 if error else 200,
    )
