"""All queries of the portfolio: roles, projects with efforts, staff, scenarios, snapshots.

Nothing here commits; the command or request that calls owns the transaction. Changes that
matter to the committee (imports, scenarios, snapshots) leave an audit event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from eakte.audit import service as audit
from eakte.core.portfolio.codec import plan_from_dict, plan_to_dict
from eakte.core.portfolio.model import Plan, Project, Role, StaffLine
from eakte.core.portfolio.quarters import Quarter
from eakte.core.portfolio.scenarios import Change, parse_change
from eakte.db.schema import (
    portfolio_efforts,
    portfolio_projects,
    portfolio_roles,
    portfolio_scenarios,
    portfolio_snapshots,
    portfolio_staff,
)
from eakte.errors import ConflictError, NotFoundError, ValidationError
from eakte.records.common import now


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    changes: tuple[Change, ...]
    created_by: str


@dataclass(frozen=True)
class Snapshot:
    name: str
    committee_date: date | None
    plan: Plan
    created_by: str


# --------------------------------------------------------------------------- roles and staff


def list_roles(connection: Connection) -> tuple[Role, ...]:
    rows = connection.execute(select(portfolio_roles).order_by(portfolio_roles.c.id))
    return tuple(Role(row.code, row.name) for row in rows)


def ensure_role(connection: Connection, code: str, name: str | None = None) -> int:
    """The id of role ``code``; created (named ``name`` or its code) when missing."""
    found = connection.execute(
        select(portfolio_roles.c.id, portfolio_roles.c.name).where(portfolio_roles.c.code == code)
    ).first()
    if found is not None:
        if name and name != found.name:
            connection.execute(
                update(portfolio_roles).where(portfolio_roles.c.id == found.id).values(name=name)
            )
        return int(found.id)
    return int(
        connection.execute(
            insert(portfolio_roles).values(code=code, name=name or code)
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def set_staff(connection: Connection, role: str, lines: list[StaffLine], actor: str) -> None:
    """Replace the staff lines of ``role``."""
    role_id = ensure_role(connection, role)
    connection.execute(delete(portfolio_staff).where(portfolio_staff.c.role_id == role_id))
    for line in lines:
        connection.execute(
            insert(portfolio_staff).values(
                role_id=role_id,
                headcount=line.headcount,
                fte=line.fte,
                first_quarter=line.first,
                last_quarter=line.last,
                note=line.note,
            )
        )
    audit.record(
        connection, actor, "portfolio.staff", "portfolio_role", role, {"lines": len(lines)}
    )


def list_staff(connection: Connection) -> tuple[StaffLine, ...]:
    rows = connection.execute(
        select(portfolio_staff, portfolio_roles.c.code)
        .join(portfolio_roles, portfolio_roles.c.id == portfolio_staff.c.role_id)
        .order_by(portfolio_staff.c.id)
    )
    return tuple(
        StaffLine(r.code, r.headcount, r.fte, r.first_quarter, r.last_quarter, r.note) for r in rows
    )


# --------------------------------------------------------------------------- projects


def save_project(connection: Connection, project: Project, actor: str) -> bool:
    """Insert or update ``project`` (by code) with its efforts; True when it was new."""
    values = {
        "title": project.title,
        "department": project.department,
        "category": project.category,
        "status": project.status,
        "priority": project.priority,
        "criteria": json.dumps(dict(project.criteria), ensure_ascii=False),
        "start_quarter": project.start,
        "end_quarter": project.end,
        "deadline_quarter": project.deadline,
        "fixed": project.fixed,
        "depends_on": ",".join(project.depends_on),
        "updated_at": now(),
        "updated_by": actor,
    }
    table = portfolio_projects
    found = connection.execute(select(table.c.id).where(table.c.code == project.code)).first()
    if found is None:
        project_id = connection.execute(
            insert(table).values(code=project.code, **values)
        ).inserted_primary_key[0]  # type: ignore[index]
    else:
        project_id = found.id
        connection.execute(update(table).where(table.c.id == project_id).values(**values))
        connection.execute(
            delete(portfolio_efforts).where(portfolio_efforts.c.project_id == project_id)
        )
    for role in sorted({*project.effort_hours, *project.operating_fte}):
        connection.execute(
            insert(portfolio_efforts).values(
                project_id=project_id,
                role_id=ensure_role(connection, role),
                effort_hours=project.effort_hours.get(role, 0.0),
                operating_fte=project.operating_fte.get(role, 0.0),
            )
        )
    return found is None


def _efforts(connection: Connection) -> dict[int, tuple[dict[str, float], dict[str, float]]]:
    rows = connection.execute(
        select(portfolio_efforts, portfolio_roles.c.code).join(
            portfolio_roles, portfolio_roles.c.id == portfolio_efforts.c.role_id
        )
    )
    found: dict[int, tuple[dict[str, float], dict[str, float]]] = {}
    for row in rows:
        hours, operating = found.setdefault(row.project_id, ({}, {}))
        if row.effort_hours:
            hours[row.code] = row.effort_hours
        if row.operating_fte:
            operating[row.code] = row.operating_fte
    return found


def list_projects(connection: Connection) -> tuple[Project, ...]:
    efforts = _efforts(connection)
    rows = connection.execute(select(portfolio_projects).order_by(portfolio_projects.c.code))
    projects = []
    for row in rows:
        hours, operating = efforts.get(row.id, ({}, {}))
        projects.append(
            Project(
                code=row.code,
                title=row.title,
                start=row.start_quarter,
                end=row.end_quarter,
                department=row.department,
                category=row.category,
                status=row.status,
                priority=row.priority,
                criteria=json.loads(row.criteria or "{}"),
                depends_on=tuple(c for c in row.depends_on.split(",") if c),
                effort_hours=hours,
                operating_fte=operating,
                deadline=row.deadline_quarter,
                fixed=row.fixed,
            )
        )
    return tuple(projects)


def default_horizon(projects: tuple[Project, ...], lasting_quarters: int) -> tuple[int, int]:
    """From the first start to the last end plus the run that makes a gap lasting, so that
    operating load after the last go-live shows as what it is."""
    if not projects:
        raise NotFoundError(
            "Das Portfolio ist leer: erst Projekte einlesen (eakte portfolio import)."
        )
    first = min(p.start for p in projects)
    return first, max(p.end for p in projects) + lasting_quarters


def load_plan(
    connection: Connection,
    lasting_quarters: int,
    first: Quarter | None = None,
    last: Quarter | None = None,
) -> Plan:
    """The current plan; the horizon defaults to ``default_horizon``."""
    projects = list_projects(connection)
    default_first, default_last = default_horizon(projects, lasting_quarters)
    first = default_first if first is None else first
    last = default_last if last is None else last
    if last < first:
        raise ValidationError("Das Ende des Zeitraums liegt vor seinem Beginn.")
    return Plan(list_roles(connection), projects, list_staff(connection), first, last)


# --------------------------------------------------------------------------- scenarios


def save_scenario(
    connection: Connection, name: str, changes: list[Change], description: str, actor: str
) -> None:
    """Create scenario ``name`` or replace its changes."""
    text = "\n".join(change.text() for change in changes)
    table = portfolio_scenarios
    found = connection.execute(select(table.c.id).where(table.c.name == name)).first()
    if found is None:
        connection.execute(
            insert(table).values(
                name=name,
                description=description,
                changes=text,
                created_at=now(),
                created_by=actor,
            )
        )
    else:
        connection.execute(
            update(table)
            .where(table.c.id == found.id)
            .values(changes=text, description=description)
        )
    audit.record(
        connection,
        actor,
        "portfolio.scenario",
        "portfolio_scenario",
        name[:64],
        {"changes": [change.text() for change in changes]},
    )


def _scenario(row: Any) -> Scenario:
    lines = [line for line in row.changes.splitlines() if line.strip()]
    return Scenario(
        row.name, row.description, tuple(parse_change(line) for line in lines), row.created_by
    )


def get_scenario(connection: Connection, name: str) -> Scenario:
    row = connection.execute(
        select(portfolio_scenarios).where(portfolio_scenarios.c.name == name)
    ).first()
    if row is None:
        raise NotFoundError(f"Szenario »{name}« gibt es nicht.")
    return _scenario(row)


def list_scenarios(connection: Connection) -> list[Scenario]:
    rows = connection.execute(select(portfolio_scenarios).order_by(portfolio_scenarios.c.name))
    return [_scenario(row) for row in rows]


# --------------------------------------------------------------------------- snapshots


def freeze(
    connection: Connection, name: str, committee_date: date | None, plan: Plan, actor: str
) -> None:
    """Keep ``plan`` unchangeable under ``name`` (for a committee session)."""
    table = portfolio_snapshots
    if connection.execute(select(table.c.id).where(table.c.name == name)).first():
        raise ConflictError(f"Einen Stand »{name}« gibt es schon; bitte anders benennen.")
    connection.execute(
        insert(table).values(
            name=name,
            committee_date=committee_date,
            plan=json.dumps(plan_to_dict(plan), ensure_ascii=False, sort_keys=True),
            created_at=now(),
            created_by=actor,
        )
    )
    audit.record(
        connection,
        actor,
        "portfolio.snapshot",
        "portfolio_snapshot",
        name[:64],
        {"projects": len(plan.projects), "committee_date": str(committee_date or "")},
    )


def get_snapshot(connection: Connection, name: str) -> Snapshot:
    row = connection.execute(
        select(portfolio_snapshots).where(portfolio_snapshots.c.name == name)
    ).first()
    if row is None:
        raise NotFoundError(f"Einen eingefrorenen Stand »{name}« gibt es nicht.")
    return Snapshot(
        row.name, row.committee_date, plan_from_dict(json.loads(row.plan)), row.created_by
    )


def list_snapshots(connection: Connection) -> list[tuple[str, date | None]]:
    rows = connection.execute(
        select(portfolio_snapshots.c.name, portfolio_snapshots.c.committee_date).order_by(
            portfolio_snapshots.c.created_at
        )
    )
    return [(row.name, row.committee_date) for row in rows]
