"""The workshop list in Excel and the frozen plan as JSON: round trips and German errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from eakte.core.portfolio import Plan, Project, Role, StaffLine
from eakte.core.portfolio.codec import plan_differences, plan_from_dict, plan_to_dict
from eakte.core.portfolio.quarters import quarter
from eakte.errors import ValidationError
from eakte.portfolio.tables import read_table, write_xlsx

Q = quarter(2026, 1)
PLAN = Plan(
    (Role("DEV", "Entwicklung"),),
    (
        Project(
            "P-1",
            "Portal",
            Q,
            Q + 2,
            department="IT",
            status="running",
            criteria={"Nutzen": 8},
            depends_on=(),
            effort_hours={"DEV": 1200.5},
            operating_fte={"DEV": 0.25},
            deadline=Q + 3,
            fixed=True,
        ),
    ),
    (StaffLine("DEV", 2, 0.8, Q, Q + 7, "Stamm"),),
    Q,
    Q + 7,
)


def test_plan_json_round_trip_and_differences() -> None:
    again = plan_from_dict(plan_to_dict(PLAN))
    assert again == PLAN
    moved = Plan(PLAN.roles, (PLAN.projects[0].shifted(1),), PLAN.staff, Q, Q + 7)
    assert plan_differences(PLAN, moved) == [("P-1", "Zeitraum Q1/2026–Q3/2026 → Q2/2026–Q4/2026")]


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "liste.xlsx"
    write_xlsx(PLAN, path)
    read = read_table(path)
    assert read.projects == list(PLAN.projects)
    assert [row.line for row in read.staff] == list(PLAN.staff)


def test_xlsx_errors_name_sheet_and_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Projekte"
    sheet.append(["Nr", "Titel", "Beginn", "Ende", "Status"])
    sheet.append(["A", "Gut", "2026-Q1", "2026-Q2", "geplant"])
    sheet.append(["B", "Schlecht", "2026-Q1", "2026-Q2", "erledigt"])
    sheet.append(["A", "Doppelt", "2026-Q1", "2026-Q2", "laufend"])
    path = tmp_path / "fehler.xlsx"
    book.save(path)
    with pytest.raises(ValidationError) as raised:
        read_table(path)
    message = raised.value.message
    assert "Blatt Projekte, Zeile 3: Status »erledigt« unbekannt" in message
    assert "Projekt A steht mehrfach in der Liste." in message


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "liste.ods").write_bytes(b"x")
    with pytest.raises(ValidationError, match=r"nur \.csv oder \.xlsx"):
        read_table(tmp_path / "liste.ods")
    (tmp_path / "kaputt.xlsx").write_bytes(b"kein Excel")
    with pytest.raises(ValidationError, match="keine lesbare Excel-Datei"):
        read_table(tmp_path / "kaputt.xlsx")
