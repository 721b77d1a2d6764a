"""Writing the rows of an xdomea package taken in (``importer``), in the caller's transaction.

Dossiers, cases, documents with their versions, texts and search index rows, the foreign
history and one audit event per dossier. The files were stored and extracted beforehand
(``PreparedFiles``: their texts wait in an anonymous temporary file until their document is
written, so memory holds one text at a time); the index is written in batches as the documents
go in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import time as day_start
from typing import IO, Any

from sqlalchemy import Connection, select, text

from eakte import audit
from eakte.core.references import ReferenceRule
from eakte.db.schema import cases, document_texts, documents, dossiers, org_units, versions
from eakte.db.search_backends import IndexRow
from eakte.ingest.prepared import PreparedFile
from eakte.interchange.model import Common, HistoryEntry, XCase, XDocument, XDossier, XVersion
from eakte.records.common import now
from eakte.records.dossiers import next_number
from eakte.records.fileplan import PlanItem
from eakte.search.indexer import IndexSource, analyse, write_index

INDEX_BATCH = 500  # documents analysed for the index before their rows are written
UNTITLED = "Ohne Betreff"


@dataclass
class ImportResult:
    """What one import created."""

    process_id: str
    message: str
    dossiers: list[tuple[str, str]] = field(default_factory=list)  # (uuid, reference)
    cases: int = 0
    documents: int = 0
    files: int = 0
    awaiting_ocr: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "process_id": self.process_id,
            "message": self.message,
            "dossiers": [{"id": u, "reference": r} for u, r in self.dossiers],
            "cases": self.cases,
            "documents": self.documents,
            "files": self.files,
            "awaiting_ocr": self.awaiting_ocr,
        }


class PreparedFiles:
    """The package's files, stored and extracted, by their name in the package. Texts and
    analysed bodies wait in a file on disk until their document is written, so an import of
    10,000 documents holds one text in memory at a time, not all of them."""

    def __init__(self, store: IO[bytes]) -> None:
        self.files: dict[str, PreparedFile] = {}
        self._store = store  # an anonymous temporary file: no name a package could clash with
        self._where: dict[str, tuple[int, int]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.files

    def __getitem__(self, name: str) -> PreparedFile:
        return self.files[name]

    def add(self, name: str, item: PreparedFile) -> None:
        data = json.dumps([item.extraction.text, item.analysed_body]).encode()
        offset = self._store.seek(0, os.SEEK_END)
        self._store.write(data)
        self._where[name] = (offset, len(data))
        slim = replace(item, extraction=replace(item.extraction, text=""), analysed_body="")
        self.files[name] = slim

    def texts(self, name: str) -> tuple[str, str]:
        """The extracted text and the analysed body of file ``name``."""
        offset, size = self._where[name]
        self._store.seek(offset)
        text, body = json.loads(self._store.read(size))
        return str(text), str(body)


@dataclass
class Context:
    """What the writing step needs besides the connection."""

    connection: Connection
    login: str
    process_id: str
    plan: PlanItem
    default_unit: int
    dossier_rule: ReferenceRule
    case_rule: ReferenceRule
    prepared: PreparedFiles
    result: ImportResult
    index: list[IndexRow] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    objects: list[tuple[str, str]] = field(default_factory=list)
    units: dict[str, int | None] = field(default_factory=dict)

    def unit_of(self, code: str | None, fallback: int) -> int:
        if not code:
            return fallback
        if code not in self.units:
            self.units[code] = self.connection.execute(
                select(org_units.c.id).where(org_units.c.code == code)
            ).scalar()
        return self.units[code] or fallback


def _moment(day: date | None, fallback: datetime) -> datetime:
    return datetime.combine(day, day_start(), UTC) if day else fallback


def _subject(common: Common) -> str:
    return " ".join(common.subject.split())[:500] or common.reference[:500] or UNTITLED


def _reference(
    connection: Connection, rule: ReferenceRule, table: Any, given: str, values: dict[str, Any]
) -> str:
    if given:
        return given
    scope = rule.scope(**values)
    while True:
        reference = rule.format(next_number(connection, scope), **values)
        taken = connection.execute(select(table.c.id).where(table.c.reference == reference))
        if taken.first() is None:
            return reference


def _closer(ctx: Context, closed_at: datetime | None, closed_by: str | None) -> str | None:
    """Who closed it: the sender's login where it says (eakte does), else the importer."""
    if closed_at is None:
        return None
    return (closed_by or ctx.login)[:64]


def _note_history(ctx: Context, uuid: str, entries: tuple[HistoryEntry, ...]) -> None:
    ctx.history.extend(
        {
            "object_uuid": uuid,
            "position": position,
            "at": entry.at,
            "actor": entry.actor[:300],
            "action": entry.action,
            "details": entry.details,
            "process_id": ctx.process_id,
        }
        for position, entry in enumerate(entries, start=1)
    )


def _filed_values(
    ctx: Context,
    common: Common,
    reference: str,
    created: datetime,
    closed_at: datetime | None,
    closed_by: str | None,
) -> dict[str, Any]:
    """The columns a dossier's and a case's row share."""
    return {
        "uuid": common.uuid,
        "reference": reference,
        "subject": _subject(common),
        "created_at": created,
        "created_by": ctx.login,
        "closed_at": closed_at,
        "closed_by": _closer(ctx, closed_at, closed_by),
        "row_version": 1,
        "imported_from": ctx.process_id,
    }


def _note_object(ctx: Context, common: Common, kind: str, made_up: set[str]) -> None:
    """Its foreign history, and the object for the process record unless we made it up."""
    _note_history(ctx, common.uuid, common.history)
    if common.uuid not in made_up:
        ctx.objects.append((common.uuid, kind))


def write_dossier(ctx: Context, item: XDossier, made_up: set[str], sender: str) -> None:
    c, common = ctx.connection, item.common
    unit = ctx.unit_of(common.lead_unit, ctx.default_unit)
    unit_code = c.execute(select(org_units.c.code).where(org_units.c.id == unit)).scalar_one()
    created = _moment(common.begins, now())
    reference = _reference(
        c,
        ctx.dossier_rule,
        dossiers,
        common.reference,
        {"plan": ctx.plan.code, "year": created.year, "unit": unit_code},
    )
    dossier_id = c.execute(
        dossiers.insert()
        .values(
            **_filed_values(ctx, common, reference, created, item.closed_at, item.closed_by),
            plan_item_id=ctx.plan.id,
            lead_unit_id=unit,
            confidentiality=common.confidentiality,
        )
        .returning(dossiers.c.id)
    ).scalar_one()
    _note_object(ctx, common, "dossier", made_up)
    ctx.result.dossiers.append((common.uuid, reference))
    before = (ctx.result.cases, ctx.result.documents)
    dossier = _Parent(dossier_id, reference, _subject(common), unit, common.confidentiality)
    for case in item.cases:
        _write_case(ctx, dossier, case, made_up)
    audit.record(
        c,
        ctx.login,
        "xdomea.import",
        "dossier",
        common.uuid,
        {
            "reference": reference,
            "subject": _subject(common),
            "plan": ctx.plan.code,
            "unit": unit_code,
            "process_id": ctx.process_id,
            "sender": sender,
            "cases": ctx.result.cases - before[0],
            "documents": ctx.result.documents - before[1],
        },
    )


@dataclass(frozen=True)
class _Parent:
    id: int
    reference: str
    subject: str
    unit_id: int
    confidentiality: str


def _write_case(ctx: Context, dossier: _Parent, item: XCase, made_up: set[str]) -> None:
    c, common = ctx.connection, item.common
    created = _moment(common.begins, now())
    reference = _reference(
        c,
        ctx.case_rule,
        cases,
        common.reference,
        {"dossier": dossier.reference, "year": created.year},
    )
    case_id = c.execute(
        cases.insert()
        .values(
            **_filed_values(ctx, common, reference, created, item.closed_at, item.closed_by),
            dossier_id=dossier.id,
            lead_unit_id=ctx.unit_of(common.lead_unit, dossier.unit_id),
        )
        .returning(cases.c.id)
    ).scalar_one()
    _note_object(ctx, common, "case", made_up)
    ctx.result.cases += 1
    case = _Parent(case_id, reference, _subject(common), dossier.unit_id, dossier.confidentiality)
    for document in item.documents:
        _write_document(ctx, dossier, case, document, None)


def _numbered(item: XDocument) -> list[tuple[int, XVersion]]:
    """Versions by number; numbers that repeat are replaced by the order in the message."""
    numbers = [v.number for v in item.versions]
    if len(set(numbers)) != len(numbers):
        numbers = list(range(1, len(numbers) + 1))
    return sorted(zip(numbers, item.versions, strict=True), key=lambda pair: pair[0])


def _write_document(
    ctx: Context, dossier: _Parent, case: _Parent, item: XDocument, parent: int | None
) -> None:
    c, common = ctx.connection, item.common
    numbered = _numbered(item)
    number, current_version = numbered[-1]
    current = ctx.prepared[current_version.file.package_name]
    title = _subject(common) if common.subject or common.reference else current.title
    document_id = c.execute(
        documents.insert()
        .values(
            uuid=common.uuid,
            case_id=case.id,
            dossier_id=dossier.id,
            unit_id=dossier.unit_id,
            parent_id=parent,
            title=title,
            kind=current.extraction.kind,
            media_type=current.extraction.media_type,
            state=current.state.value,
            extraction_error=current.extraction.error,
            document_date=item.document_date,
            created_at=item.created_at,
            created_by=(item.created_by or ctx.login)[:64],
            current_version=number,
            row_version=1,
            imported_from=ctx.process_id,
        )
        .returning(documents.c.id)
    ).scalar_one()
    for num, version in numbered:
        prepared = ctx.prepared[version.file.package_name]
        c.execute(
            text(
                "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
                "ON CONFLICT (sha256) DO NOTHING"
            ),
            {"sha": prepared.blob.sha256, "size": prepared.blob.size, "at": now()},
        )
        c.execute(
            versions.insert().values(
                document_id=document_id,
                number=num,
                content_sha256=prepared.blob.sha256,
                filename=prepared.filename,
                media_type=prepared.extraction.media_type,
                size=prepared.blob.size,
                created_at=version.created_at,
                created_by=(version.created_by or ctx.login)[:64],
            )
        )
        ctx.result.files += 1
    text_of_current, analysed_body = ctx.prepared.texts(current_version.file.package_name)
    c.execute(
        document_texts.insert().values(
            document_id=document_id, version=number, text=text_of_current
        )
    )
    source = IndexSource(
        document_id,
        dossier.unit_id,
        dossier.confidentiality,
        title,
        f"{case.subject} {dossier.subject}",
        f"{case.reference} {dossier.reference}",
        "",
    )
    ctx.index.append(analyse(source, analysed_body))
    if len(ctx.index) >= INDEX_BATCH:  # written as we go: memory stays flat
        write_index(c, ctx.index)
        ctx.index.clear()
    _note_history(ctx, common.uuid, common.history)
    ctx.objects.append((common.uuid, "document"))
    ctx.result.documents += 1
    ctx.result.awaiting_ocr += current.state.value == "awaiting_ocr"
    for attachment in item.attachments:
        _write_document(ctx, dossier, case, attachment, document_id)
