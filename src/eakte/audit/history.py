"""The history of a record as people read it: entries with a German sentence, and as CSV.

CSV files open in German spreadsheet programs as they are: UTF-8 with a byte order mark,
semicolons between cells, and no cell that a spreadsheet would run as a formula (cells that start
with ``= + - @``, a tab or a carriage return get a leading apostrophe).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from eakte.audit.wording import logins_in, sentence
from eakte.core.german import german_datetime
from eakte.db.schema import users

KIND_DE = {"dossier": "Akte", "case": "Vorgang", "document": "Dokument"}
CSV_COLUMNS = ("Zeitpunkt", "Person", "Aktion", "Objekt", "Aktenzeichen", "Einzelheiten", "Hash")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    occurred_at: datetime
    actor: str
    actor_name: str | None  # the person's name, when the actor is a person of eakte
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    hash: str
    reference: str | None  # Aktenzeichen of the dossier or case (for a document: its case)
    label: str | None  # subject of a dossier or case, title of a document
    text: str  # what happened, in German

    @property
    def person(self) -> str:
        return f"{self.actor_name} ({self.actor})" if self.actor_name else self.actor

    @property
    def subject(self) -> str:
        """What the event is about: »Dokument »Bescheid««, »Vorgang 63.1.2-0001/2026-001«."""
        kind = KIND_DE.get(self.object_type, self.object_type)
        if self.object_type == "document":
            return f"{kind} »{self.label}«" if self.label else kind
        return f"{kind} {self.reference}" if self.reference else f"{kind} {self.object_id}"


def entries(connection: Connection, rows: Sequence[Any]) -> list[HistoryEntry]:
    """Entries from rows with the columns of ``HistoryEntry`` up to ``text``; logins named in
    the details are looked up once for all rows."""
    details = [json.loads(row.details) for row in rows]
    logins = set().union(*(logins_in(d) for d in details)) if details else set()
    names: dict[str, str] = {}
    if logins:
        names = {
            row.login: row.name
            for row in connection.execute(
                select(users.c.login, users.c.name).where(users.c.login.in_(sorted(logins)))
            )
        }
    return [
        HistoryEntry(
            row.id,
            row.occurred_at,
            row.actor,
            row.actor_name,
            row.action,
            row.object_type,
            row.object_id,
            detail,
            row.hash,
            row.reference,
            row.label,
            sentence(row.action, detail, row.object_id, names),
        )
        for row, detail in zip(rows, details, strict=True)
    ]


def csv_cell(value: object) -> str:
    """A cell no spreadsheet program evaluates as a formula."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_row(entry: HistoryEntry) -> list[str]:
    return [
        csv_cell(value)
        for value in (
            german_datetime(entry.occurred_at, seconds=True),
            entry.person,
            entry.text,
            entry.subject,
            entry.reference or "",
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            entry.hash,
        )
    ]


def csv_chunks(pages: Iterable[Sequence[HistoryEntry]]) -> Iterator[str]:
    """The CSV text (byte order mark and header first), one chunk per page of entries."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for page in pages:
        writer.writerows(csv_row(entry) for entry in page)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
