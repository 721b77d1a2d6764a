"""Charts as SVG text, drawn here (no JavaScript, no chart library): the Gantt roadmap, the
capacity heatmap (role × quarter) and demand against capacity per role.

Only presentation attributes are used (no ``style``), so the pages' Content Security Policy
holds and WeasyPrint draws the same pictures in the PDF. Every text is escaped.
"""

from __future__ import annotations

from html import escape

from eakte.core.portfolio.model import Plan
from eakte.core.portfolio.quarters import german_quarter, number_of, year_of
from eakte.core.portfolio.staffing import Staffing

FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
STATUS_COLOURS = {
    "idea": "#9aa5b1",
    "planned": "#3b73b9",
    "running": "#2e8540",
    "paused": "#b58105",
    "done": "#5c6670",
}
LABEL_WIDTH = 260
QUARTER_WIDTH = 46
ROW_HEIGHT = 16
HEAD = 34


def _text(
    x: float, y: float, content: str, size: int = 11, anchor: str = "start", **extra: str
) -> str:
    attributes = " ".join(f'{key.replace("_", "-")}="{value}"' for key, value in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" {FONT} '
        f"{attributes}>{escape(content)}</text>"
    )


def _quarter_header(plan: Plan, left: int, top: int, height: int) -> list[str]:
    parts = []
    for index, quarter in enumerate(plan.quarters):
        x = left + index * QUARTER_WIDTH
        shade = "#f3f5f7" if year_of(quarter) % 2 else "#ffffff"
        parts.append(
            f'<rect x="{x}" y="{top}" width="{QUARTER_WIDTH}" height="{height}" fill="{shade}"/>'
        )
        parts.append(_text(x + QUARTER_WIDTH / 2, top - 6, f"Q{number_of(quarter)}", 10, "middle"))
        if number_of(quarter) == 1 or index == 0:
            parts.append(_text(x + 2, top - 20, str(year_of(quarter)), 11, font_weight="bold"))
    return parts


def _short(title: str, limit: int = 38) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def gantt_svg(plan: Plan, title: str = "Roadmap") -> str:
    """One bar per project over its quarters, coloured by status; ◆ marks a fixed deadline."""
    width = LABEL_WIDTH + QUARTER_WIDTH * len(plan.quarters) + 10
    height = HEAD + ROW_HEIGHT * len(plan.projects) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="gantt-title">',
        f'<title id="gantt-title">{escape(title)}</title>',
        *_quarter_header(plan, LABEL_WIDTH, HEAD, ROW_HEIGHT * len(plan.projects)),
    ]
    for row, project in enumerate(plan.projects):
        y = HEAD + row * ROW_HEIGHT
        parts.append(_text(4, y + 12, f"{project.code} {_short(project.title)}", 10))
        first = max(project.start, plan.first) - plan.first
        last = min(project.end, plan.last) - plan.first
        if last >= first:
            x = LABEL_WIDTH + first * QUARTER_WIDTH + 1
            bar_width = (last - first + 1) * QUARTER_WIDTH - 2
            colour = STATUS_COLOURS.get(project.status, "#3b73b9")
            span = f"{german_quarter(project.start)}–{german_quarter(project.end)}"
            parts.append(
                f'<rect x="{x}" y="{y + 3}" width="{bar_width}" height="{ROW_HEIGHT - 6}" '
                f'rx="3" fill="{colour}"><title>{escape(project.title)}: {span}</title></rect>'
            )
        if project.deadline is not None and plan.first <= project.deadline <= plan.last:
            dx = LABEL_WIDTH + (project.deadline - plan.first + 1) * QUARTER_WIDTH - 4
            parts.append(_text(dx, y + 12, "◆", 10, "middle", fill="#b3261e"))
    parts.append("</svg>")
    return "\n".join(parts)


def gap_colour(gap: float) -> str:
    """Green for spare capacity, yellow to red for a growing gap (FTE)."""
    if gap <= -0.5:
        return "#cfe8d5"
    if gap <= 0:
        return "#eef6e9"
    if gap <= 1:
        return "#fde7b0"
    if gap <= 3:
        return "#f6b26b"
    return "#e06666"


def heatmap_svg(plan: Plan, result: Staffing, title: str = "Kapazität") -> str:
    """Role × quarter; each cell shows the gap in FTE (negative: capacity left)."""
    label = 160
    cell_height = 26
    names = {role.code: role.name for role in plan.roles}
    width = label + QUARTER_WIDTH * len(plan.quarters) + 10
    height = HEAD + cell_height * len(plan.roles) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="heat-title">',
        f'<title id="heat-title">{escape(title)}</title>',
        *_quarter_header(plan, label, HEAD, 0),
    ]
    for row, role in enumerate(plan.role_codes):
        y = HEAD + row * cell_height
        parts.append(_text(4, y + 17, _short(names.get(role, role), 24), 11))
        for column, quarter in enumerate(plan.quarters):
            cell = result.cell(role, quarter)
            gap_text = f"{cell.gap_fte:.1f}".replace(".", ",")
            x = label + column * QUARTER_WIDTH
            parts.append(
                f'<rect x="{x}" y="{y}" width="{QUARTER_WIDTH - 1}" height="{cell_height - 1}" '
                f'fill="{gap_colour(cell.gap_fte)}"><title>{escape(names.get(role, role))} '
                f"{german_quarter(quarter)}: Bedarf {cell.demand_hours:.0f} h, Kapazität "
                f"{cell.capacity_hours:.0f} h, Lücke {gap_text} VZÄ</title></rect>"
            )
            shown = round(cell.gap_fte, 1)
            cell_text = "0,0" if shown == 0 else f"{shown:+.1f}".replace(".", ",")
            parts.append(_text(x + QUARTER_WIDTH / 2, y + 17, cell_text, 10, "middle"))
    parts.append("</svg>")
    return "\n".join(parts)


def demand_chart_svg(plan: Plan, result: Staffing, role: str, hours_per_fte_quarter: float) -> str:
    """Bars of demand (FTE) per quarter against the capacity line of one role."""
    height, top, left, bar = 150, 14, 34, QUARTER_WIDTH * 0.6
    cells = [result.cell(role, q) for q in plan.quarters]
    demand = [c.demand_hours / hours_per_fte_quarter for c in cells]
    capacity = [c.capacity_hours / hours_per_fte_quarter for c in cells]
    ceiling = max([1.0, *demand, *capacity]) * 1.1
    width = left + QUARTER_WIDTH * len(cells) + 10

    def y_of(value: float) -> float:
        return top + (height - top) * (1 - value / ceiling)

    name = next((r.name for r in plan.roles if r.code == role), role)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height + 24}" '
        f'width="{width}" height="{height + 24}">',
        f"<title>{escape(name)}: Bedarf und Kapazität</title>",
        _text(left, 10, f"{name} (VZÄ)", 11, font_weight="bold"),
        _text(left - 4, y_of(0) + 4, "0", 9, "end"),
        _text(left - 4, y_of(ceiling / 1.1) + 4, f"{ceiling / 1.1:.0f}", 9, "end"),
    ]
    points = []
    for index, (need, have) in enumerate(zip(demand, capacity, strict=True)):
        x = left + index * QUARTER_WIDTH
        colour = "#e06666" if need > have + 1e-9 else "#3b73b9"
        parts.append(
            f'<rect x="{x + (QUARTER_WIDTH - bar) / 2:.1f}" y="{y_of(need):.1f}" width="{bar:.1f}" '
            f'height="{y_of(0) - y_of(need):.1f}" fill="{colour}"/>'
        )
        points += [f"{x:.1f},{y_of(have):.1f}", f"{x + QUARTER_WIDTH:.1f},{y_of(have):.1f}"]
        quarter = plan.first + index
        parts.append(
            _text(x + QUARTER_WIDTH / 2, height + 12, f"Q{number_of(quarter)}", 9, "middle")
        )
        if number_of(quarter) == 1:
            parts.append(_text(x + 2, height + 23, str(year_of(quarter)), 9))
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#1b1b1b" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def sparkline_svg(values: list[float], label: str, width: int = 150, height: int = 32) -> str:
    """A small line over time (key figures, documents per month), with its last value."""
    top = max([1.0, *values])
    step = (width - 40) / max(1, len(values) - 1)
    points = " ".join(
        f"{index * step + 2:.1f},{height - 3 - (height - 6) * value / top:.1f}"
        for index, value in enumerate(values)
    )
    last = f"{values[-1]:,.0f}".replace(",", ".") if values else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label)}</title>'
        f'<polyline points="{points}" fill="none" stroke="#3b73b9" stroke-width="1.5"/>'
        + _text(width - 36, height / 2 + 4, last, 10)
        + "</svg>"
    )
