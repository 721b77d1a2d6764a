"""Registry pages for xdomea (Austausch): every process with its messages and the state of
each object; a new Abgabe (0401); the xdomea way of a disposal run (0501 offer, 0503 handover
with completion); and taking in what other systems send (0401/0503 packages, 0502 appraisals,
0402/0506 import confirmations, receipts).

Packages we write wait in the outbox (``<data>/xdomea/postausgang/<ProzessID>/``) for download
until the receiver has confirmed them; every message's XML is kept in the blob store for good.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from eakte.errors import NotFoundError, ValidationError
from eakte.interchange import export, inbox, processes
from eakte.interchange.model import VERSIONS, Party
from eakte.records.organisation import User
from eakte.retention import runs
from eakte.web.pages import render
from eakte.web.registry import RegistryDep
from eakte.web.security import check_csrf, state
from eakte.web.state import WebState

router = APIRouter(prefix="/registratur", include_in_schema=False)
Csrf = Annotated[str, Form()]
Text = Annotated[str, Form(max_length=300)]
CHUNK = 1024 * 1024


def outbox(data: Path, process_id: str) -> Path:
    return data / "xdomea" / "postausgang" / process_id


def _to_process(row_id: int, notice: str) -> Response:
    return RedirectResponse(
        f"/registratur/austausch/{row_id}?hinweis={quote(notice)}", status_code=303
    )


def _version(value: str) -> str:
    if value not in VERSIONS:
        raise ValidationError(f"xdomea-Version {value!r} gibt es nicht: {', '.join(VERSIONS)}.")
    return value


def _receiver(name: str, key: str = "") -> Party:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Bitte den Empfänger nennen (Name der Behörde oder des Archivs).")
    return Party(key.strip() or name, name)


@router.get("/austausch")
def overview(request: Request, user: RegistryDep, hinweis: str | None = None) -> HTMLResponse:
    with state(request).db.read() as connection:
        listed = processes.list_processes(connection)
    return render(request, "interchange.html", listed=listed, versions=VERSIONS, notice=hinweis)


@router.get("/austausch/{row_id}")
def process_page(
    request: Request, row_id: int, user: RegistryDep, hinweis: str | None = None
) -> HTMLResponse:
    web = state(request)
    with web.db.read() as connection:
        process = processes.get_process(connection, row_id)
        labels = inbox.object_labels(connection, [o.object_uuid for o in process.objects])
    waiting = {
        m.id
        for m in process.messages
        if m.direction == "out"
        and (outbox(web.settings.data, process.process_id) / m.package_name).is_file()
    }
    return render(
        request,
        "interchange_process.html",
        process=process,
        labels=labels,
        waiting=waiting,
        notice=hinweis,
    )


@router.get("/austausch/nachrichten/{message_id}/{kind}")
def download(request: Request, message_id: int, kind: str, user: RegistryDep) -> Response:
    """``paket``: the ZIP as written, while it waits in the outbox; ``xml``: the message as
    kept for good."""
    web = state(request)
    with web.db.read() as connection:
        row = processes.message_row(connection, message_id)
        process = processes.get_process(connection, row.process_ref)
    if kind == "paket":
        path = outbox(web.settings.data, process.process_id) / row.package_name
        if row.direction != "out" or not path.is_file():
            raise NotFoundError(
                "Das Paket liegt nicht mehr im Postausgang (der Empfänger hat es bestätigt); "
                "die Nachricht selbst (XML) ist aufbewahrt."
            )
        return FileResponse(path, media_type="application/zip", filename=row.package_name)
    if kind != "xml":
        raise NotFoundError("Diese Ansicht gibt es nicht.")
    name = Path(row.package_name).with_suffix(".xml").name
    # Streamed from the blob store: a message with 10,000 documents is tens of megabytes.
    return FileResponse(
        web.blobs.path(row.content_sha256), media_type="application/xml", filename=name
    )


@router.post("/austausch/abgabe")
def hand_over(
    request: Request,
    user: RegistryDep,
    csrf: Csrf,
    objekte: Annotated[str, Form(max_length=20_000)],
    empfaenger: Text,
    kennung: Text = "",
    version: Annotated[str, Form()] = "3.0.0",
) -> Response:
    check_csrf(request, csrf)
    web = state(request)
    refs = [line.strip() for line in objekte.replace(",", "\n").splitlines() if line.strip()]
    if not refs:
        raise ValidationError("Bitte mindestens ein Aktenzeichen nennen (eines je Zeile).")
    with tempfile.TemporaryDirectory(dir=_scratch(web.settings.data)) as scratch:
        done = export.export_handover(
            web.db,
            web.blobs,
            web.settings,
            user,
            refs,
            Path(scratch),
            _receiver(empfaenger, kennung),
            _version(version),
        )
        row_id = _keep(web.settings.data, done)
    return _to_process(
        row_id,
        f"Abgabe an {empfaenger} erstellt: {done.objects} Objekt(e), {done.files} Datei(en). "
        "Das Paket steht zum Herunterladen bereit.",
    )


def _scratch(data: Path) -> Path:
    folder = data / "xdomea" / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(data: Path, done: export.Exported) -> int:
    """Move a written package into the outbox; returns its process row."""
    target = outbox(data, done.process_id)
    target.mkdir(parents=True, exist_ok=True)
    shutil.move(str(done.path), target / done.path.name)
    assert done.process_row is not None
    return done.process_row


@router.post("/laeufe/{run_id}/xdomea/anbieten")
def offer(
    request: Request,
    run_id: int,
    user: RegistryDep,
    csrf: Csrf,
    empfaenger: Text,
    version: Annotated[int, Form()],
    kennung: Text = "",
    xdomea: Annotated[str, Form()] = "3.0.0",
) -> Response:
    check_csrf(request, csrf)
    web = state(request)
    with tempfile.TemporaryDirectory(dir=_scratch(web.settings.data)) as scratch:
        done = export.export_offer(
            web.db,
            web.blobs,
            web.settings,
            user,
            run_id,
            Path(scratch),
            _receiver(empfaenger, kennung),
            _version(xdomea),
            expected_version=version,
        )
        row_id = _keep(web.settings.data, done)
    return _to_process(
        row_id,
        f"Anbieteverzeichnis (0501) für {done.objects} Akte(n) erstellt und der Lauf als "
        "angeboten vermerkt. Das Paket an das Archiv geben; seine Bewertung (0502) hier "
        "empfangen.",
    )


@router.post("/laeufe/{run_id}/xdomea/uebergeben")
def transfer(
    request: Request,
    run_id: int,
    user: RegistryDep,
    csrf: Csrf,
    empfaenger: Text,
    version: Annotated[int, Form()],
    kennung: Text = "",
    xdomea: Annotated[str, Form()] = "3.0.0",
    bestaetigt: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if bestaetigt != "ja":
        raise ValidationError(
            "Bitte bestätigen, dass die Akten übergeben und vernichtet werden dürfen; die "
            "Vernichtung lässt sich nicht rückgängig machen."
        )
    web = state(request)
    with tempfile.TemporaryDirectory(dir=_scratch(web.settings.data)) as scratch:
        done = export.transfer_and_complete(
            web.db,
            web.blobs,
            web.settings,
            user,
            run_id,
            Path(scratch),
            _receiver(empfaenger, kennung),
            _version(xdomea),
            expected_version=version,
        )
        completion = done.completion
        notice = (
            f"Aussonderungslauf abgeschlossen: {len(completion.handed_over)} Akte(n) an das "
            f"Archiv übergeben, {len(completion.destroyed)} vernichtet "
            f"({len(done.erased.removed)} Datei(en) gelöscht)."
        )
        if done.exported is None:
            return RedirectResponse(
                f"/registratur/laeufe/{run_id}?hinweis={quote(notice)}", status_code=303
            )
        row_id = _keep(web.settings.data, done.exported)
    return _to_process(
        row_id,
        notice + " Das Paket (0503) steht zum Herunterladen bereit; die "
        "Importbestätigung des Archivs (0506) hier empfangen.",
    )


@router.post("/austausch/empfang")
async def receive(
    request: Request,
    user: RegistryDep,
    csrf: Csrf,
    datei: UploadFile,
    plan: Annotated[str, Form(max_length=160)] = "",
    einheit: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(request, csrf)
    web = state(request)
    limit = web.settings.xdomea_max_package_bytes
    with tempfile.TemporaryDirectory(dir=_scratch(web.settings.data)) as scratch:
        name = _safe_name(datei.filename)
        path = Path(scratch) / name
        size = 0
        with path.open("wb") as target:
            while chunk := await datei.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValidationError(
                        f"Das Paket ist größer als die erlaubten {limit:,} Bytes "
                        "(xdomea_max_package_bytes); nichts wurde übernommen.".replace(",", ".")
                    )
                target.write(chunk)
        if size == 0:
            raise ValidationError("Bitte eine xdomea-Nachricht (ZIP oder XML) auswählen.")
        received = await _in_thread(web, user, path, plan, einheit)
    return _to_process(received.process_row, received.summary)


async def _in_thread(web: WebState, user: User, path: Path, plan: str, unit: str) -> inbox.Received:
    return await run_in_threadpool(
        inbox.receive,
        web.db,
        web.blobs,
        web.settings,
        user,
        path,
        plan_code=plan.strip() or None,
        unit_code=unit.strip() or None,
        outbox_root=web.settings.data / "xdomea" / "postausgang",
    )


def _safe_name(filename: str | None) -> str:
    """The uploaded file's name for the scratch folder: only its last part, only harmless
    characters (a ``<ProzessID>_<message>.xml`` name stays as it is)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", PurePosixPath((filename or "").replace("\\", "/")).name)
    return name.lstrip(".") or "paket.zip"


def run_processes(request: Request, run: runs.Run) -> processes.Process | None:
    with state(request).db.read() as connection:
        return processes.for_run(connection, run.id)
