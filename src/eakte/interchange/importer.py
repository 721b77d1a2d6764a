"""Taking in an xdomea package (0401 Abgabe, 0503 Aussonderung): all or nothing.

The steps, in order: unpack safely (``unpack``), parse safely and validate against the schema
(``reader.load``), read the objects (``reader.read_package``), check that the files in the
package are exactly those the message names, refuse foreign IDs or references that exist here
already, then store and extract every file outside the transaction (the ``Filer``'s prepare
step, as for normal filing), and write all rows in one transaction (``import_rows``):
dossiers, cases, documents, versions, texts, search index, the foreign history, the process
record with the package kept as proof, and one audit event per dossier.

If anything fails, the transaction rolls back and every blob this import newly stored is
removed again (blobs are content-addressed and shared: bytes that were there before stay), so
database and blob store are as before. Only the registry imports.

``record_results`` (0402, 0506) and ``record_appraisal`` (0502) file the answers to a process
we started.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from eakte.blobs.store import FolderBlobStore, hash_stream
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.schema import (
    cases,
    disposal_items,
    documents,
    dossiers,
    foreign_history,
    interchange_objects,
)
from eakte.errors import ConflictError, ValidationError
from eakte.ingest.filing import MAX_ATTACHMENT_DEPTH, Filer
from eakte.interchange import processes, reader
from eakte.interchange.import_rows import Context, ImportResult, PreparedFiles, write_dossier
from eakte.interchange.model import (
    Appraisal,
    Common,
    ObjectResult,
    Package,
    RetentionInfo,
    XCase,
    XDocument,
    XDossier,
)
from eakte.interchange.unpack import UnpackedPackage, unpack
from eakte.records.common import now
from eakte.records.fileplan import PlanItem, get_plan_item, is_leaf
from eakte.records.organisation import User, get_unit
from eakte.retention.runs import record_appraisals
from eakte.search.indexer import write_index
from eakte.settings import Settings

KINDS = {"0401": "abgabe", "0503": "aussonderung"}
Progress = Callable[[int], None]


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


def _prepare(
    package: Package,
    unpacked: UnpackedPackage,
    filer: Filer,
    new_blobs: _NewBlobs,
    progress: Progress | None,
    prepared: PreparedFiles,
) -> PreparedFiles:
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
    ctx: Context,
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
                    package, unpacked, filer, new_blobs, progress, PreparedFiles(store)
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
    prepared: PreparedFiles,
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
        ctx = Context(
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
            write_dossier(ctx, item, made_up, sender)
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
