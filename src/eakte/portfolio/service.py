"""What the entry points do with the portfolio: import a list, build a plan (with a scenario),
and report demand, capacity and gap as JSON-ready values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from eakte.audit import service as audit
from eakte.core.portfolio.model import Plan, StaffingRules
from eakte.core.portfolio.quarters import Quarter, format_quarter
from eakte.core.portfolio.scenarios import apply_changes
from eakte.core.portfolio.staffing import Staffing, staffing
from eakte.portfolio import measures, repository
from eakte.portfolio.report import ReportInput
from eakte.portfolio.tables import Workbook
from eakte.settings import Settings


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    staff_roles: tuple[str, ...]


def rules_from(settings: Settings) -> StaffingRules:
    return StaffingRules(
        hours_per_fte_year=settings.portfolio_hours_per_fte_year,
        operations_share=settings.portfolio_operations_share,
        lasting_quarters=settings.portfolio_lasting_quarters,
        post_step=settings.portfolio_post_step,
    )


def import_workbook(
    connection: Connection, workbook: Workbook, actor: str, source: str
) -> ImportResult:
    """Store the projects (by code: new or updated) and replace the staff of each role named."""
    by_role: dict[str, list[Any]] = {}
    for row in workbook.staff:
        repository.ensure_role(connection, row.line.role, row.role_name)
        by_role.setdefault(row.line.role, []).append(row.line)
    for role, lines in by_role.items():
        repository.set_staff(connection, role, lines, actor)
    created = sum(repository.save_project(connection, p, actor) for p in workbook.projects)
    for rollout in workbook.rollout:
        measures.set_rollout(connection, rollout.project, rollout.unit, rollout.go_live)
    for figure in workbook.key_figures:
        measures.set_key_figure(connection, figure.project, figure.name, figure.month, figure.value)
    result = ImportResult(created, len(workbook.projects) - created, tuple(by_role))
    audit.record(
        connection,
        actor,
        "portfolio.import",
        "portfolio",
        source[:64],
        {
            "created": created,
            "updated": result.updated,
            "staff_roles": list(by_role),
            "rollout": len(workbook.rollout),
            "key_figures": len(workbook.key_figures),
        },
    )
    return result


def current_plan(
    connection: Connection,
    settings: Settings,
    scenario: str | None = None,
    first: Quarter | None = None,
    last: Quarter | None = None,
) -> Plan:
    """The stored plan, with ``scenario``'s changes applied when one is named."""
    plan = repository.load_plan(connection, settings.portfolio_lasting_quarters, first, last)
    if scenario:
        plan = apply_changes(plan, repository.get_scenario(connection, scenario).changes)
    return plan


def _r(value: float) -> float:
    return round(value, 2)


def gap_summary(plan: Plan, result: Staffing, rules: StaffingRules) -> dict[str, Any]:
    """Demand, capacity and gap per quarter and role, and the posts implied: the JSON of
    ``eakte portfolio gap --json``."""
    names = {role.code: role.name for role in plan.roles}
    return {
        "method": {
            "hours_per_fte_year": rules.hours_per_fte_year,
            "operations_share": rules.operations_share,
            "lasting_quarters": rules.lasting_quarters,
            "post_step": rules.post_step,
        },
        "first": format_quarter(plan.first),
        "last": format_quarter(plan.last),
        "projects": len(plan.projects),
        "peak_gap_fte": _r(result.peak_gap_fte),
        "posts": result.posts,
        "roles": [
            {
                "role": s.role,
                "name": names.get(s.role, s.role),
                "max_gap_fte": _r(s.max_gap_fte),
                "max_lasting_fte": _r(s.max_lasting_fte),
                "max_peak_fte": _r(s.max_peak_fte),
                "peak_hours": _r(s.peak_hours),
                "posts": s.posts,
                "permanent_posts": s.permanent_posts,
                "fixed_term_posts": s.fixed_term_posts,
            }
            for s in result.roles
        ],
        "cells": [
            {
                "quarter": format_quarter(c.quarter),
                "role": c.role,
                "demand_hours": _r(c.demand_hours),
                "capacity_hours": _r(c.capacity_hours),
                "demand_fte": _r(c.demand_hours / rules.hours_per_fte_quarter),
                "capacity_fte": _r(c.capacity_hours / rules.hours_per_fte_quarter),
                "gap_fte": _r(c.gap_fte),
                "lasting_fte": _r(c.lasting_fte),
                "peak_fte": _r(c.peak_fte),
            }
            for c in result.cells
        ],
    }


def gap_report(plan: Plan, rules: StaffingRules) -> dict[str, Any]:
    return gap_summary(plan, staffing(plan, rules), rules)


def report_input(
    connection: Connection,
    settings: Settings,
    today: date,
    scenario: str | None = None,
    snapshot: str | None = None,
    since: str | None = None,
) -> ReportInput:
    """What the committee report shows: the plan (current, a scenario or a frozen stand), the
    rollout status, the key figures, and the stand ``since`` to compare with."""
    if snapshot:
        frozen = repository.get_snapshot(connection, snapshot)
        plan, as_of = frozen.plan, frozen.committee_date or today
    else:
        plan, as_of = current_plan(connection, settings, scenario), today
    previous = repository.get_snapshot(connection, since).plan if since else None
    title = "Digitalisierungsprogramm: Personalbedarf und Stand der Umsetzung"
    if scenario and not snapshot:
        title += f" (Szenario »{scenario}«)"
    return ReportInput(
        plan=plan,
        rules=rules_from(settings),
        title=title,
        as_of=as_of,
        rollout=measures.rollout_status(connection, today),
        key_figures=measures.key_figures(connection),
        previous=previous,
        previous_name=since or "",
    )
