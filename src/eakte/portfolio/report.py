"""The committee report (Sitzungsvorlage) in German: HTML, and PDF through WeasyPrint.

Roadmap, capacity (heatmap and demand against capacity per role), gap table, the method, the
E-Akte rollout status measured from eakte's own records, and each project's key figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from eakte.core.german import german_date
from eakte.core.portfolio.codec import plan_differences
from eakte.core.portfolio.model import STATUSES, Plan, StaffingRules
from eakte.core.portfolio.quarters import german_quarter
from eakte.core.portfolio.rollout import STATE_DE, first_live_month
from eakte.core.portfolio.scenarios import plan_conflicts
from eakte.core.portfolio.staffing import staffing
from eakte.portfolio import charts
from eakte.portfolio.measures import UnitRollout

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ReportInput:
    """Everything the report shows; gathered by the caller inside one read transaction."""

    plan: Plan
    rules: StaffingRules
    title: str
    as_of: date
    rollout: list[UnitRollout]
    key_figures: dict[str, dict[str, list[tuple[date, float]]]]
    previous: Plan | None = None
    previous_name: str = ""


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    environment.filters["datum"] = german_date
    environment.filters["zahl"] = lambda value, digits=1: (
        f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    )
    return environment


def rollout_rows(rollout: list[UnitRollout]) -> list[dict[str, Any]]:
    rows = []
    for unit in rollout:
        live = first_live_month(unit.series)
        rows.append(
            {
                "unit": unit,
                "state": STATE_DE[unit.state],
                "live_since": live,
                "last": unit.series[-1],
                "spark": Markup(
                    charts.sparkline_svg(
                        [float(u.documents) for u in unit.series],
                        f"{unit.unit_name}: Dokumente je Monat",
                    )
                ),
            }
        )
    return rows


def figure_rows(
    plan: Plan, key_figures: dict[str, dict[str, list[tuple[date, float]]]]
) -> list[dict[str, Any]]:
    titles = {p.code: p.title for p in plan.projects}
    found = []
    for code, figures in sorted(key_figures.items()):
        found.append(
            {
                "code": code,
                "title": titles.get(code, code),
                "figures": [
                    {
                        "name": name,
                        "first": series[0][0],
                        "last": series[-1][0],
                        "total": sum(value for _, value in series),
                        "spark": Markup(charts.sparkline_svg([v for _, v in series], name)),
                    }
                    for name, series in figures.items()
                ],
            }
        )
    return found


def render_html(report: ReportInput) -> str:
    plan, rules = report.plan, report.rules
    result = staffing(plan, rules)
    names = {role.code: role.name for role in plan.roles}
    context = {
        "report": report,
        "plan": plan,
        "rules": rules,
        "result": result,
        "names": names,
        "statuses": STATUSES,
        "quarter": german_quarter,
        "horizon": f"{german_quarter(plan.first)}–{german_quarter(plan.last)}",
        "gantt": Markup(charts.gantt_svg(plan)),
        "heatmap": Markup(charts.heatmap_svg(plan, result)),
        "demand_charts": [
            Markup(charts.demand_chart_svg(plan, result, role, rules.hours_per_fte_quarter))
            for role in plan.role_codes
        ],
        "conflicts": plan_conflicts(plan),
        "rollout": rollout_rows(report.rollout),
        "figures": figure_rows(plan, report.key_figures),
        "changes": plan_differences(report.previous, plan) if report.previous else None,
        "previous_posts": staffing(report.previous, rules).posts if report.previous else None,
    }
    return _environment().get_template("report.html").render(**context)


def render_pdf(html: str) -> bytes:
    """The PDF of the report's HTML (WeasyPrint; needs Pango from the system)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
