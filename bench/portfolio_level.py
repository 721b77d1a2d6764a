"""Levelling a portfolio: CP-SAT against the plain earliest-start schedule, in the same run.

A generated programme (default 100 projects × 5 roles × 16 quarters, fixed seed): projects start
in the first ten quarters, last one to six quarters, need two to four roles, some have fixed
deadlines, some are fixed, some depend on an earlier project, some carry operating load after
go-live. Staff per role is set to 90 % of the role's average demand, so that peaks show.

* **baseline**: every project at its earliest start, pushed only by its dependencies.
* **cp_sat**: ``eakte.portfolio.levelling.level`` from that schedule (starts may move up to
  ``--max-shift`` quarters later, never past a deadline or the horizon).

Prints one JSON object: both schedules' peak gap (FTE, the largest gap of any role in any
quarter) and the sum of positive gaps, the solver's time and status, and the ratio
``peak_ratio = cp_sat peak / baseline peak`` (lower is better).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from benchlib import emit, log, rnd, safe_ratio
from eakte.core.portfolio.model import Plan, Project, Role, StaffingRules, StaffLine
from eakte.core.portfolio.quarters import quarter
from eakte.core.portfolio.scenarios import plan_conflicts
from eakte.core.portfolio.staffing import Staffing, staffing, total_by_quarter
from eakte.portfolio.levelling import earliest_starts, level

ROLES = ("PM", "DEV", "NET", "ORG", "SUP", "DATA", "SEC", "FIN")


def _project(
    number: int, roles: tuple[str, ...], rng: random.Random, earlier: list[Project]
) -> Project:
    start = quarter(2026, 1) + rng.randrange(10)
    duration = rng.randint(1, 6)
    needed = rng.sample(roles, rng.randint(2, min(4, len(roles))))
    depends = ()
    if earlier and rng.random() < 0.15:
        before = rng.choice(earlier)
        depends = (before.code,)
        start = max(start, before.end + 1)
    end = start + duration - 1
    deadline = end + rng.randint(0, 2) if rng.random() < 0.2 else None
    return Project(
        code=f"P-{number:03d}",
        title=f"Projekt {number}",
        start=start,
        end=end,
        status="planned",
        priority=rng.randint(0, 100),
        depends_on=depends,
        effort_hours={role: float(rng.randint(200, 3000)) for role in needed},
        operating_fte={needed[0]: 0.2} if rng.random() < 0.3 else {},
        deadline=deadline,
        fixed=rng.random() < 0.1,
    )


def generate(
    projects: int, role_count: int, quarters: int, seed: int, rules: StaffingRules
) -> Plan:
    rng = random.Random(seed)
    roles = ROLES[:role_count]
    made: list[Project] = []
    for number in range(1, projects + 1):
        made.append(_project(number, roles, rng, made))
    first = quarter(2026, 1)
    unstaffed = Plan(tuple(Role(r, r) for r in roles), tuple(made), (), first, first + quarters - 1)
    demand = staffing(unstaffed, rules)
    staff = []
    for role in roles:
        hours = [c.demand_hours for c in demand.cells if c.role == role]
        per_quarter = sum(hours) / len(hours)
        net = rules.hours_per_fte_quarter * (1 - rules.operations_share)
        staff.append(StaffLine(role, round(0.9 * per_quarter / net, 1)))
    return Plan(unstaffed.roles, unstaffed.projects, tuple(staff), first, first + quarters - 1)


def _figures(result: Staffing) -> dict[str, Any]:
    return {
        "peak_gap_fte": rnd(result.peak_gap_fte, 2),
        "sum_positive_gap_fte": rnd(sum(total_by_quarter(result.cells).values()), 2),
        "posts": result.posts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--roles", type=int, default=5, choices=range(2, len(ROLES) + 1))
    parser.add_argument("--quarters", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-shift", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0, help="solver time limit")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    args = parser.parse_args()
    rules = StaffingRules()
    plan = generate(args.projects, args.roles, args.quarters, args.seed, rules)
    log(f"{len(plan.projects)} projects, {len(plan.roles)} roles, {args.quarters} quarters")

    began = time.perf_counter()
    baseline_plan = earliest_starts(plan)
    baseline = staffing(baseline_plan, rules)
    baseline_seconds = time.perf_counter() - began
    log(f"earliest start: peak {baseline.peak_gap_fte:.2f} FTE")

    levelled = level(baseline_plan, rules, args.max_shift, args.seconds, workers=args.workers)
    after = staffing(levelled.plan, rules)
    log(
        f"cp-sat: peak {after.peak_gap_fte:.2f} FTE in {levelled.seconds:.1f} s ({levelled.status})"
    )
    emit(
        {
            "projects": len(plan.projects),
            "roles": len(plan.roles),
            "quarters": args.quarters,
            "seed": args.seed,
            "max_shift": args.max_shift,
            "solver_time_limit_s": args.seconds,
            "workers": args.workers,
            "baseline": {**_figures(baseline), "seconds": rnd(baseline_seconds, 4)},
            "cp_sat": {
                **_figures(after),
                "seconds": rnd(levelled.seconds, 2),
                "status": levelled.status,
                "projects_moved": len(levelled.shifts),
                "conflicts": len(plan_conflicts(levelled.plan)),
            },
            "peak_ratio": safe_ratio(after.peak_gap_fte, baseline.peak_gap_fte),
        }
    )


if __name__ == "__main__":
    main()
