"""Staffing arithmetic on small plans whose numbers are checked by hand in the comments.

H = 1600 h per FTE and year, so one FTE has 400 h a quarter; the operations share is 25 %, so
one person of existing staff has 300 h a quarter for projects.
"""

from __future__ import annotations

import pytest

from eakte.core.portfolio import (
    Plan,
    Project,
    Role,
    StaffingRules,
    StaffLine,
    apply_changes,
    parse_change,
    plan_conflicts,
    staffing,
)
from eakte.core.portfolio.quarters import format_quarter, german_quarter, parse_quarter, quarter
from eakte.core.portfolio.staffing import lasting_levels, round_up
from eakte.errors import ValidationError

RULES = StaffingRules(hours_per_fte_year=1600, operations_share=0.25, lasting_quarters=4)
Q1_26 = quarter(2026, 1)


def _plan(*projects: Project, staff: tuple[StaffLine, ...] | None = None) -> Plan:
    return Plan(
        roles=(Role("DEV", "Entwicklung"),),
        projects=projects,
        staff=staff if staff is not None else (StaffLine("DEV", 1),),
        first=Q1_26,
        last=Q1_26 + 7,  # 2026-Q1 … 2027-Q4
    )


# E: 4800 h over six quarters = 800 h a quarter, then 0.5 FTE (200 h) operating load.
ROLLOUT = Project(
    "E", "E-Akte", Q1_26, Q1_26 + 5, effort_hours={"DEV": 4800}, operating_fte={"DEV": 0.5}
)
# P: 1200 h in a single quarter, 2026-Q2.
PEAK = Project("P", "Portal", Q1_26 + 1, Q1_26 + 1, effort_hours={"DEV": 1200})


def test_quarters_are_read_in_every_usual_form() -> None:
    assert parse_quarter("2026-Q3") == parse_quarter("Q3/2026") == parse_quarter("3/2026")
    assert parse_quarter("2026-08-15") == quarter(2026, 3)
    assert format_quarter(quarter(2026, 3)) == "2026-Q3"
    assert german_quarter(quarter(2026, 3)) == "Q3/2026"
    with pytest.raises(ValidationError, match="kein Quartal"):
        parse_quarter("2026-Q5")


def test_demand_capacity_and_gap_per_quarter() -> None:
    result = staffing(_plan(ROLLOUT, PEAK), RULES)
    first = result.cell("DEV", Q1_26)
    assert first.demand_hours == pytest.approx(800)
    assert first.capacity_hours == pytest.approx(300)
    assert first.gap_fte == pytest.approx(1.25)  # (800 − 300) / 400
    assert result.cell("DEV", Q1_26 + 1).gap_fte == pytest.approx(4.25)  # (2000 − 300) / 400
    assert result.cell("DEV", Q1_26 + 6).demand_hours == pytest.approx(200)  # operating only
    assert result.cell("DEV", Q1_26 + 6).gap_fte == pytest.approx(-0.25)
    assert result.peak_gap_fte == pytest.approx(4.25)


def test_peak_is_temporary_and_the_run_of_six_quarters_is_lasting_but_fixed_term() -> None:
    result = staffing(_plan(ROLLOUT, PEAK), RULES)
    peak_quarter = result.cell("DEV", Q1_26 + 1)
    assert peak_quarter.lasting_fte == pytest.approx(1.25)
    assert peak_quarter.peak_fte == pytest.approx(3.0)
    assert result.cell("DEV", Q1_26 + 6).lasting_fte == 0
    summary = result.roles[0]
    assert summary.posts == 1.5  # 1.25 rounded up to half posts
    assert summary.permanent_posts == 0  # gone before the horizon ends
    assert summary.fixed_term_posts == 1.5
    assert summary.peak_hours == pytest.approx(1200)  # exactly project P: bridge externally


def test_operating_load_after_go_live_is_a_permanent_gap() -> None:
    running = Project("B", "Betrieb", Q1_26, Q1_26 + 1, operating_fte={"DEV": 2})
    result = staffing(_plan(running), RULES)
    # From 2026-Q3: 800 h operating against 300 h → 1.25 FTE for six quarters.
    assert result.cell("DEV", Q1_26 + 2).gap_fte == pytest.approx(1.25)
    assert result.roles[0].permanent_posts == 1.5


def test_staff_lines_with_part_time_and_limited_periods() -> None:
    staff = (StaffLine("DEV", 2, 0.5, first=Q1_26 + 4), StaffLine("DEV", 1, last=Q1_26))
    result = staffing(_plan(staff=staff), RULES)
    assert result.cell("DEV", Q1_26).capacity_hours == pytest.approx(300)
    assert result.cell("DEV", Q1_26 + 1).capacity_hours == 0
    assert result.cell("DEV", Q1_26 + 4).capacity_hours == pytest.approx(300)  # 2 × 0.5


def test_lasting_level_is_the_floor_of_the_best_run() -> None:
    assert lasting_levels([1, 3, 2, 2, 0], 3) == [1, 2, 2, 2, 0]
    assert lasting_levels([5, -1, 5], 2) == [0, 0, 0]
    assert round_up(1.0000000001, 0.5) == 1.0
    assert round_up(1.01, 0.5) == 1.5


def test_scenario_adds_posts_and_shifts_the_peak() -> None:
    plan = _plan(ROLLOUT, PEAK)
    changes = [parse_change("posts:DEV:2026-Q1:1.5"), parse_change("shift:P:+1")]
    result = staffing(apply_changes(plan, changes), RULES)
    # 1.5 new posts count in full: 600 h more, so Q1 = (800 − 900) / 400 = −0.25.
    assert result.cell("DEV", Q1_26).gap_fte == pytest.approx(-0.25)
    assert result.cell("DEV", Q1_26 + 1).gap_fte == pytest.approx(-0.25)
    assert result.cell("DEV", Q1_26 + 2).gap_fte == pytest.approx(2.75)  # P moved here
    assert [c.text() for c in changes] == ["posts:DEV:2026-Q1:1.5", "shift:P:+1"]


def test_scenario_changes_effort_and_drops_projects() -> None:
    plan = _plan(ROLLOUT, PEAK)
    changed = apply_changes(plan, [parse_change("effort:P:DEV:400"), parse_change("drop:E")])
    assert [p.code for p in changed.projects] == ["P"]
    assert changed.projects[0].effort_hours["DEV"] == 400
    assert plan.project("P").effort_hours["DEV"] == 1200  # the base plan is untouched


def test_change_texts_round_trip_and_errors_are_german() -> None:
    for text in ("shift:P:+2", "shift:P:-1", "effort:P:DEV:1200", "posts:DEV:2027-Q3:2", "drop:P"):
        assert parse_change(text).text() == text
    with pytest.raises(ValidationError, match="nicht verstanden"):
        parse_change("move:P")
    with pytest.raises(ValidationError, match="gibt es im Plan nicht"):
        apply_changes(_plan(), [parse_change("shift:X:+1")])


def test_conflicts_name_dependencies_deadlines_and_roles() -> None:
    after = Project("N", "Nachfolger", Q1_26 + 5, Q1_26 + 6, depends_on=("E",))
    late = Project("L", "Spät", Q1_26, Q1_26 + 3, deadline=Q1_26 + 2, effort_hours={"OPS": 1})
    problems = plan_conflicts(_plan(ROLLOUT, after, late))
    assert problems == [
        "N beginnt Q2/2027, bevor E endet (Q2/2027).",
        "L endet Q4/2026, nach dem festen Termin Q3/2026.",
        "L braucht die Rolle OPS, die es nicht gibt.",
    ]


def test_invalid_projects_and_rules_are_refused() -> None:
    with pytest.raises(ValidationError, match="Ende liegt vor dem Beginn"):
        Project("X", "x", Q1_26 + 1, Q1_26)
    with pytest.raises(ValidationError, match="Betriebsanteil"):
        StaffingRules(operations_share=1.0)
