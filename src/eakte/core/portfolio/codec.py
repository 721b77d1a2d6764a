"""A plan as plain JSON-ready values (for snapshots) and back, and the differences of two plans."""

from __future__ import annotations

from typing import Any

from eakte.core.portfolio.model import Plan, Project, Role, StaffLine
from eakte.core.portfolio.quarters import format_quarter, german_quarter, parse_quarter


def _quarter_or_none(value: int | None) -> str | None:
    return None if value is None else format_quarter(value)


def _parse_or_none(value: str | None) -> int | None:
    return None if value is None else parse_quarter(value)


def project_to_dict(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "department": project.department,
        "category": project.category,
        "status": project.status,
        "priority": project.priority,
        "criteria": dict(project.criteria),
        "start": format_quarter(project.start),
        "end": format_quarter(project.end),
        "deadline": _quarter_or_none(project.deadline),
        "fixed": project.fixed,
        "depends_on": list(project.depends_on),
        "effort_hours": dict(project.effort_hours),
        "operating_fte": dict(project.operating_fte),
    }


def project_from_dict(values: dict[str, Any]) -> Project:
    return Project(
        code=values["code"],
        title=values["title"],
        start=parse_quarter(values["start"]),
        end=parse_quarter(values["end"]),
        department=values.get("department", ""),
        category=values.get("category", ""),
        status=values.get("status", "planned"),
        priority=int(values.get("priority", 50)),
        criteria=values.get("criteria", {}),
        depends_on=tuple(values.get("depends_on", ())),
        effort_hours=values.get("effort_hours", {}),
        operating_fte=values.get("operating_fte", {}),
        deadline=_parse_or_none(values.get("deadline")),
        fixed=bool(values.get("fixed", False)),
    )


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "first": format_quarter(plan.first),
        "last": format_quarter(plan.last),
        "roles": [{"code": r.code, "name": r.name} for r in plan.roles],
        "projects": [project_to_dict(p) for p in plan.projects],
        "staff": [
            {
                "role": s.role,
                "headcount": s.headcount,
                "fte": s.fte,
                "first": _quarter_or_none(s.first),
                "last": _quarter_or_none(s.last),
                "note": s.note,
                "operations_share": s.operations_share,
            }
            for s in plan.staff
        ],
    }


def plan_from_dict(values: dict[str, Any]) -> Plan:
    return Plan(
        roles=tuple(Role(r["code"], r["name"]) for r in values["roles"]),
        projects=tuple(project_from_dict(p) for p in values["projects"]),
        staff=tuple(
            StaffLine(
                s["role"],
                s["headcount"],
                s["fte"],
                _parse_or_none(s["first"]),
                _parse_or_none(s["last"]),
                s.get("note", ""),
                s.get("operations_share"),
            )
            for s in values["staff"]
        ),
        first=parse_quarter(values["first"]),
        last=parse_quarter(values["last"]),
    )


def _project_changes(old: Project, new: Project) -> list[str]:
    notes: list[str] = []
    if (old.start, old.end) != (new.start, new.end):
        notes.append(
            f"Zeitraum {german_quarter(old.start)}–{german_quarter(old.end)} → "
            f"{german_quarter(new.start)}–{german_quarter(new.end)}"
        )
    if old.status != new.status:
        notes.append(f"Status {old.status} → {new.status}")
    if old.priority != new.priority:
        notes.append(f"Priorität {old.priority} → {new.priority}")
    for role in sorted({*old.effort_hours, *new.effort_hours}):
        before, after = old.effort_hours.get(role, 0.0), new.effort_hours.get(role, 0.0)
        if abs(before - after) > 1e-6:
            notes.append(f"Aufwand {role} {before:g} h → {after:g} h")
    return notes


def plan_differences(old: Plan, new: Plan) -> list[tuple[str, str]]:
    """(project code, German description) for every project added, removed or changed."""
    before = {p.code: p for p in old.projects}
    after = {p.code: p for p in new.projects}
    found: list[tuple[str, str]] = []
    for code in sorted(before.keys() | after.keys()):
        if code not in before:
            found.append((code, f"neu: {after[code].title}"))
        elif code not in after:
            found.append((code, f"entfallen: {before[code].title}"))
        else:
            notes = _project_changes(before[code], after[code])
            if notes:
                found.append((code, "; ".join(notes)))
    return found
