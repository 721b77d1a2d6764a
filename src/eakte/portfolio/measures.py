"""The E-Akte rollout plan per unit and its use measured from eakte's own records, and the key
figures of projects over time.

Measured per unit and month (UTC): active users (people of the unit with any audit event, as
``audit_actor_months`` notes them), dossiers opened under the unit's lead, documents filed under
its lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    delete,
    distinct,
    extract,
    func,
    insert,
    select,
)

from eakte.core.portfolio.rollout import MonthlyUse, last_months, rollout_state
from eakte.db.schema import (
    audit_actor_months,
    documents,
    dossiers,
    org_units,
    portfolio_key_figures,
    portfolio_projects,
    portfolio_rollout,
    user_units,
    users,
)
from eakte.errors import NotFoundError

MonthKey = tuple[int, int, int]  # unit id, year, month


@dataclass(frozen=True)
class UnitRollout:
    project: str
    unit_code: str
    unit_name: str
    go_live: date
    state: str
    series: list[MonthlyUse]


def _project_id(connection: Connection, code: str) -> int:
    found = connection.execute(
        select(portfolio_projects.c.id).where(portfolio_projects.c.code == code)
    ).scalar()
    if found is None:
        raise NotFoundError(f"Projekt {code} gibt es im Portfolio nicht.")
    return int(found)


def _unit_id(connection: Connection, code: str) -> int:
    found = connection.execute(select(org_units.c.id).where(org_units.c.code == code)).scalar()
    if found is None:
        raise NotFoundError(f"Die Organisationseinheit {code} gibt es nicht.")
    return int(found)


def set_rollout(connection: Connection, project: str, unit: str, go_live: date) -> None:
    project_id, unit_id = _project_id(connection, project), _unit_id(connection, unit)
    table = portfolio_rollout
    connection.execute(
        delete(table).where(table.c.project_id == project_id, table.c.unit_id == unit_id)
    )
    connection.execute(
        insert(table).values(project_id=project_id, unit_id=unit_id, go_live=go_live)
    )


def set_key_figure(
    connection: Connection, project: str, name: str, month: date, value: float
) -> None:
    project_id = _project_id(connection, project)
    table = portfolio_key_figures
    month = month.replace(day=1)
    connection.execute(
        delete(table).where(
            table.c.project_id == project_id, table.c.name == name, table.c.month == month
        )
    )
    connection.execute(
        insert(table).values(project_id=project_id, name=name, month=month, value=value)
    )


def key_figures(connection: Connection) -> dict[str, dict[str, list[tuple[date, float]]]]:
    """Project code → figure name → (month, value), oldest first."""
    rows = connection.execute(
        select(portfolio_projects.c.code, portfolio_key_figures)
        .join(portfolio_projects, portfolio_projects.c.id == portfolio_key_figures.c.project_id)
        .order_by(
            portfolio_projects.c.code, portfolio_key_figures.c.name, portfolio_key_figures.c.month
        )
    )
    found: dict[str, dict[str, list[tuple[date, float]]]] = {}
    for row in rows:
        found.setdefault(row.code, {}).setdefault(row.name, []).append((row.month, row.value))
    return found


def _per_month(
    connection: Connection,
    source: FromClause,
    unit: ColumnElement[int],
    moment: ColumnElement[datetime] | ColumnElement[date],
    counted: ColumnElement[int],
    since: datetime | date,
    units: list[int],
) -> dict[MonthKey, int]:
    year, month = extract("year", moment), extract("month", moment)
    query = (
        select(unit, year, month, counted)
        .select_from(source)
        .where(unit.in_(units), moment >= since)
        .group_by(unit, year, month)
    )
    return {(int(u), int(y), int(m)): int(n) for u, y, m, n in connection.execute(query)}


def measure(
    connection: Connection, units: list[int], months: list[date]
) -> dict[int, list[MonthlyUse]]:
    """Use per unit and month for ``months`` (consecutive, oldest first)."""
    since = datetime.combine(months[0], time(), tzinfo=UTC)
    docs = _per_month(
        connection,
        documents,
        documents.c.unit_id,
        documents.c.created_at,
        func.count(),
        since,
        units,
    )
    files = _per_month(
        connection,
        dossiers,
        dossiers.c.lead_unit_id,
        dossiers.c.created_at,
        func.count(),
        since,
        units,
    )
    people = audit_actor_months.join(users, users.c.login == audit_actor_months.c.actor).join(
        user_units, user_units.c.user_id == users.c.id
    )
    active = _per_month(
        connection,
        people,
        user_units.c.unit_id,
        audit_actor_months.c.month,
        func.count(distinct(audit_actor_months.c.actor)),
        months[0],
        units,
    )
    return {
        unit: [
            MonthlyUse(
                m,
                active.get((unit, m.year, m.month), 0),
                files.get((unit, m.year, m.month), 0),
                docs.get((unit, m.year, m.month), 0),
            )
            for m in months
        ]
        for unit in units
    }


def rollout_status(connection: Connection, today: date, months: int = 12) -> list[UnitRollout]:
    """Every planned unit of every rollout project with its measured use of the last months."""
    rows = connection.execute(
        select(
            portfolio_projects.c.code,
            org_units.c.id,
            org_units.c.code.label("unit_code"),
            org_units.c.name,
            portfolio_rollout.c.go_live,
        )
        .join(portfolio_projects, portfolio_projects.c.id == portfolio_rollout.c.project_id)
        .join(org_units, org_units.c.id == portfolio_rollout.c.unit_id)
        .order_by(portfolio_rollout.c.go_live, org_units.c.code)
    ).all()
    if not rows:
        return []
    window = last_months(today, months)
    use = measure(connection, sorted({row.id for row in rows}), window)
    return [
        UnitRollout(
            row.code,
            row.unit_code,
            row.name,
            row.go_live,
            rollout_state(row.go_live, use[row.id], today),
            use[row.id],
        )
        for row in rows
    ]
