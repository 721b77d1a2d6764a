"""Taking in whatever an xdomea partner sends, one entry point for pages and CLI.

``receive`` looks at the message type and hands it on: an Abgabe (0401) or Aussonderung (0503)
becomes records (``importer.import_package``, all or nothing) and, for an Abgabe that asks for
it, our import confirmation 0402 is written; an appraisal (0502) sets the archive's decisions on
our disposal run and our receipt 0505 is written; import confirmations (0402, 0506) record the
receiver's result per object; receipts (0403, 0504, 0505, 0507) are filed with their process.
Replies we write wait in the outbox for the registry to send; every message received is kept
(its XML) with its process.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import cases, documents, dossiers, interchange_messages
from eakte.errors import ValidationError
from eakte.interchange import importer, processes, reader
from eakte.interchange.collect import sender_party
from eakte.interchange.import_rows import ImportResult
from eakte.interchange.model import MESSAGE_NAMES, Header, ObjectResult, Party
from eakte.interchange.package import write_reply_package
from eakte.interchange.safexml import read_limited
from eakte.interchange.unpack import split_message_name, unpack
from eakte.records.common import now
from eakte.records.organisation import User
from eakte.retention.destruction import erase_contents, release_archived
from eakte.settings import Settings

RECEIPTS = ("0403", "0504", "0505", "0507")
ACCEPTED = ("0401", "0503", "0402", "0506", "0502", *RECEIPTS)


@dataclass(frozen=True)
class Received:
    process_row: int
    code: str
    summary: str  # German, for the page and the CLI
    reply: Path | None = None  # our answer, in the outbox
    imported: ImportResult | None = None  # what a 0401/0503 created

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.code,
            "summary": self.summary,
            "reply": str(self.reply) if self.reply else None,
            **(self.imported.as_dict() if self.imported else {}),
        }


def message_code(path: Path, settings: Settings) -> str:
    """The message code of a ZIP package or bare XML (by the names inside, else the root)."""
    with path.open("rb") as stream:
        start = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not zipfile.is_zipfile(path) and not start.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            f"{path.name} ist weder ein xdomea-Paket (ZIP) noch eine xdomea-Nachricht (XML); "
            "bitte das Paket oder die Nachricht so hochladen, wie sie gekommen ist. Nichts "
            "wurde übernommen."
        )
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                found = split_message_name(name[:-4]) if name.endswith(".xml") else None
                if found:
                    return found[1].rsplit(".", 1)[-1]
        raise ValidationError(
            f"{path.name} enthält keine xdomea-Nachricht (<ProzessID>_<Nachricht>.xml); "
            "nichts übernommen."
        )
    found = split_message_name(path.stem)
    if found:
        return found[1].rsplit(".", 1)[-1]
    with path.open("rb") as stream:
        data = read_limited(stream, settings.xdomea_max_xml_bytes, path.name)
    return reader.load(data, path.name, settings, ACCEPTED).code


def receive(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    actor: User | str,
    path: Path,
    plan_code: str | None = None,
    unit_code: str | None = None,
    outbox_root: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Received:
    """Take in one message; see the module docstring. Refusals leave everything as it was."""
    login = importer.require_registry(actor)
    outbox_root = outbox_root or settings.data / "xdomea" / "postausgang"
    code = message_code(path, settings)
    if code not in ACCEPTED:
        raise ValidationError(
            f"Nachricht {code} ({MESSAGE_NAMES.get(code, '?')}) nimmt eakte nicht entgegen."
        )
    if code in ("0401", "0503"):
        return _records(
            db, blobs, settings, actor, login, path, plan_code, unit_code, outbox_root, progress
        )
    if code in ("0402", "0506"):
        released: set[str] = set()
        answered: list[Any] = []

        def release(connection: Connection, process: Any, results: list[ObjectResult]) -> None:
            answered.append(process)
            # The archive holds what it confirmed: the county's copy of those dossiers goes.
            if code == "0506":
                for item in results:
                    if item.ok:
                        released.update(
                            release_archived(connection, item.uuid, process.process_id, login)
                        )

        results = importer.record_results(db, blobs, settings, path, actor, release)
        erased = erase_contents(db, blobs, released) if released else None
        received = _results(answered[0], code, results, outbox_root)
        if erased is not None:
            received = replace(
                received,
                summary=received.summary
                + f" Die übernommenen Akten sind hier gelöscht ({len(erased.removed)} Datei(en)).",
            )
        return received
    if code == "0502":
        return _appraisal(db, blobs, settings, actor, login, path, outbox_root)
    return _receipt(db, blobs, settings, login, path, code)


def _records(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    actor: User | str,
    login: str,
    path: Path,
    plan_code: str | None,
    unit_code: str | None,
    outbox_root: Path,
    progress: Callable[[int], None] | None,
) -> Received:
    if not plan_code:
        raise ValidationError(
            "Bitte die Aktenplanposition angeben, unter der die übernommenen Akten abgelegt "
            "werden; nichts übernommen."
        )
    result = importer.import_package(
        db, blobs, settings, path, plan_code, actor, unit_code, progress
    )
    with db.read() as connection:
        row = processes.require(connection, result.process_id, "in")
        objects = processes.get_process(connection, row.id).objects
    summary = (
        f"Übernommen: {len(result.dossiers)} Akte(n), {result.cases} Vorgang/Vorgänge, "
        f"{result.documents} Dokument(e), {result.files} Datei(en)"
        + (f", {result.awaiting_ocr} warten auf Texterkennung" if result.awaiting_ocr else "")
        + "."
    )
    reply = None
    if result.message == "0401":
        reply = _reply(
            db,
            blobs,
            settings,
            login,
            row,
            "0402",
            [ObjectResult(o.object_uuid, True) for o in objects],
            outbox_root,
        )
        summary += " Die Importbestätigung (0402) steht zum Herunterladen bereit."
    return Received(row.id, result.message, summary, reply, result)


def _reply(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    login: str,
    process: Any,
    code: str,
    results: Sequence[ObjectResult],
    outbox_root: Path,
) -> Path:
    """Write our answer ``code`` to the partner of ``process`` into the outbox and record it."""
    row = process
    with db.read() as connection:
        version = _version_of(connection, row.id)
    header = Header(
        row.process_id,
        code,
        now(),
        sender_party(settings),
        Party(row.partner or "unbekannt", row.partner or "unbekannt"),
        version=version,
    )
    folder: Path = outbox_root / str(row.process_id)
    with tempfile.TemporaryDirectory(dir=_scratch(outbox_root)) as scratch:
        written = write_reply_package(header, Path(scratch), settings, results)
        with db.write() as connection:
            with zipfile.ZipFile(written) as archive, archive.open(f"{written.stem}.xml") as xml:
                proof = processes.store_stream(connection, blobs, xml)
            processes.add_message(
                connection,
                row.id,
                code,
                "out",
                version,
                written.name,
                login,
                content=proof,
                objects=len(results),
                note=f"an {row.partner}" if row.partner else "",
            )
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / written.name
        shutil.move(str(written), target)
    return target


def _scratch(outbox_root: Path) -> Path:
    folder = outbox_root.parent / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _version_of(connection: Connection, process_row: int) -> str:
    version = connection.execute(
        select(interchange_messages.c.version)
        .where(interchange_messages.c.process_ref == process_row)
        .order_by(interchange_messages.c.id)
        .limit(1)
    ).scalar()
    return str(version or "3.0.0")


def _results(
    process: Any, code: str, results: Sequence[ObjectResult], outbox_root: Path
) -> Received:
    failed = [r for r in results if not r.ok]
    if failed:
        summary = (
            f"Der Empfänger meldet für {len(failed)} von {len(results)} Objekt(en) einen Fehler: "
            + "; ".join(f"{r.uuid}: {r.message}" for r in failed[:5])
        )
    else:
        summary = f"Der Empfänger bestätigt die Übernahme aller {len(results)} Objekt(e)."
        # Confirmed: the package in the outbox is no longer needed (its XML stays as proof).
        shutil.rmtree(outbox_root / process.process_id, ignore_errors=True)
    return Received(process.id, code, summary)


def _appraisal(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    actor: User | str,
    login: str,
    path: Path,
    outbox_root: Path,
) -> Received:
    answered: list[Any] = []
    appraisals = importer.record_appraisal(db, blobs, settings, path, actor, answered.append)
    row = answered[0]
    decided = sum(1 for a in appraisals if a.decision in ("A", "V"))
    open_ = len(appraisals) - decided
    summary = (
        f"Bewertung des Archivs eingetragen: {sum(a.decision == 'A' for a in appraisals)} "
        f"archivieren, {sum(a.decision == 'V' for a in appraisals)} vernichten"
        + (f", {open_} noch ohne endgültige Entscheidung (B)" if open_ else "")
        + "."
    )
    reply = _reply(db, blobs, settings, login, row, "0505", [], outbox_root)
    summary += " Die Empfangsbestätigung (0505) steht zum Herunterladen bereit."
    return Received(row.id, "0502", summary, reply)


def _receipt(
    db: Database, blobs: FolderBlobStore, settings: Settings, login: str, path: Path, code: str
) -> Received:
    with tempfile.TemporaryDirectory(prefix="xdomea-") as folder:
        unpacked = unpack(path, settings, Path(folder))
        parsed = reader.load_path(unpacked.xml_path, settings, f"{unpacked.name}.xml", RECEIPTS)
        header = reader.read_header(parsed)
        with db.write() as connection:
            row = processes.require(connection, header.process_id, "out", lock=True)
            proof = processes.store_package(connection, blobs, unpacked.xml_path)
            processes.add_message(
                connection, row.id, code, "in", header.version, path.name, login, proof
            )
    return Received(row.id, code, f"Empfangsbestätigung {code} zum Prozess abgelegt.")


def object_labels(connection: Connection, uuids: Sequence[str]) -> dict[str, str]:
    """``reference – subject`` (or the document's title) of the objects we hold, by UUID."""
    labels: dict[str, str] = {}
    wanted = list(uuids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for table in (dossiers, cases):
            for row in connection.execute(
                select(table.c.uuid, table.c.reference, table.c.subject).where(
                    table.c.uuid.in_(chunk)
                )
            ):
                labels[row.uuid] = f"{row.reference} – {row.subject}"
        for doc in connection.execute(
            select(documents.c.uuid, documents.c.title).where(documents.c.uuid.in_(chunk))
        ):
            labels[doc.uuid] = doc.title
    return labels
