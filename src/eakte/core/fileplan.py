"""File plan (Aktenplan): plan item codes, dispositions and import rows.

A plan item code is a dotted path such as ``63.1.2``; its parent is the code without the last
segment (``63.1``). Dossiers hang on leaf items only. Import files are CSV with the header
``code,title,retention_years,disposition,lead_unit`` (or the German header
``Kennzeichen,Titel,Aufbewahrungsfrist,Aussonderungsart,Federführung``) or JSON: a list of objects
with the English keys, or ``{"items": [...]}``.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from eakte.errors import ValidationError

_CODE = re.compile(r"^[0-9A-Za-z]{1,12}(\.[0-9A-Za-z]{1,12}){0,11}$")

ENGLISH_HEADER = ("code", "title", "retention_years", "disposition", "lead_unit")
GERMAN_HEADER = ("kennzeichen", "titel", "aufbewahrungsfrist", "aussonderungsart", "federführung")
MAX_RETENTION_YEARS = 200


class Disposition(enum.StrEnum):
    """Aussonderungsart: what happens when retention ends."""

    ARCHIVE = "A"  # archivieren
    APPRAISE = "B"  # bewerten: the archive decides
    DESTROY = "V"  # vernichten

    @classmethod
    def parse(cls, value: str) -> Disposition:
        aliases = {"archivieren": "A", "bewerten": "B", "vernichten": "V"}
        key = aliases.get(value.strip().lower(), value.strip().upper())
        try:
            return cls(key)
        except ValueError as exc:
            raise ValidationError(
                f"Aussonderungsart {value!r} ist unbekannt: erlaubt sind A (archivieren), "
                "B (bewerten) und V (vernichten)."
            ) from exc


def validate_plan_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise ValidationError(
            f"Aktenplankennzeichen {code!r} ist ungültig: erwartet werden durch Punkte getrennte "
            "Teile aus Ziffern oder Buchstaben, etwa 63.1.2."
        )
    return code


def parent_code(code: str) -> str | None:
    """``63.1.2`` → ``63.1``; a top-level code has no parent."""
    head, dot, _ = code.rpartition(".")
    return head if dot else None


def depth(code: str) -> int:
    return code.count(".") + 1


@dataclass(frozen=True)
class PlanRow:
    """One validated row of a file plan import."""

    code: str
    title: str
    retention_years: int | None
    disposition: Disposition | None
    lead_unit: str | None
    line: int


def _parse_years(value: str | int | None, where: str) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        years = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError(
            f"{where}: Aufbewahrungsfrist {value!r} ist keine ganze Zahl von Jahren."
        ) from exc
    if not 0 <= years <= MAX_RETENTION_YEARS:
        raise ValidationError(
            f"{where}: Aufbewahrungsfrist {years} liegt nicht zwischen 0 und "
            f"{MAX_RETENTION_YEARS} Jahren."
        )
    return years


def make_row(raw: dict[str, Any], line: int) -> PlanRow:
    where = f"Zeile {line}"
    try:
        code = validate_plan_code(str(raw.get("code") or ""))
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc.message}") from exc
    title = " ".join(str(raw.get("title") or "").split())
    if not title:
        raise ValidationError(f"{where}: Titel für {code} fehlt.")
    disposition_raw = str(raw.get("disposition") or "").strip()
    try:
        disposition = Disposition.parse(disposition_raw) if disposition_raw else None
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc.message}") from exc
    lead = str(raw.get("lead_unit") or "").strip() or None
    return PlanRow(
        code, title, _parse_years(raw.get("retention_years"), where), disposition, lead, line
    )


def _check_rows(rows: list[PlanRow]) -> list[PlanRow]:
    if not rows:
        raise ValidationError("Die Aktenplan-Datei enthält keine Positionen.")
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            raise ValidationError(
                f"Zeile {row.line}: Kennzeichen {row.code} steht schon in Zeile {seen[row.code]}."
            )
        seen[row.code] = row.line
    return sorted(rows, key=lambda r: (depth(r.code), r.line))


def parse_plan_csv(text: str) -> list[PlanRow]:
    """Parse a CSV file plan (English or German header; comma or semicolon separated)."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise ValidationError("Die Aktenplan-Datei ist leer.") from exc
    if tuple(header[:5]) == GERMAN_HEADER:
        header = list(ENGLISH_HEADER) + header[5:]
    if tuple(header[:5]) != ENGLISH_HEADER:
        raise ValidationError(
            "Kopfzeile der Aktenplan-Datei passt nicht: erwartet "
            f"{','.join(ENGLISH_HEADER)} oder Kennzeichen,Titel,Aufbewahrungsfrist,"
            f"Aussonderungsart,Federführung; gefunden {','.join(header)}."
        )
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise ValidationError(f"Zeile {line}: mehr Spalten als in der Kopfzeile.")
        rows.append(make_row(dict(zip(header, values, strict=False)), line))
    return _check_rows(rows)


def parse_plan_json(text: str) -> list[PlanRow]:
    """Parse a JSON file plan: a list of items or ``{"items": [...]}``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Die Aktenplan-Datei ist kein gültiges JSON: {exc}") from exc
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError(
            'JSON-Aktenplan erwartet eine Liste von Objekten oder {"items": [...]}.'
        )
    return _check_rows([make_row(item, n) for n, item in enumerate(items, start=1)])
