"""Staffing arithmetic of the digitalisation portfolio: pure values and functions, no I/O.

Exports: ``Role``, ``Project``, ``StaffLine``, ``Plan``, ``StaffingRules`` (model);
``staffing`` and its result ``Staffing`` (demand, capacity, gap, lasting/temporary, posts);
scenario changes and ``apply_changes``/``parse_change``/``plan_conflicts``; quarter helpers in
``quarters``.
"""

from eakte.core.portfolio.model import Plan, Project, Role, StaffingRules, StaffLine
from eakte.core.portfolio.scenarios import apply_changes, parse_change, plan_conflicts
from eakte.core.portfolio.staffing import Cell, RoleSummary, Staffing, staffing

__all__ = [
    "Cell",
    "Plan",
    "Project",
    "Role",
    "RoleSummary",
    "StaffLine",
    "Staffing",
    "StaffingRules",
    "apply_changes",
    "parse_change",
    "plan_conflicts",
    "staffing",
]
