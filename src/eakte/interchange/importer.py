"""Taking in an xdomea package (0401 Abgabe, 0503 Aussonderung): all or nothing.

The steps, in order: unpack safely (``unpack``), parse safely and validate against the schema
(``reader.load``), read the objects (``reader.read_package``), check that the files in the
package are exactly those the message names, refuse foreign IDs or references that exist here
already, then store and extract every file outside the transaction (the ``Filer``'s prepare
step, as for normal filing), and write all rows in one transaction: dossiers, cases, documents,
versions, texts, search index, the foreign history, the process record with the package kept
as proof, and one audit event per dossier.

If anything fails, the transaction rolls back and every blob this import newly stored is
removed again (blobs are content-addressed and shared: bytes that were there before stay), so
database and blob store are as before. Only the registry imports.

``record_results`` (0402, 0506) and ``record_appraisal`` (0502) file the answers to a process
we started.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import time as day_start
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, select, text

from eakte import audit
from eakte.blobs.store import FolderBlobStore, hash_stream
from eakte.core.references import ReferenceRule, case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.schema import (
    cases,
    disposal_items,
    document_texts,
    documents,
    dossiers,
    foreign_history,
    interchange_objects,
    org_units,
    versions,
)
from eakte.db.search_backends import IndexRow
from eakte.errors import ConflictError, ValidationError
from eakte.ingest.filing import MAX_ATTACHMENT_DEPTH, Filer
from eakte.ingest.prepared import PreparedFile
from eakte.interchange import processes, reader
from eakte.interchange.model import (
    Appraisal,
    Common,
    HistoryEntry,
    ObjectResult,
    Package,
    RetentionInfo,
    XCase,
    XDocument,
    XDossier,
    XVersion,
)
from eakte.interchange.unpack import UnpackedPackage, unpack
from eakte.records.common import now
from eakte.records.dossiers import next_number
from eakte.records.fileplan import PlanItem, get_plan_item, is_leaf
from eakte.records.organisation import User, get_unit
from eakte.retention.runs import record_appraisals
from eakte.search.indexer import IndexSource, analyse, write_index
from eakte.settings import Settings

KINDS = {"0401": "abgabe", "0503": "aussonderung"}
INDEX_BATCH = 500  # documents analysed for the index before their rows are written
UNTITLED = "Ohne Betreff"
Progress = Callable[[int], None]


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


def require_registry(actor: User | str) -> str:
    """The acting login; a person needs the registry role."""
    return processes.require_registry(actor, "übernimmt xdomea-Pakete")


# --------------------------------------------------------------------------- blobs


class _NewBlobs:
    """Blobs this import stored for the first time, to remove them again if it fails."""

    def __init__(self, blobs: FolderBlobStore) -> None:
        self.blobs = blobs
        self.created: dict[str, float] = {}

    def note(self, sha256: str, created: bool) -> None:
        if created or sha256 in self.created:
            self.created[sha256] = time.time()

    def remove(self) -> None:
        # Only if nobody stored the same bytes meanwhile (the store's own guard).
        for sha256, since in self.created.items():
            self.blobs.delete_unless_stored_since(sha256, since)


# --------------------------------------------------------------------------- checks


def _check_files(package: Package, listed: list[str], unpacked: UnpackedPackage) -> None:
    in_zip = set(unpacked.files)
    for xfile in package.files():
        name = xfile.package_name
        if name not in in_zip:
            raise ValidationError(
                f"Datei {name} ist in der Nachricht genannt, liegt aber nicht im Paket; "
                "nichts übernommen."
            )
        size = unpacked.files[name].stat().st_size
        if xfile.size >= 0 and size != xfile.size:
            raise ValidationError(
                f"Datei {name} ist {size} Bytes groß, die Nachricht nennt {xfile.size} Bytes; "
                "nichts übernommen."
            )
    for name in sorted(in_zip - set(listed)):
        raise ValidationError(
            f"Datei {name} liegt im Paket, ist aber in der Nachricht nicht genannt; "
            "nichts übernommen."
        )


def _all_objects(items: list[XDossier]) -> Iterator[tuple[str, Common]]:
    for dossier in items:
        yield "dossier", dossier.common
        for case in dossier.cases:
            yield "case", case.common
            for document in case.documents:
                for each in reader.iter_documents(document):
                    yield "document", each.common


_TABLES = {"dossier": dossiers, "case": cases, "document": documents}
_NAMES_DE = {"dossier": "Akte", "case": "Vorgang", "document": "Dokument"}


def _check_conflicts(connection: Connection, items: list[XDossier]) -> None:
    """Refuse foreign IDs and references that exist here (or twice in the package)."""
    seen: set[str] = set()
    references: set[tuple[str, str]] = set()
    for kind, common in _all_objects(items):
        if kind != "document" and common.reference:
            if (kind, common.reference) in references:
                raise ValidationError(
                    f"Das Aktenzeichen {common.reference} kommt im Paket mehrfach vor "
                    f"({_NAMES_DE[kind]} {common.uuid}); nichts übernommen."
                )
            references.add((kind, common.reference))
        if common.uuid in seen:
            raise ValidationError(
                f"Die ID {common.uuid} kommt im Paket mehrfach vor; nichts übernommen."
            )
        seen.add(common.uuid)
        for other, table in _TABLES.items():
            row = connection.execute(select(table.c.id).where(table.c.uuid == common.uuid)).first()
            if row is not None:
                raise ConflictError(
                    f"{_NAMES_DE[kind]} {common.uuid} ({common.subject or common.reference}) "
                    f"gibt es hier schon (als {_NAMES_DE[other]}); das Paket wurde schon "
                    "übernommen oder die ID ist doppelt vergeben. Nichts übernommen."
                )
        if kind != "document" and common.reference:
            table = _TABLES[kind]
            taken = connection.execute(
                select(table.c.uuid).where(table.c.reference == common.reference)
            ).first()
            if taken is not None:
                raise ConflictError(
                    f"Das Aktenzeichen {common.reference} ({_NAMES_DE[kind]} {common.uuid}) "
                    "ist hier schon vergeben; nichts übernommen."
                )


# --------------------------------------------------------------------------- objects


def _wrapped(package: Package) -> tuple[list[XDossier], set[str]]:
    """Top-level cases and documents need a dossier here: wrap them in one (marked made-up)."""
    made_up: set[str] = set()
    result: list[XDossier] = []
    for obj in package.objects:
        if isinstance(obj, XDossier):
            result.append(obj)
            continue
        if isinstance(obj, XDocument):
            case_common = _derived(obj.common, "vorgang", reader.LOOSE_CASE_SUBJECT)
            obj = XCase(case_common, None, None, (obj,))
            made_up.add(case_common.uuid)
        dossier_common = _derived(obj.common, "akte", obj.common.subject)
        made_up.add(dossier_common.uuid)
        retention = RetentionInfo(None, None)
        result.append(XDossier(dossier_common, "", "", retention, obj.closed_at, None, (obj,)))
    return result, made_up


def _derived(common: Common, what: str, subject: str) -> Common:
    made = str(uuid_module.uuid5(uuid_module.UUID(common.uuid), what))
    return Common(
        uuid=made,
        reference="",
        subject=subject,
        begins=common.begins,
        ends=common.ends,
        lead_unit=common.lead_unit,
        confidentiality=common.confidentiality,
        imported_from=common.imported_from,
    )


@dataclass
class _Context:
    """What the writing step needs besides the connection."""

    connection: Connection
    login: str
    process_id: str
    plan: PlanItem
    default_unit: int
    dossier_rule: ReferenceRule
    case_rule: ReferenceRule
    prepared: _PreparedFiles
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


def _closer(ctx: _Context, closed_at: datetime | None, closed_by: str | None) -> str | None:
    """Who closed it: the sender's login where it says (eakte does), else the importer."""
    if closed_at is None:
        return None
    return (closed_by or ctx.login)[:64]


def _note_history(ctx: _Context, uuid: str, entries: tuple[HistoryEntry, ...]) -> None:
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


def _write_dossier(ctx: _Context, item: XDossier, made_up: set[str], sender: str) -> None:
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
            uuid=common.uuid,
            reference=reference,
            plan_item_id=ctx.plan.id,
            lead_unit_id=unit,
            subject=_subject(common),
            confidentiality=common.confidentiality,
            created_at=created,
            created_by=ctx.login,
            closed_at=item.closed_at,
            closed_by=_closer(ctx, item.closed_at, item.closed_by),
            row_version=1,
            imported_from=ctx.process_id,
        )
        .returning(dossiers.c.id)
    ).scalar_one()
    _note_history(ctx, common.uuid, common.history)
    if common.uuid not in made_up:
        ctx.objects.append((common.uuid, "dossier"))
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


def _write_case(ctx: _Context, dossier: _Parent, item: XCase, made_up: set[str]) -> None:
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
            uuid=common.uuid,
            reference=reference,
            dossier_id=dossier.id,
            lead_unit_id=ctx.unit_of(common.lead_unit, dossier.unit_id),
            subject=_subject(common),
            created_at=created,
            created_by=ctx.login,
            closed_at=item.closed_at,
            closed_by=_closer(ctx, item.closed_at, item.closed_by),
            row_version=1,
            imported_from=ctx.process_id,
        )
        .returning(cases.c.id)
    ).scalar_one()
    _note_history(ctx, common.uuid, common.history)
    if common.uuid not in made_up:
        ctx.objects.append((common.uuid, "case"))
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
    ctx: _Context, dossier: _Parent, case: _Parent, item: XDocument, parent: int | None
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


# --------------------------------------------------------------------------- the import


def _read(unpacked: UnpackedPackage, settings: Settings) -> tuple[Package, list[str]]:
    if unpacked.code not in KINDS:
        raise ValidationError(
            f"{unpacked.name}: übernommen werden nur Abgaben (0401) und Aussonderungen (0503)."
        )
    parsed = reader.load_path(
        unpacked.xml_path, settings, f"{unpacked.name}.xml", accept=tuple(KINDS)
    )
    package = reader.read_package(parsed)
    if package.header.process_id != unpacked.process_id.lower():
        raise ValidationError(
            f"{unpacked.name}.xml: die ProzessID im Kopf ({package.header.process_id}) passt "
            "nicht zum Namen der Nachricht; nichts übernommen."
        )
    for document in (d for obj in package.objects for d in reader.iter_documents(obj)):
        if not document.versions:
            raise ValidationError(
                f"Dokument {document.common.uuid} ({document.common.subject}) hat keine Datei; "
                "eine Abgabe oder Aussonderung muss jedes Primärdokument enthalten. "
                "Nichts übernommen."
            )
    return package, reader.listed_files(parsed)


class _PreparedFiles:
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


def _prepare(
    package: Package,
    unpacked: UnpackedPackage,
    filer: Filer,
    new_blobs: _NewBlobs,
    progress: Progress | None,
    prepared: _PreparedFiles,
) -> _PreparedFiles:
    """Store and extract every file once (outside the transaction), checking stated hashes."""
    for xfile in package.files():
        name = xfile.package_name
        if name in prepared:
            continue
        data = unpacked.files[name].read_bytes()
        if xfile.sha256 and hashlib.sha256(data).hexdigest() != xfile.sha256:
            raise ValidationError(  # before anything is stored or extracted
                f"Datei {name}: der Hashwert stimmt nicht mit der Nachricht überein (Datei "
                "beschädigt oder ausgetauscht); nichts übernommen."
            )
        try:
            # Attachments of e-mails come as documents of their own (Anlage), not extracted.
            item = filer.prepare_bytes(data, xfile.filename_original, depth=MAX_ATTACHMENT_DEPTH)
        except ValidationError as exc:
            raise ValidationError(f"Datei {name}: {exc.message} Nichts übernommen.") from None
        new_blobs.note(item.blob.sha256, item.blob.created)
        if xfile.sha256 and xfile.sha256 != item.blob.sha256:
            raise ValidationError(
                f"Datei {name}: der Hashwert stimmt nicht mit der Nachricht überein (Datei "
                "beschädigt oder ausgetauscht); nichts übernommen."
            )
        prepared.add(name, item)
        if progress:
            progress(1)
    return prepared


def _plan_and_unit(
    connection: Connection, plan_code: str, unit_code: str | None
) -> tuple[PlanItem, int]:
    plan = get_plan_item(connection, plan_code)
    if not is_leaf(connection, plan.id):
        raise ValidationError(
            f"Akten hängen nur an Positionen der untersten Ebene; {plan.code} hat Unterpositionen."
        )
    if unit_code:
        return plan, get_unit(connection, unit_code).id
    if plan.lead_unit_id is None:
        raise ValidationError(
            f"Position {plan.code} hat keine Federführung; bitte die übernehmende Einheit "
            "angeben (--unit)."
        )
    return plan, plan.lead_unit_id


def _record_process(
    ctx: _Context,
    package: Package,
    zip_path: Path,
    xml_path: Path,
    blobs: FolderBlobStore,
    new_blobs: _NewBlobs,
) -> None:
    c, header = ctx.connection, package.header
    if processes.find(c, header.process_id, "in") is not None:
        raise ConflictError(
            f"Ein Paket des Prozesses {header.process_id} wurde schon übernommen; nichts "
            "übernommen."
        )
    partner = header.sender.institution or header.sender.authority
    row = processes.start(
        c, header.process_id, "in", KINDS[header.message], "imported", ctx.login, partner
    )
    # The message itself is kept as proof; the files are kept as the records' versions.
    with xml_path.open("rb") as stream:
        sha, _size = hash_stream(stream)
    existed = blobs.exists(sha)
    content = processes.store_package(c, blobs, xml_path)
    new_blobs.note(content[0], not existed)
    processes.add_message(
        c,
        row,
        header.message,
        "in",
        header.version,
        zip_path.name,
        ctx.login,
        content,
        objects=len(ctx.objects),
    )
    stamp = now()
    if ctx.objects:
        c.execute(
            interchange_objects.insert(),
            [
                {
                    "process_ref": row,
                    "object_uuid": uuid,
                    "object_type": kind,
                    "result": "ok",
                    "result_message": "",
                    "updated_at": stamp,
                }
                for uuid, kind in dict(ctx.objects).items()
            ],
        )


def import_package(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    zip_path: Path,
    plan_code: str,
    actor: User | str,
    unit_code: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Take in a 0401 or 0503 package under the plan item ``plan_code``; all or nothing.

    ``unit_code`` is the lead unit for objects whose Federfuehrung is not a unit here (default:
    the plan item's). ``progress`` is called with 1 per stored file."""
    login = require_registry(actor)
    new_blobs = _NewBlobs(blobs)
    with tempfile.TemporaryDirectory(prefix="xdomea-") as folder:
        unpacked = unpack(zip_path, settings, Path(folder))
        package, listed = _read(unpacked, settings)
        _check_files(package, listed, unpacked)
        items, made_up = _wrapped(package)
        with db.read() as connection:
            _plan_and_unit(connection, plan_code, unit_code)
            _check_conflicts(connection, items)
        filer = Filer(blobs, settings.max_file_size)
        try:
            with tempfile.TemporaryFile(dir=folder) as store:
                prepared = _prepare(
                    package, unpacked, filer, new_blobs, progress, _PreparedFiles(store)
                )
                return _write(
                    db,
                    settings,
                    package,
                    items,
                    made_up,
                    prepared,
                    login,
                    plan_code,
                    unit_code,
                    zip_path,
                    unpacked.xml_path,
                    new_blobs,
                )
        except BaseException:
            new_blobs.remove()
            raise


def _write(
    db: Database,
    settings: Settings,
    package: Package,
    items: list[XDossier],
    made_up: set[str],
    prepared: _PreparedFiles,
    login: str,
    plan_code: str,
    unit_code: str | None,
    zip_path: Path,
    xml_path: Path,
    new_blobs: _NewBlobs,
) -> ImportResult:
    header = package.header
    result = ImportResult(header.process_id, header.message)
    with db.write() as connection:
        plan, default_unit = _plan_and_unit(connection, plan_code, unit_code)
        _check_conflicts(connection, items)  # again: someone may have been quicker
        ctx = _Context(
            connection,
            login,
            header.process_id,
            plan,
            default_unit,
            dossier_rule(settings.dossier_reference_rule),
            case_rule(settings.case_reference_rule),
            prepared,
            result,
        )
        sender = header.sender.institution or header.sender.authority
        for item in items:
            _write_dossier(ctx, item, made_up, sender)
        write_index(connection, ctx.index)
        if ctx.history:
            connection.execute(foreign_history.insert(), ctx.history)
        _record_process(ctx, package, zip_path, xml_path, new_blobs.blobs, new_blobs)
    return result


# --------------------------------------------------------------------------- answers


@contextmanager
def _message(path: Path, settings: Settings, accept: tuple[str, ...]) -> Iterator[Any]:
    with tempfile.TemporaryDirectory(prefix="xdomea-") as folder:
        unpacked = unpack(path, settings, Path(folder))
        yield reader.load_path(unpacked.xml_path, settings, f"{unpacked.name}.xml", accept)


def _file_answer(
    connection: Connection,
    blobs: FolderBlobStore,
    path: Path,
    process: Any,
    code: str,
    version: str,
    login: str,
    count: int,
) -> None:
    content = processes.store_package(connection, blobs, path)
    processes.add_message(
        connection, process.id, code, "in", version, path.name, login, content, objects=count
    )


def record_results(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    path: Path,
    actor: User | str,
    on_results: Callable[[Connection, Any, list[ObjectResult]], None] | None = None,
) -> list[ObjectResult]:
    """File a received 0402 or 0506: the per-object results of a process we started.
    ``on_results(connection, process_row, results)`` runs in the same transaction."""
    login = require_registry(actor)
    with _message(path, settings, ("0402", "0506")) as parsed:
        header, results = reader.read_results(parsed)
    with db.write() as connection:
        process = processes.require(connection, header.process_id, "out", lock=True)
        for item in results:
            values = {"result": "ok" if item.ok else "error", "result_message": item.message}
            if not processes.update_objects(connection, process.id, item.uuid, **values):
                processes.set_objects(connection, process.id, [(item.uuid, "unknown")])
                processes.update_objects(connection, process.id, item.uuid, **values)
        _file_answer(
            connection, blobs, path, process, header.message, header.version, login, len(results)
        )
        if on_results:
            on_results(connection, process, results)
        failed = any(not item.ok for item in results)
        done = "confirmed" if process.kind == "abgabe" else "archived"
        processes.set_state(connection, process.id, "failed" if failed else done)
    return results


def record_appraisal(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    path: Path,
    actor: User | str,
    on_filed: Callable[[Any], None] | None = None,
) -> list[Appraisal]:
    """File a received 0502: the archive's decision per object of our Aussonderung.
    ``on_filed(process_row)`` learns which of our processes it answered."""
    login = require_registry(actor)
    with _message(path, settings, ("0502",)) as parsed:
        header, appraisals = reader.read_appraisals(parsed)
    with db.write() as connection:
        process = processes.require(connection, header.process_id, "out", lock=True)
        for item in appraisals:
            if item.decision not in ("A", "B", "V"):
                raise ValidationError(
                    f"Bewertung {item.decision!r} für {item.uuid} ist keine Aussonderungsart "
                    "(A, B oder V); nichts eingetragen."
                )
            if not processes.update_objects(
                connection, process.id, item.uuid, appraisal=item.decision
            ):
                raise ValidationError(
                    f"Das Bewertungsverzeichnis nennt {item.uuid}, das in dieser Aussonderung "
                    "nicht angeboten wurde; nichts eingetragen."
                )
        if process.run_id is not None:
            # The archive's final decisions (A, V) become the run's appraisals in the same
            # transaction; B (to be reviewed) leaves a dossier without one for now.
            decided = {a.uuid: a.decision for a in appraisals if a.decision in ("A", "V")}
            in_run = set(
                connection.execute(
                    select(dossiers.c.uuid)
                    .join(disposal_items, disposal_items.c.dossier_id == dossiers.c.id)
                    .where(disposal_items.c.run_id == process.run_id)
                ).scalars()
            )
            chosen = {uuid: decision for uuid, decision in decided.items() if uuid in in_run}
            if chosen:
                record_appraisals(connection, process.run_id, chosen, login)
        _file_answer(
            connection, blobs, path, process, header.message, header.version, login, len(appraisals)
        )
        processes.set_state(connection, process.id, "appraised")
    if on_filed:
        on_filed(process)
    return appraisals
