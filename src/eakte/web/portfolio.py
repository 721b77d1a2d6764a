"""Portfolio pages (role ``portfolio``): project table, roadmap, capacity, scenarios, snapshots.

The charts are SVG drawn on the server (``eakte.portfolio.charts``); no JavaScript is needed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import Connection

from eakte.core.portfolio.codec import plan_differences
from eakte.core.portfolio.model import STATUSES, Plan, Project
from eakte.core.portfolio.quarters import german_quarter
from eakte.core.portfolio.scenarios import Change, parse_change, plan_conflicts
from eakte.core.portfolio.staffing import staffing
from eakte.errors import NotFoundError, ValidationError
from eakte.portfolio import charts, measures, repository, service
from eakte.portfolio.report import (
    ReportInput,
    figure_rows,
    render_html,
    render_pdf,
    rollout_rows,
)
from eakte.records.organisation import User
from eakte.web.headers import CSP
from eakte.web.pages import render
from eakte.web.security import check_csrf, page_user, require_role, state

router = APIRouter(prefix="/portfolio", include_in_schema=False)
UserDep = Annotated[User, Depends(page_user)]
ROLE = "portfolio"


def _user(user: User) -> User:
    require_role(user, ROLE)
    return user


def _plan(request: Request, connection: Connection, scenario: str | None) -> Plan:
    return service.current_plan(connection, state(request).settings, scenario or None)


def _filtered(plan: Plan, filters: dict[str, str]) -> list[Project]:
    text = filters["q"].lower()
    return [
        p
        for p in plan.projects
        if (not filters["abteilung"] or p.department == filters["abteilung"])
        and (not filters["kategorie"] or p.category == filters["kategorie"])
        and (not filters["status"] or p.status == filters["status"])
        and (not text or text in p.title.lower() or text in p.code.lower())
    ]


def _common(plan: Plan) -> dict[str, Any]:
    return {
        "quarter": german_quarter,
        "statuses": STATUSES,
        "departments": sorted({p.department for p in plan.projects if p.department}),
        "categories": sorted({p.category for p in plan.projects if p.category}),
        "horizon": f"{german_quarter(plan.first)}–{german_quarter(plan.last)}",
    }


@router.get("")
def table(
    request: Request,
    user: UserDep,
    abteilung: str = "",
    kategorie: str = "",
    status: str = "",
    q: str = "",
    szenario: str = "",
) -> HTMLResponse:
    _user(user)
    filters = {"abteilung": abteilung, "kategorie": kategorie, "status": status, "q": q}
    rules = service.rules_from(state(request).settings)
    with state(request).db.read() as connection:
        try:
            plan = _plan(request, connection, szenario)
        except NotFoundError:
            return render(request, "portfolio.html", empty=True, filters=filters, scenario="")
        scenarios = repository.list_scenarios(connection)
    result = staffing(plan, rules)
    return render(
        request,
        "portfolio.html",
        empty=False,
        plan=plan,
        projects=_filtered(plan, filters),
        filters=filters,
        scenario=szenario,
        scenarios=scenarios,
        result=result,
        gantt=Markup(charts.gantt_svg(_subplan(plan, _filtered(plan, filters)))),
        **_common(plan),
    )


def _subplan(plan: Plan, projects: list[Project]) -> Plan:
    return Plan(plan.roles, tuple(projects), plan.staff, plan.first, plan.last)


@router.get("/kapazitaet")
def capacity(request: Request, user: UserDep, szenario: str = "") -> HTMLResponse:
    _user(user)
    rules = service.rules_from(state(request).settings)
    with state(request).db.read() as connection:
        plan = _plan(request, connection, szenario)
        scenarios = repository.list_scenarios(connection)
    result = staffing(plan, rules)
    return render(
        request,
        "portfolio_capacity.html",
        plan=plan,
        result=result,
        rules=rules,
        scenario=szenario,
        scenarios=scenarios,
        names={role.code: role.name for role in plan.roles},
        heatmap=Markup(charts.heatmap_svg(plan, result)),
        conflicts=plan_conflicts(plan),
        **_common(plan),
    )


@router.get("/szenarien")
def scenarios_page(
    request: Request, user: UserDep, szenario: str = "", hinweis: str | None = None
) -> HTMLResponse:
    _user(user)
    rules = service.rules_from(state(request).settings)
    with state(request).db.read() as connection:
        base = _plan(request, connection, None)
        found = repository.list_scenarios(connection)
        chosen = repository.get_scenario(connection, szenario) if szenario else None
        variant = _plan(request, connection, szenario) if szenario else None
    comparison = None
    if variant is not None:
        before, after = staffing(base, rules), staffing(variant, rules)
        comparison = {
            "before": before,
            "after": after,
            "pairs": list(zip(before.roles, after.roles, strict=True)),
            "heatmap": Markup(charts.heatmap_svg(variant, after, f"Kapazität: {szenario}")),
            "conflicts": plan_conflicts(variant),
        }
    return render(
        request,
        "portfolio_scenarios.html",
        plan=base,
        scenarios=found,
        chosen=chosen,
        scenario=szenario,
        comparison=comparison,
        names={role.code: role.name for role in base.roles},
        notice=hinweis,
        **_common(base),
    )


@router.post("/szenarien")
def save_scenario(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    aenderungen: Annotated[str, Form(max_length=20000)],
    beschreibung: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    _user(user)
    check_csrf(request, csrf)
    changes: list[Change] = [
        parse_change(line) for line in aenderungen.splitlines() if line.strip()
    ]
    if not changes:
        raise ValidationError("Bitte mindestens eine Änderung eintragen, eine je Zeile.")
    with state(request).db.write() as connection:
        plan = _plan(request, connection, None)
        for change in changes:
            change.apply(plan)  # unknown projects are named before anything is stored
        repository.save_scenario(connection, name.strip(), changes, beschreibung, user.login)
    target = f"/portfolio/szenarien?szenario={quote(name.strip())}"
    return RedirectResponse(f"{target}&hinweis={quote('Szenario gespeichert')}", status_code=303)


@router.get("/staende")
def snapshots_page(
    request: Request, user: UserDep, stand: str = "", hinweis: str | None = None
) -> HTMLResponse:
    _user(user)
    rules = service.rules_from(state(request).settings)
    with state(request).db.read() as connection:
        snapshots = repository.list_snapshots(connection)
        current = _plan(request, connection, None)
        frozen = repository.get_snapshot(connection, stand) if stand else None
    diff = None
    if frozen is not None:
        diff = {
            "changes": plan_differences(frozen.plan, current),
            "posts_before": staffing(frozen.plan, rules).posts,
            "posts_after": staffing(current, rules).posts,
        }
    return render(
        request,
        "portfolio_snapshots.html",
        snapshots=snapshots,
        frozen=frozen,
        diff=diff,
        notice=hinweis,
        today=date.today().isoformat(),
        **_common(current),
    )


@router.post("/staende")
def freeze(
    request: Request,
    user: UserDep,
    csrf: Annotated[str, Form()],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    sitzung: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    _user(user)
    check_csrf(request, csrf)
    try:
        day = date.fromisoformat(sitzung) if sitzung else None
    except ValueError:
        raise ValidationError("Der Sitzungstag ist kein gültiges Datum.") from None
    with state(request).db.write() as connection:
        plan = _plan(request, connection, None)
        repository.freeze(connection, name.strip(), day, plan, user.login)
    notice = quote("Stand eingefroren")
    return RedirectResponse(f"/portfolio/staende?hinweis={notice}", status_code=303)


@router.get("/einfuehrung")
def rollout_page(request: Request, user: UserDep) -> HTMLResponse:
    _user(user)
    with state(request).db.read() as connection:
        plan = _plan(request, connection, None)
        rollout = measures.rollout_status(connection, date.today())
        figures = measures.key_figures(connection)
    return render(
        request,
        "portfolio_rollout.html",
        rollout=rollout_rows(rollout),
        figures=figure_rows(plan, figures),
        **_common(plan),
    )


@router.get("/bericht")
def report_page(
    request: Request, user: UserDep, szenario: str = "", stand: str = "", seit: str = ""
) -> Response:
    """The committee report as its own page (print it, or take the PDF)."""
    _user(user)
    html = render_html(_report(request, szenario, stand, seit))
    # The report carries its own print styles inline; all its text is escaped by Jinja2.
    policy = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


@router.get("/bericht.pdf")
def report_pdf(
    request: Request, user: UserDep, szenario: str = "", stand: str = "", seit: str = ""
) -> Response:
    _user(user)
    pdf = render_pdf(render_html(_report(request, szenario, stand, seit)))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="Sitzungsvorlage-Portfolio.pdf"'},
    )


def _report(request: Request, scenario: str, snapshot: str, since: str) -> ReportInput:
    with state(request).db.read() as connection:
        return service.report_input(
            connection,
            state(request).settings,
            date.today(),
            scenario or None,
            snapshot or None,
            since or None,
        )
