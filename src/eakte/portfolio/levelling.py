"""Levelling: move project starts later, within their windows, to lower the peak staffing gap.

The model (OR-Tools CP-SAT), written out so that it can be checked:

* Every project that is not fixed and has not started (status running or done) gets one
  Boolean per allowed start: from its planned start up to ``max_shift`` quarters later, as long
  as it still ends by its fixed deadline and within the horizon. Exactly one is chosen. Projects
  only move later: a plan cannot be pulled before today by a solver.
* Dependencies: a project starts after its predecessor ends, unless the plan already has them
  overlapping; then their distance may not shrink (so the plan itself is always a solution).
* Demand per role and quarter is the fixed projects' hours plus, for each chosen start, the
  project's hours in that quarter (effort spread evenly, operating load after go-live), in
  whole hours; capacity is that of ``eakte.core.portfolio.staffing``.
* Objective, in two rounds: first the largest gap over all roles and quarters (weighted by the
  number of roles + 1) plus each role's own largest gap, so that a role that cannot be helped
  does not hide the others; then, with that held, the delays weighted by priority (1 + score),
  so that important projects move least.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from eakte.core.portfolio.model import STARTED, Plan, Project, StaffingRules
from eakte.core.portfolio.scenarios import ShiftProject
from eakte.core.portfolio.staffing import capacity_hours, project_demand, staffing

Key = tuple[str, int]


@dataclass(frozen=True)
class Levelling:
    shifts: tuple[ShiftProject, ...]
    plan: Plan
    peak_before_fte: float
    peak_after_fte: float
    status: str  # optimal | feasible | unchanged
    seconds: float


def _window(project: Project, plan: Plan, max_shift: int) -> range:
    if project.fixed or project.status in STARTED:
        return range(project.start, project.start + 1)
    last_end = plan.last if project.deadline is None else min(plan.last, project.deadline)
    latest = max(project.start, min(project.start + max_shift, last_end - project.duration + 1))
    return range(project.start, latest + 1)


def _loads(project: Project, start: int, plan: Plan, rules: StaffingRules) -> dict[Key, int]:
    moved = project.shifted(start - project.start)
    return {
        key: round(hours)
        for key, hours in project_demand(moved, rules, plan.last).items()
        if plan.first <= key[1] <= plan.last and key[0] in plan.role_codes
    }


def _ordered(plan: Plan) -> dict[str, Project]:
    return {project.code: project for project in plan.projects}


class _Model:
    """The CP-SAT model of one plan (built once, solved in two rounds)."""

    def __init__(self, plan: Plan, rules: StaffingRules, max_shift: int) -> None:
        self.plan = plan
        self.model = cp_model.CpModel()
        self.choices: dict[str, dict[int, cp_model.IntVar]] = {}
        self.starts: dict[str, cp_model.LinearExpr] = {}
        terms: dict[Key, tuple[list[cp_model.IntVar], list[int]]] = {
            k: ([], []) for k in _cells(plan)
        }
        for project in plan.projects:
            window = _window(project, plan, max_shift)
            options = {s: self.model.new_bool_var(f"{project.code}@{s}") for s in window}
            self.model.add_exactly_one(options.values())
            self.choices[project.code] = options
            self.starts[project.code] = cp_model.LinearExpr.weighted_sum(
                list(options.values()), list(options)
            )
            for s, var in options.items():
                for key, hours in _loads(project, s, plan, rules).items():
                    terms[key][0].append(var)
                    terms[key][1].append(hours)
        demand = {
            key: cp_model.LinearExpr.weighted_sum(variables, coefficients)
            for key, (variables, coefficients) in terms.items()
        }
        self._dependencies()
        capacity = capacity_hours(plan, rules)
        upper = int(sum(sum(p.effort_hours.values()) for p in plan.projects)) + 10 * len(
            plan.projects
        ) * int(rules.hours_per_fte_year)
        self.peak = self.model.new_int_var(0, upper, "peak")
        role_peaks = []
        for role in plan.role_codes:
            role_peak = self.model.new_int_var(0, upper, f"peak_{role}")
            for quarter in plan.quarters:
                gap = demand[(role, quarter)] - round(capacity[(role, quarter)])
                self.model.add(role_peak >= gap)
            self.model.add(self.peak >= role_peak)
            role_peaks.append(role_peak)
        self.spread = (len(plan.role_codes) + 1) * self.peak + sum(role_peaks)
        self.delay = cp_model.LinearExpr.weighted_sum(
            [self.starts[p.code] - p.start for p in plan.projects],
            [1 + p.priority for p in plan.projects],
        )

    def _dependencies(self) -> None:
        projects = _ordered(self.plan)
        for project in self.plan.projects:
            for before_code in project.depends_on:
                before = projects.get(before_code)
                if before is None:
                    continue
                distance = min(before.duration, project.start - before.start)
                self.model.add(self.starts[project.code] - self.starts[before_code] >= distance)

    def chosen(self, solver: cp_model.CpSolver) -> dict[str, int]:
        return {
            code: next(s for s, var in options.items() if solver.value(var))
            for code, options in self.choices.items()
        }


def _cells(plan: Plan) -> list[Key]:
    return [(role, quarter) for role in plan.role_codes for quarter in plan.quarters]


def level(
    plan: Plan,
    rules: StaffingRules,
    max_shift: int,
    seconds: float,
    workers: int = 2,
) -> Levelling:
    """The shifts that lower the peak gap of ``plan`` most (within ``seconds``)."""
    began = time.perf_counter()
    before = staffing(plan, rules).peak_gap_fte
    built = _Model(plan, rules, max_shift)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = seconds / 2
    built.model.minimize(built.spread)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Levelling((), plan, before, before, "unchanged", time.perf_counter() - began)
    first_round_optimal = status == cp_model.OPTIMAL
    built.model.add(built.spread <= round(solver.objective_value))
    built.model.minimize(built.delay)
    for var in (v for options in built.choices.values() for v in options.values()):
        built.model.add_hint(var, solver.value(var))
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # keep the first round's answer
        return Levelling((), plan, before, before, "unchanged", time.perf_counter() - began)
    starts = built.chosen(solver)
    shifts = tuple(
        ShiftProject(p.code, starts[p.code] - p.start)
        for p in plan.projects
        if starts[p.code] != p.start
    )
    levelled = apply_starts(plan, starts)
    optimal = first_round_optimal and status == cp_model.OPTIMAL
    return Levelling(
        shifts,
        levelled,
        before,
        staffing(levelled, rules).peak_gap_fte,
        "optimal" if optimal else "feasible",
        time.perf_counter() - began,
    )


def apply_starts(plan: Plan, starts: Mapping[str, int]) -> Plan:
    moved = tuple(p.shifted(starts.get(p.code, p.start) - p.start) for p in plan.projects)
    return replace(plan, projects=moved)


def earliest_starts(plan: Plan) -> Plan:
    """The plain schedule: every project at its planned (earliest) start, pushed only as far as
    its dependencies demand (a forward pass in dependency order)."""
    projects = _ordered(plan)
    starts: dict[str, int] = {}

    def start_of(code: str, visiting: frozenset[str]) -> int:
        if code in starts:
            return starts[code]
        project = projects[code]
        start = project.start
        for before in project.depends_on:
            if before in projects and before not in visiting:
                start = max(start, start_of(before, visiting | {code}) + projects[before].duration)
        starts[code] = start
        return start

    for code in projects:
        start_of(code, frozenset())
    return apply_starts(plan, starts)
