"""Staffing arithmetic: demand against capacity per role and quarter, the gap, and what it means.

The method, as the committee report states it (H = working hours per FTE and year, s = the
operations share):

1. **Demand** (hours) of a role in a quarter: each project's effort for the role divided evenly
   over the project's quarters, plus, from the quarter after a project's end, its operating
   load after go-live (FTE × H/4).
2. **Capacity** (hours): for every staff line covering the quarter, headcount × part-time
   factor × H/4 × (1 − s). Existing staff spend the share s on day-to-day operations; posts
   added for the programme count in full (their s is 0).
3. **Gap** (FTE) = (demand − capacity) / (H/4); positive means staff is missing.
4. **Lasting and temporary.** The part of a gap that stands for at least L consecutive
   quarters (L = ``lasting_quarters``, default 4) is *lasting*: for each quarter, the largest
   level that the gap keeps in every quarter of some run of L consecutive quarters containing
   it. The rest above that level is a *temporary peak*: to be bridged by external help or by
   shifting projects, not by posts.
5. **Posts implied** per role: the largest lasting gap, rounded up to steps of ``post_step``
   FTE (default 0.5). Of these, the lasting gap still standing in the horizon's last quarter
   is *permanent*; the remainder is *fixed-term* (it ends within the horizon).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eakte.core.portfolio.model import Plan, Project, StaffingRules
from eakte.core.portfolio.quarters import Quarter

Key = tuple[str, Quarter]  # (role code, quarter)


@dataclass(frozen=True)
class Cell:
    """Demand, capacity and gap of one role in one quarter."""

    role: str
    quarter: Quarter
    demand_hours: float
    capacity_hours: float
    gap_fte: float
    lasting_fte: float
    peak_fte: float


@dataclass(frozen=True)
class RoleSummary:
    role: str
    max_gap_fte: float
    max_lasting_fte: float
    max_peak_fte: float
    peak_hours: float  # hours of temporary peaks over the horizon: external help or shifting
    posts: float
    permanent_posts: float
    fixed_term_posts: float


@dataclass(frozen=True)
class Staffing:
    cells: tuple[Cell, ...]
    roles: tuple[RoleSummary, ...]

    def cell(self, role: str, quarter: Quarter) -> Cell:
        for candidate in self.cells:
            if candidate.role == role and candidate.quarter == quarter:
                return candidate
        raise KeyError((role, quarter))

    @property
    def peak_gap_fte(self) -> float:
        """The largest gap of any role in any quarter (0 when nothing is missing)."""
        return max([0.0, *(cell.gap_fte for cell in self.cells)])

    @property
    def posts(self) -> float:
        return sum(summary.posts for summary in self.roles)


def project_demand(project: Project, rules: StaffingRules, last: Quarter) -> dict[Key, float]:
    """Hours per (role, quarter) one project needs, up to quarter ``last``."""
    demand: dict[Key, float] = {}
    for role, hours in project.effort_hours.items():
        for quarter in project.quarters:
            key = (role, quarter)
            demand[key] = demand.get(key, 0.0) + hours / project.duration
    for role, fte in project.operating_fte.items():
        for quarter in range(project.end + 1, last + 1):
            key = (role, quarter)
            demand[key] = demand.get(key, 0.0) + fte * rules.hours_per_fte_quarter
    return demand


def demand_hours(plan: Plan, rules: StaffingRules) -> dict[Key, float]:
    """Hours per (role, quarter) of all projects, within the plan's horizon and roles."""
    totals = {(role, quarter): 0.0 for role in plan.role_codes for quarter in plan.quarters}
    for project in plan.projects:
        for key, hours in project_demand(project, rules, plan.last).items():
            if key in totals:
                totals[key] += hours
    return totals


def capacity_hours(plan: Plan, rules: StaffingRules) -> dict[Key, float]:
    totals = {(role, quarter): 0.0 for role in plan.role_codes for quarter in plan.quarters}
    for line in plan.staff:
        share = rules.operations_share if line.operations_share is None else line.operations_share
        hours = line.total_fte * rules.hours_per_fte_quarter * (1 - share)
        for quarter in plan.quarters:
            key = (line.role, quarter)
            if key in totals and line.covers(quarter):
                totals[key] += hours
    return totals


def lasting_levels(gaps: list[float], run: int) -> list[float]:
    """For each position, the largest level the (positive) gap keeps throughout some window of
    ``run`` consecutive positions that contains it; 0 where no such window has a gap."""
    positive = [max(gap, 0.0) for gap in gaps]
    levels = [0.0] * len(positive)
    for start in range(len(positive) - run + 1):
        floor = min(positive[start : start + run])
        for index in range(start, start + run):
            levels[index] = max(levels[index], floor)
    return levels


def round_up(value: float, step: float) -> float:
    # A tolerance so that 1.0000000001 FTE from float sums does not become 1.5 posts.
    return math.ceil(value / step - 1e-9) * step if value > 0 else 0.0


def _summary(role: str, cells: list[Cell], rules: StaffingRules) -> RoleSummary:
    posts = round_up(max([0.0, *(c.lasting_fte for c in cells)]), rules.post_step)
    permanent = min(posts, round_up(cells[-1].lasting_fte, rules.post_step)) if cells else 0.0
    return RoleSummary(
        role=role,
        max_gap_fte=max([0.0, *(c.gap_fte for c in cells)]),
        max_lasting_fte=max([0.0, *(c.lasting_fte for c in cells)]),
        max_peak_fte=max([0.0, *(c.peak_fte for c in cells)]),
        peak_hours=sum(c.peak_fte for c in cells) * rules.hours_per_fte_quarter,
        posts=posts,
        permanent_posts=permanent,
        fixed_term_posts=posts - permanent,
    )


def staffing(plan: Plan, rules: StaffingRules) -> Staffing:
    """Demand, capacity, gap, classification and posts for every role and quarter of ``plan``."""
    demand = demand_hours(plan, rules)
    capacity = capacity_hours(plan, rules)
    quarters = list(plan.quarters)
    run = min(rules.lasting_quarters, len(quarters))
    cells: list[Cell] = []
    summaries: list[RoleSummary] = []
    for role in plan.role_codes:
        gaps = [
            (demand[(role, q)] - capacity[(role, q)]) / rules.hours_per_fte_quarter
            for q in quarters
        ]
        lasting = lasting_levels(gaps, run) if run else []
        row = [
            Cell(
                role,
                q,
                demand[(role, q)],
                capacity[(role, q)],
                gap,
                level,
                max(gap, 0.0) - level,
            )
            for q, gap, level in zip(quarters, gaps, lasting, strict=True)
        ]
        cells.extend(row)
        summaries.append(_summary(role, row, rules))
    return Staffing(tuple(cells), tuple(summaries))


def gap_matrix(result: Staffing) -> Mapping[Key, float]:
    return {(cell.role, cell.quarter): cell.gap_fte for cell in result.cells}


def total_by_quarter(cells: Iterable[Cell]) -> dict[Quarter, float]:
    """Sum of positive gaps over all roles per quarter (FTE)."""
    totals: dict[Quarter, float] = {}
    for cell in cells:
        totals[cell.quarter] = totals.get(cell.quarter, 0.0) + max(cell.gap_fte, 0.0)
    return totals
