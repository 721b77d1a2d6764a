"""Scenarios: named lists of changes on top of the base plan, and the checks of a plan.

A change is written as one line of text, the same in the database, on the command line and in
the web form:

    shift:P-017:+2              move project P-017 two quarters later (negative: earlier)
    effort:P-017:DEV:1200       set P-017's effort for role DEV to 1200 hours
    posts:DEV:2027-Q3:2         two additional full posts for DEV from Q3/2027 on
    drop:P-017                  leave P-017 out (deferred beyond the horizon)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from eakte.core.portfolio.model import Plan, Project, StaffLine
from eakte.core.portfolio.quarters import (
    Quarter,
    format_quarter,
    german_quarter,
    parse_quarter,
)
from eakte.errors import ValidationError


@dataclass(frozen=True)
class ShiftProject:
    project: str
    quarters: int

    def apply(self, plan: Plan) -> Plan:
        found = plan.project(self.project)
        return _with_project(plan, found.shifted(self.quarters))

    def text(self) -> str:
        return f"shift:{self.project}:{self.quarters:+d}"

    def german(self) -> str:
        direction = "später" if self.quarters >= 0 else "früher"
        return f"{self.project} um {abs(self.quarters)} Quartal(e) {direction}"


@dataclass(frozen=True)
class ChangeEffort:
    project: str
    role: str
    hours: float

    def apply(self, plan: Plan) -> Plan:
        found = plan.project(self.project)
        efforts = {**found.effort_hours, self.role: self.hours}
        return _with_project(plan, replace(found, effort_hours=efforts))

    def text(self) -> str:
        return f"effort:{self.project}:{self.role}:{self.hours:g}"

    def german(self) -> str:
        return f"{self.project}: Aufwand {self.role} auf {self.hours:g} Stunden"


@dataclass(frozen=True)
class AddPosts:
    role: str
    first: Quarter
    fte: float

    def apply(self, plan: Plan) -> Plan:
        line = StaffLine(
            self.role, self.fte, 1.0, self.first, None, "Szenario: zusätzliche Stellen", 0.0
        )
        return replace(plan, staff=(*plan.staff, line))

    def text(self) -> str:
        return f"posts:{self.role}:{format_quarter(self.first)}:{self.fte:g}"

    def german(self) -> str:
        return f"{self.fte:g} zusätzliche Stelle(n) {self.role} ab {german_quarter(self.first)}"


@dataclass(frozen=True)
class DropProject:
    project: str

    def apply(self, plan: Plan) -> Plan:
        plan.project(self.project)
        kept = tuple(p for p in plan.projects if p.code != self.project)
        return replace(plan, projects=kept)

    def text(self) -> str:
        return f"drop:{self.project}"

    def german(self) -> str:
        return f"{self.project} zurückgestellt"


Change = ShiftProject | ChangeEffort | AddPosts | DropProject


def _with_project(plan: Plan, changed: Project) -> Plan:
    projects = tuple(changed if p.code == changed.code else p for p in plan.projects)
    return replace(plan, projects=projects)


def _number(text: str, what: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ValidationError(f"»{text}« ist keine Zahl ({what}).") from None


def parse_change(text: str) -> Change:
    """One change from its text form (see the module docstring)."""
    parts = [part.strip() for part in text.strip().split(":")]
    kind, args = parts[0].lower(), parts[1:]
    try:
        if kind == "shift" and len(args) == 2:
            return ShiftProject(args[0], int(args[1]))
        if kind == "effort" and len(args) == 3:
            return ChangeEffort(args[0], args[1], _number(args[2], "Stunden"))
        if kind == "posts" and len(args) == 3:
            return AddPosts(args[0], parse_quarter(args[1]), _number(args[2], "Stellen"))
        if kind == "drop" and len(args) == 1:
            return DropProject(args[0])
    except ValueError:
        pass
    raise ValidationError(
        f"Änderung »{text}« nicht verstanden; erwartet z. B. shift:P-017:+2, "
        "effort:P-017:DEV:1200, posts:DEV:2027-Q3:2 oder drop:P-017."
    )


def apply_changes(plan: Plan, changes: list[Change] | tuple[Change, ...]) -> Plan:
    for change in changes:
        plan = change.apply(plan)
    return plan


def plan_conflicts(plan: Plan) -> list[str]:
    """German sentences for every broken dependency, missed deadline and unknown role."""
    ends = {project.code: project.end for project in plan.projects}
    roles = set(plan.role_codes)
    problems: list[str] = []
    for project in plan.projects:
        for before in project.depends_on:
            if before in ends and project.start <= ends[before]:
                problems.append(
                    f"{project.code} beginnt {german_quarter(project.start)}, bevor "
                    f"{before} endet ({german_quarter(ends[before])})."
                )
            elif before not in ends:
                problems.append(f"{project.code} hängt von {before} ab, das es nicht gibt.")
        if project.deadline is not None and project.end > project.deadline:
            problems.append(
                f"{project.code} endet {german_quarter(project.end)}, nach dem festen Termin "
                f"{german_quarter(project.deadline)}."
            )
        for role in {*project.effort_hours, *project.operating_fte} - roles:
            problems.append(f"{project.code} braucht die Rolle {role}, die es nicht gibt.")
    return problems
