"""Export: our records as xdomea packages (0401 Abgabe, 0501 Anbieteverzeichnis, 0503
Aussonderung), recorded as processes.

The services ``export_handover`` (0401), ``export_offer`` (0501, metadata only; offers the run)
and ``transfer_and_complete`` (0503 of the dossiers the archive keeps; completes the run) are the
registry's: the acting user needs the role ``registry``; a plain string stands for the operator
of the installation (the CLI without ``--as``), trusted like every administrative command. The
records come from ``interchange.collect``. Each export writes the validated ZIP, then records the
process and message (``interchange.processes``: state ``sent`` for an Abgabe, ``offered`` after a
0501, ``transferred`` after a 0503; the message's XML kept as proof) and audits every exported
object (``xdomea.handover``, ``xdomea.offer``, ``xdomea.transfer``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from eakte import audit
from eakte.blobs.store import BlobStore
from eakte.core.retention import Outcome, RunState
from eakte.db.engine import Database
from eakte.errors import ConflictError, ValidationError
from eakte.interchange import processes
from eakte.interchange.collect import build_package, require_registry, sender_party
from eakte.interchange.model import (
    DEFAULT_VERSION,
    MESSAGE_NAMES,
    Package,
    Party,
    SchriftgutObject,
    XCase,
    XDossier,
)
from eakte.interchange.package import Progress, write_package
from eakte.records.organisation import User
from eakte.retention.destruction import Erasure, erase_contents
from eakte.retention.runs import Completion, complete_run, get_run, offer_run
from eakte.settings import Settings

AUDIT_ACTIONS = {"0401": "xdomea.handover", "0501": "xdomea.offer", "0503": "xdomea.transfer"}
PROCESS_STATES = {"0401": "sent", "0501": "offered", "0503": "transferred"}


@dataclass(frozen=True)
class Exported:
    path: Path
    process_id: str
    message: str
    version: str
    objects: int
    files: int
    bytes: int
    process_row: int | None = None  # interchange_processes.id

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "process_id": self.process_id,
            "message": MESSAGE_NAMES[self.message],
            "version": self.version,
            "objects": self.objects,
            "files": self.files,
            "bytes": self.bytes,
        }


def _kind(obj: SchriftgutObject) -> str:
    return (
        "dossier" if isinstance(obj, XDossier) else "case" if isinstance(obj, XCase) else "document"
    )


def _record(
    connection: Connection,
    blobs: BlobStore,
    login: str,
    package: Package,
    path: Path,
    kinds: list[tuple[str, str]],
    run_id: int | None = None,
) -> int:
    """Record the process and the message (its XML kept in the blob store as proof of what
    was sent), name the objects, audit each; returns the process row id."""
    header = package.header
    kind = "abgabe" if header.message == "0401" else "aussonderung"
    state = PROCESS_STATES[header.message]
    existing = processes.find(connection, header.process_id, "out", lock=True)
    if existing is None:
        row_id = processes.start(
            connection,
            header.process_id,
            "out",
            kind,
            state,
            login,
            header.receiver.institution,
            run_id,
        )
    else:
        row_id = existing.id
        processes.set_state(connection, row_id, state)
    with zipfile.ZipFile(path) as archive, archive.open(f"{package.name}.xml") as xml:
        proof = processes.store_stream(connection, blobs, xml)
    processes.add_message(
        connection,
        row_id,
        header.message,
        "out",
        header.version,
        path.name,
        login,
        content=proof,
        objects=len(package.objects),
        note=f"an {header.receiver.institution}",
    )
    processes.set_objects(connection, row_id, kinds)
    note = f"{MESSAGE_NAMES[header.message]} an {header.receiver.institution}"
    details = {"note": note, "process_id": header.process_id, "package": path.name}
    audit.record_many(
        connection,
        login,
        [
            (AUDIT_ACTIONS[header.message], _kind(obj), obj.common.uuid, details)
            for obj in package.objects
        ],
    )
    return row_id


def _inventory(package: Package) -> tuple[list[tuple[str, str]], int, int]:
    """In one walk: every object of the package (uuid and type: dossiers, their cases and
    documents) for the process record, and the number and bytes of its files."""
    found: list[tuple[str, str]] = []
    files = size = 0

    def walk(obj: SchriftgutObject) -> None:
        nonlocal files, size
        found.append((obj.common.uuid, _kind(obj)))
        if isinstance(obj, XDossier):
            for case in obj.cases:
                walk(case)
        elif isinstance(obj, XCase):
            for document in obj.documents:
                walk(document)
        else:
            files += len(obj.versions)
            size += sum(version.file.size for version in obj.versions)
            for attachment in obj.attachments:
                walk(attachment)

    for obj in package.objects:
        walk(obj)
    return found, files, size


def _export(
    db: Database,
    blobs: BlobStore,
    settings: Settings,
    login: str,
    package: Package,
    out_dir: Path,
    progress: Progress | None,
    run_id: int | None = None,
    during: Callable[[Connection], None] | None = None,
) -> Exported:
    """Write the ZIP, then record it; ``during`` runs in the same transaction first (a run
    advances with its message: offered, completed), so either both happen or neither."""
    path = write_package(package, out_dir, blobs, settings, progress)
    try:
        kinds, files, size = _inventory(package)  # before the write lock is taken
        with db.write() as connection:
            if during:
                during(connection)
            row_id = _record(connection, blobs, login, package, path, kinds, run_id)
    except BaseException:
        path.unlink(missing_ok=True)  # unrecorded, an export did not happen
        raise
    header = package.header
    return Exported(
        path,
        header.process_id,
        header.message,
        header.version,
        len(package.objects),
        files,
        size,
        row_id,
    )


def export_handover(
    db: Database,
    blobs: BlobStore,
    settings: Settings,
    actor: User | str,
    refs: Sequence[str],
    out_dir: Path,
    receiver: Party,
    version: str = DEFAULT_VERSION,
    progress: Progress | None = None,
    on_package: Any = None,
) -> Exported:
    """Hand records over to another authority: a validated 0401 ZIP in ``out_dir``.

    ``on_package`` (optional) is called with the built package before files are copied (the
    CLI uses it to size its progress bar)."""
    login = require_registry(actor)
    with db.read() as connection:  # open while the package is written: documents stream
        package = build_package(connection, refs, "0401", version, sender_party(settings), receiver)
        if on_package:
            on_package(package)
        return _export(db, blobs, settings, login, package, out_dir, progress)


def _run_refs(connection: Connection, run_ref: int | str, wanted: Iterable[str] | None) -> Any:
    run = get_run(connection, run_ref)
    if run.state == "cancelled":
        raise ConflictError(f"Aussonderungslauf {run.id} ist abgebrochen.")
    in_run = {i.view.uuid: i.view.reference for i in run.items}
    if wanted is None:
        return run, [i.view.uuid for i in run.items]
    chosen = []
    for ref in wanted:
        match = next((u for u, r in in_run.items() if ref.strip() in (u, r)), None)
        if match is None:
            raise ValidationError(
                f"Akte {ref!r} gehört nicht zum Aussonderungslauf {run.id}; übergeben werden "
                "nur Akten des Laufs, die das Archiv übernimmt."
            )
        chosen.append(match)
    if not chosen:
        raise ValidationError("Keine Akte zum Übergeben genannt.")
    return run, chosen


def export_offer(
    db: Database,
    blobs: BlobStore,
    settings: Settings,
    actor: User | str,
    run_ref: int | str,
    out_dir: Path,
    receiver: Party,
    version: str = DEFAULT_VERSION,
    expected_version: int | None = None,
) -> Exported:
    """The offer list of a disposal run as a 0501 (metadata only); ProzessID = the run's UUID.
    A run still being put together is marked offered in the same transaction (at the run
    version the caller saw, if given); a run offered before (as CSV) may still get its 0501."""
    login = require_registry(actor)
    with db.read() as connection:  # open while the package is written: documents stream
        run, refs = _run_refs(connection, run_ref, None)
        if not refs:
            raise ValidationError(f"Aussonderungslauf {run.id} enthält keine Akten.")
        package = build_package(
            connection,
            refs,
            "0501",
            version,
            sender_party(settings),
            receiver,
            process_id=run.uuid,
        )

        def offer_in_the_same_transaction(writing: Connection) -> None:
            current = get_run(writing, run.id)
            sent = processes.find(writing, run.uuid, "out")
            if sent is not None and processes.has_message(writing, sent.id, "0501"):
                raise ConflictError(
                    f"Aussonderungslauf {run.id} wurde dem Archiv schon als xdomea 0501 "
                    "angeboten; eine Nachricht gibt es je Prozess nur einmal."
                )
            if current.state == "selected":
                offer_run(writing, run.id, login, expected_version)
            elif current.state != "offered":
                raise ConflictError(f"Aussonderungslauf {run.id} ist {current.state_label}.")

        return _export(
            db,
            blobs,
            settings,
            login,
            package,
            out_dir,
            None,
            run.id,
            offer_in_the_same_transaction,
        )


def export_transfer(
    db: Database,
    blobs: BlobStore,
    settings: Settings,
    actor: User | str,
    run_ref: int | str,
    dossier_refs: Sequence[str],
    out_dir: Path,
    receiver: Party,
    version: str = DEFAULT_VERSION,
    progress: Progress | None = None,
) -> Exported:
    """The 0503 of a disposal run: the dossiers the archive takes (UUIDs or references), with
    every primary file; ProzessID = the run's UUID, as in its 0501."""
    login = require_registry(actor)
    with db.read() as connection:  # open while the package is written: documents stream
        run, refs = _run_refs(connection, run_ref, dossier_refs)
        package = build_package(
            connection,
            refs,
            "0503",
            version,
            sender_party(settings),
            receiver,
            process_id=run.uuid,
        )
        return _export(db, blobs, settings, login, package, out_dir, progress, run.id)


@dataclass
class Transfer:
    """A completed disposal run: the 0503 with what the archive takes (None if it takes
    nothing), what was handed over and destroyed, and the bytes erased afterwards."""

    exported: Exported | None
    completion: Completion
    erased: Erasure


def transfer_and_complete(
    db: Database,
    blobs: BlobStore,
    settings: Settings,
    actor: User | str,
    run_ref: int | str,
    out_dir: Path,
    receiver: Party,
    version: str = DEFAULT_VERSION,
    expected_version: int | None = None,
    progress: Progress | None = None,
) -> Transfer:
    """Complete an appraised run the xdomea way: the dossiers the archive takes go out as one
    0503 with all their files, and in the same transaction every dossier of the run is handed
    over or destroyed (``retention.runs.complete_run``). Either the package exists and the run
    is completed, or neither (a refusal removes the ZIP). Destroyed content is erased after the
    commit; handed-over content stays until the archive confirms the import (0506)."""
    login = require_registry(actor)
    with db.read() as connection:
        run = get_run(connection, run_ref)
        if run.state != RunState.OFFERED.value:
            raise ConflictError(
                f"Aussonderungslauf {run.id} ist {run.state_label}; übergeben wird nur ein dem "
                "Archiv angebotener und von ihm bewerteter Lauf."
            )
        if run.problems:
            shown = "; ".join(run.problems[:20])
            raise ConflictError(f"Aussonderungslauf {run.id} lässt sich nicht abschließen: {shown}")
        taken = [i.view.uuid for i in run.planned(Outcome.HANDED_OVER)]
    done: list[Completion] = []

    taken_refs = sorted(i.view.reference for i in run.planned(Outcome.HANDED_OVER))

    def complete(connection: Connection) -> None:
        completion = complete_run(connection, run.id, login, expected_version)
        if sorted(completion.handed_over) != taken_refs:  # appraised anew meanwhile
            raise ConflictError(
                f"Aussonderungslauf {run.id} wurde inzwischen anders bewertet; bitte die Seite "
                "neu laden und noch einmal abschließen."
            )
        done.append(completion)

    exported = None
    if not taken:
        with db.write() as connection:
            complete(connection)
    else:
        with db.read() as connection:  # open while the package is written: documents stream
            package = build_package(
                connection,
                taken,
                "0503",
                version,
                sender_party(settings),
                receiver,
                process_id=run.uuid,
            )
            exported = _export(
                db, blobs, settings, login, package, out_dir, progress, run.id, complete
            )
    return Transfer(exported, done[0], erase_contents(db, blobs, done[0].hashes))
