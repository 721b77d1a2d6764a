"""The workshop list as a table: projects with efforts, and staff per role, in CSV or XLSX.

Projects (CSV, or the sheet »Projekte«), one row per project; headers in any case and order:

    nr, titel, abteilung, kategorie, status, prioritaet, beginn, ende, termin, fest,
    abhaengig_von, aufwand_<ROLLE> (hours), betrieb_<ROLLE> (FTE after go-live),
    kriterium_<Name> (priority criteria scores)

Staff (CSV with a ``koepfe`` column, or the sheet »Personal«): ``rolle, rollenname, koepfe,
stellenanteil, ab, bis, vermerk``. Rollout (``go_live`` column, sheet »Einführung«): ``nr,
einheit, go_live``: the units a project (the E-Akte) brings live and when. Key figures
(``kennzahl`` column, sheet »Kennzahlen«): ``nr, kennzahl, monat, wert``. Quarters as
``2026-Q3`` or ``Q3/2026``; numbers with a decimal point or comma. An import is all or
nothing: every faulty row is named in German.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eakte.core.portfolio.model import STATUSES, Plan, Project, StaffLine
from eakte.core.portfolio.quarters import format_quarter, parse_quarter
from eakte.errors import EakteError, ValidationError

PROJECT_SHEET = "Projekte"
STAFF_SHEET = "Personal"
ROLLOUT_SHEET = "Einführung"
FIGURES_SHEET = "Kennzahlen"
EFFORT = "aufwand_"
OPERATING = "betrieb_"
CRITERION = "kriterium_"
PROJECT_COLUMNS = (
    "nr",
    "titel",
    "abteilung",
    "kategorie",
    "status",
    "prioritaet",
    "beginn",
    "ende",
    "termin",
    "fest",
    "abhaengig_von",
)
STAFF_COLUMNS = ("rolle", "rollenname", "koepfe", "stellenanteil", "ab", "bis", "vermerk")
STATUS_BY_WORD = {**{k: k for k in STATUSES}, **{v: k for k, v in STATUSES.items()}}
MAX_REPORTED = 25


@dataclass(frozen=True)
class StaffRow:
    line: StaffLine
    role_name: str


@dataclass(frozen=True)
class RolloutRow:
    project: str
    unit: str
    go_live: date


@dataclass(frozen=True)
class KeyFigureRow:
    project: str
    name: str
    month: date
    value: float


@dataclass(frozen=True)
class Workbook:
    projects: list[Project]
    staff: list[StaffRow]
    rollout: list[RolloutRow] = field(default_factory=list)
    key_figures: list[KeyFigureRow] = field(default_factory=list)


Row = dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: str, what: str) -> float:
    cleaned = value.replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned) if cleaned else 0.0
    except ValueError:
        raise ValidationError(f"{what} »{value}« ist keine Zahl") from None


def _flag(value: str) -> bool:
    return value.lower() in {"1", "ja", "x", "true", "wahr", "yes"}


def _columns(row: Row, prefix: str, what: str) -> dict[str, float]:
    found = {}
    for key, value in row.items():
        if key.startswith(prefix) and value:
            role = key[len(prefix) :].upper() if prefix != CRITERION else key[len(prefix) :]
            found[role] = _number(value, f"{what} {role}")
    return found


def _required(row: Row, key: str) -> str:
    if not row.get(key):
        raise ValidationError(f"Spalte »{key}« ist leer")
    return row[key]


def project_from_row(row: Row) -> Project:
    status_word = (row.get("status") or "planned").lower()
    if status_word not in STATUS_BY_WORD:
        raise ValidationError(
            f"Status »{row['status']}« unbekannt ({', '.join(STATUSES.values())})"
        )
    return Project(
        code=_required(row, "nr"),
        title=_required(row, "titel"),
        start=parse_quarter(_required(row, "beginn")),
        end=parse_quarter(_required(row, "ende")),
        department=row.get("abteilung", ""),
        category=row.get("kategorie", ""),
        status=STATUS_BY_WORD[status_word],
        priority=round(_number(row.get("prioritaet") or "50", "Priorität")),
        criteria=_columns(row, CRITERION, "Kriterium"),
        depends_on=tuple(c.strip() for c in row.get("abhaengig_von", "").split(",") if c.strip()),
        effort_hours=_columns(row, EFFORT, "Aufwand"),
        operating_fte=_columns(row, OPERATING, "Betrieb"),
        deadline=parse_quarter(row["termin"]) if row.get("termin") else None,
        fixed=_flag(row.get("fest", "")),
    )


def staff_from_row(row: Row) -> StaffRow:
    role = _required(row, "rolle").upper()
    line = StaffLine(
        role=role,
        headcount=_number(_required(row, "koepfe"), "Köpfe"),
        fte=_number(row.get("stellenanteil") or "1", "Stellenanteil"),
        first=parse_quarter(row["ab"]) if row.get("ab") else None,
        last=parse_quarter(row["bis"]) if row.get("bis") else None,
        note=row.get("vermerk", ""),
    )
    if line.headcount < 0 or not 0 < line.fte <= 1:
        raise ValidationError("Köpfe dürfen nicht negativ sein, der Stellenanteil liegt in (0, 1]")
    return StaffRow(line, row.get("rollenname") or role)


def _day(value: str, what: str) -> date:
    """A date from ``2026-09-01``, ``01.09.2026``, or a month ``2026-09`` / ``09/2026``."""
    text = value.strip().split(" ")[0]
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m", "%m/%Y", "%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"{what} »{value}« ist kein Datum (z. B. 2026-09-01 oder 01.09.2026)")


def rollout_from_row(row: Row) -> RolloutRow:
    return RolloutRow(
        _required(row, "nr"),
        _required(row, "einheit").upper(),
        _day(_required(row, "go_live"), "Go-live"),
    )


def key_figure_from_row(row: Row) -> KeyFigureRow:
    return KeyFigureRow(
        _required(row, "nr"),
        _required(row, "kennzahl"),
        _day(_required(row, "monat"), "Monat").replace(day=1),
        _number(_required(row, "wert"), "Wert"),
    )


def _normalise(header: Iterable[Any]) -> list[str]:
    names = []
    for cell in header:
        original = _text(cell)
        name = original.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        name = name.replace(" ", "_").replace("-", "_")
        if name.startswith(CRITERION):  # a criterion keeps its own spelling
            name = CRITERION + original[len(CRITERION) :].strip()
        names.append(name)
    return names


def _rows(header: list[Any], body: Iterable[Iterable[Any]]) -> Iterator[tuple[int, Row]]:
    names = _normalise(header)
    for number, cells in enumerate(body, start=2):
        values = [_text(cell) for cell in cells]
        if not any(values):
            continue
        yield number, dict(zip(names, values, strict=False))


def _parse_all(
    rows: Iterable[tuple[int, Row]], parse: Any, where: str, errors: list[str]
) -> list[Any]:
    parsed: list[Any] = []
    for number, row in rows:
        try:
            parsed.append(parse(row))
        except EakteError as error:
            errors.append(f"{where}Zeile {number}: {error.message.rstrip('.')}.")
    return parsed


def _check_duplicates(projects: list[Project], errors: list[str]) -> None:
    seen: set[str] = set()
    for project in projects:
        if project.code in seen:
            errors.append(f"Projekt {project.code} steht mehrfach in der Liste.")
        seen.add(project.code)


def _finish(workbook: Workbook, errors: list[str]) -> Workbook:
    _check_duplicates(workbook.projects, errors)
    if errors:
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        tail = f"\n… und {more} weitere Fehler." if more > 0 else ""
        raise ValidationError("Die Liste wurde nicht eingelesen:\n" + "\n".join(shown) + tail)
    return workbook


def read_csv(text: str) -> Workbook:
    """A CSV of projects, or of staff when it has a ``koepfe`` column (``,`` or ``;``)."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not records:
        raise ValidationError("Die Datei ist leer.")
    header, body = records[0], records[1:]
    errors: list[str] = []
    names = _normalise(header)
    rows = _rows(header, body)
    if "koepfe" in names:
        return _finish(Workbook([], _parse_all(rows, staff_from_row, "", errors)), errors)
    if "go_live" in names:
        return _finish(Workbook([], [], _parse_all(rows, rollout_from_row, "", errors)), errors)
    if "kennzahl" in names:
        figures = _parse_all(rows, key_figure_from_row, "", errors)
        return _finish(Workbook([], [], [], figures), errors)
    return _finish(Workbook(_parse_all(rows, project_from_row, "", errors), []), errors)


def read_xlsx(path: Path) -> Workbook:
    """Sheets »Projekte« and »Personal« (either may be missing) of an Excel workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is no workbook
        raise ValidationError(
            f"{path.name} ist keine lesbare Excel-Datei (.xlsx): {error}"
        ) from None
    errors: list[str] = []
    found = Workbook([], [])
    parsers: dict[str, tuple[Any, list[Any]]] = {
        STAFF_SHEET: (staff_from_row, found.staff),
        ROLLOUT_SHEET: (rollout_from_row, found.rollout),
        FIGURES_SHEET: (key_figure_from_row, found.key_figures),
        PROJECT_SHEET: (project_from_row, found.projects),
    }
    for sheet in book.worksheets:
        records = list(sheet.iter_rows(values_only=True))
        title = sheet.title if len(book.worksheets) > 1 else PROJECT_SHEET
        if not records or title not in parsers:
            continue
        parse, target = parsers[title]
        rows = _rows(list(records[0]), records[1:])
        target.extend(_parse_all(rows, parse, f"Blatt {sheet.title}, ", errors))
    book.close()
    return _finish(found, errors)


def read_table(path: Path) -> Workbook:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in {".csv", ".txt"}:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # Excel's »CSV« on German Windows
        return read_csv(text)
    raise ValidationError(f"{path.name}: nur .csv oder .xlsx können eingelesen werden.")


# --------------------------------------------------------------------------- export


def project_rows(plan: Plan) -> list[list[Any]]:
    roles = plan.role_codes
    criteria = sorted({name for p in plan.projects for name in p.criteria})
    header: list[Any] = [
        *PROJECT_COLUMNS,
        *(EFFORT + r for r in roles),
        *(OPERATING + r for r in roles),
        *(CRITERION + c for c in criteria),
    ]
    rows: list[list[Any]] = [header]
    for p in plan.projects:
        rows.append(
            [
                p.code,
                p.title,
                p.department,
                p.category,
                STATUSES[p.status],
                p.priority,
                format_quarter(p.start),
                format_quarter(p.end),
                format_quarter(p.deadline) if p.deadline is not None else "",
                "ja" if p.fixed else "",
                ",".join(p.depends_on),
                *(p.effort_hours.get(r, 0) for r in roles),
                *(p.operating_fte.get(r, 0) for r in roles),
                *(p.criteria.get(c, "") for c in criteria),
            ]
        )
    return rows


def staff_rows(plan: Plan) -> list[list[Any]]:
    names = {role.code: role.name for role in plan.roles}
    rows: list[list[Any]] = [list(STAFF_COLUMNS)]
    for s in plan.staff:
        rows.append(
            [
                s.role,
                names.get(s.role, s.role),
                s.headcount,
                s.fte,
                format_quarter(s.first) if s.first is not None else "",
                format_quarter(s.last) if s.last is not None else "",
                s.note,
            ]
        )
    return rows


def write_csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue()


def write_xlsx(plan: Plan, path: Path) -> None:
    from openpyxl import Workbook as ExcelWorkbook

    book = ExcelWorkbook()
    first = book.active
    assert first is not None
    first.title = PROJECT_SHEET
    for row in project_rows(plan):
        first.append(row)
    staff = book.create_sheet(STAFF_SHEET)
    for row in staff_rows(plan):
        staff.append(row)
    book.save(path)
