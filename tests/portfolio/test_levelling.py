"""Levelling with CP-SAT on small plans whose best answer is known, and the demo programme."""

from __future__ import annotations

from eakte.core.portfolio import Plan, Project, Role, StaffingRules, StaffLine, plan_conflicts
from eakte.core.portfolio.quarters import quarter
from eakte.core.portfolio.staffing import staffing
from eakte.demo.portfolio import demo_projects
from eakte.portfolio.levelling import earliest_starts, level

RULES = StaffingRules(hours_per_fte_year=1600, operations_share=0.0)
Q = quarter(2026, 1)


def _plan(*projects: Project) -> Plan:
    # One DEV person: 400 h a quarter. Each project below needs 800 h in one quarter.
    return Plan((Role("DEV", "Entwicklung"),), projects, (StaffLine("DEV", 1),), Q, Q + 7)


def _one(code: str, **extra: object) -> Project:
    return Project(code, code, Q, Q, effort_hours={"DEV": 800}, **extra)  # type: ignore[arg-type]


def test_three_clashing_projects_are_spread_and_the_important_one_stays() -> None:
    plan = _plan(_one("A", priority=90), _one("B", priority=10), _one("C", priority=50))
    assert staffing(plan, RULES).peak_gap_fte == 5  # (2400 − 400) / 400
    result = level(plan, RULES, max_shift=4, seconds=10)
    starts = {p.code: p.start - Q for p in result.plan.projects}
    assert result.peak_after_fte == 1  # each alone: (800 − 400) / 400
    assert starts["A"] == 0  # the highest priority does not move
    assert sorted(starts.values()) == [0, 1, 2]
    assert starts["C"] == 1  # the next in priority moves least


def test_fixed_deadlines_and_dependencies_hold() -> None:
    plan = _plan(
        _one("A", fixed=True),
        _one("B", deadline=Q),  # may not move at all
        _one("C"),
        Project("D", "D", Q + 1, Q + 1, effort_hours={"DEV": 800}, depends_on=("C",)),
    )
    result = level(plan, RULES, max_shift=4, seconds=10)
    starts = {p.code: p.start - Q for p in result.plan.projects}
    assert starts["A"] == starts["B"] == 0
    assert starts["D"] > starts["C"] > 0
    assert plan_conflicts(result.plan) == []


def test_earliest_start_pushes_only_for_dependencies() -> None:
    plan = _plan(_one("A"), Project("B", "B", Q, Q + 1, depends_on=("A",)))
    starts = {p.code: p.start - Q for p in earliest_starts(plan).projects}
    assert starts == {"A": 0, "B": 1}


def test_demo_programme_is_about_a_hundred_consistent_projects() -> None:
    projects = demo_projects()
    assert len(projects) == 100 and len({p.code for p in projects}) == 100
    roles = tuple(Role(c, c) for c in ("PL", "DEV", "NET", "ORG", "SUP"))
    plan = Plan(roles, tuple(projects), (), quarter(2025, 3), quarter(2030, 4))
    assert plan_conflicts(plan) == []
    assert {p.category for p in projects} >= {"E-Akte", "OZG", "Netz", "Fachverfahren"}


def test_a_plan_without_gap_is_left_alone() -> None:
    plan = _plan(Project("A", "A", Q, Q + 1, effort_hours={"DEV": 400}))
    result = level(plan, RULES, max_shift=4, seconds=5)
    assert result.shifts == () and result.peak_after_fte == 0
