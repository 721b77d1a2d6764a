"""Scans in the web application: live status, the PDF/A beside the original, the inbox."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import audit_events, documents
from eakte.demo import files
from eakte.ingest.filing import Filer
from eakte.ocr.engine import OcrError, OcrOutput
from eakte.records import dossiers
from eakte.scan.intake import run_intakes
from eakte.settings import ScanIntake, Settings
from eakte.web import create_app
from eakte.worker.runner import Worker
from tests.helpers import County
from tests.web.conftest import csrf_of, login
from tests.worker.test_worker import fake_engine


def _upload_scan(client: TestClient, county: County, csrf: str) -> str:
    response = client.post(
        f"/vorgaenge/{county.bau_case.uuid}/dokumente",
        data={"csrf": csrf},
        files=[("dateien", ("Post.png", files.scan_png_bytes("Antrag Garage"), "image/png"))],
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    (filed,) = response.json()["documents"]
    assert filed["state"] == "awaiting_ocr"
    return str(filed["id"])


def test_status_rendition_and_permissions(
    client: TestClient,
    county: County,
    db: Database,
    settings: Settings,
    blobs: FolderBlobStore,
) -> None:
    csrf = login(client, "bau")
    doc = _upload_scan(client, county, csrf)
    status_url = f"/vorgaenge/{county.bau_case.uuid}/status"
    case_page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert f'data-status="{status_url}"' in case_page and f'data-doc="{doc}"' in case_page
    status = client.get(status_url).json()
    assert status["pending"] == 1
    assert {"id": doc, "state": "awaiting_ocr", "label": "wartet auf Texterkennung"} in status[
        "documents"
    ]
    assert "wartet auf Texterkennung" in client.get(f"/dokumente/{doc}").text
    missing = client.get(f"/dokumente/{doc}/pdfa")
    assert missing.status_code == 404 and "keine durchsuchbare PDF/A-Fassung" in missing.text

    assert (
        Worker(db, blobs, settings, engine=fake_engine).run(until_idle=True).outcomes["done"] == 1
    )

    status = client.get(status_url).json()
    assert status["pending"] == 0
    assert {"id": doc, "state": "ready", "label": "bereit"} in status["documents"]
    page = client.get(f"/dokumente/{doc}").text
    assert "Durchsuchbares PDF/A" in page and f"/dokumente/{doc}/pdfa?download=true" in page
    shown = client.get(f"/dokumente/{doc}/pdfa")
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.content.startswith(b"%PDF-")
    saved = client.get(f"/dokumente/{doc}/pdfa?download=true")
    assert saved.headers["content-disposition"].startswith("attachment")
    assert "PDF-A" in saved.headers["content-disposition"]
    api = client.get(f"/api/v1/documents/{doc}/pdfa")  # the browser session serves the API
    assert api.status_code == 200 and api.content == shown.content
    assert api.headers["content-disposition"].startswith("attachment")
    original = client.get(f"/dokumente/{doc}/inhalt")
    assert original.headers["content-type"] == "image/png"
    with db.read() as c:
        downloads = c.execute(
            select(audit_events.c.details).where(audit_events.c.action == "document.download")
        ).scalars()
        assert sum(json.loads(d).get("rendition") == "pdfa" for d in downloads) == 3
    assert "Erkannter" in client.get("/suche?q=Baugenehmigung").text

    other = TestClient(client.app, follow_redirects=False)
    login(other, "ja")
    assert other.get(f"/dokumente/{doc}/pdfa").status_code == 404
    assert other.get(status_url).status_code == 404


def test_a_failed_ocr_shows_its_error(
    client: TestClient,
    county: County,
    db: Database,
    settings: Settings,
    blobs: FolderBlobStore,
) -> None:
    csrf = login(client, "bau")
    doc = _upload_scan(client, county, csrf)

    def broken(*_: Any, **__: Any) -> OcrOutput:
        raise OcrError("Das Bild ist beschädigt oder unvollständig.", permanent=True)

    Worker(db, blobs, settings, engine=broken).run(until_idle=True)
    page = client.get(f"/dokumente/{doc}").text
    assert "Texterkennung fehlgeschlagen" in page
    assert "Das Bild ist beschädigt oder unvollständig." in page
    case_page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert "state-ocr_failed" in case_page


def test_the_scan_office_assigns_inbox_documents_to_cases(
    client: TestClient,
    county: County,
    db: Database,
    settings: Settings,
    blobs: FolderBlobStore,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "eingang"
    folder.mkdir()
    scan = folder / "brief.pdf"
    scan.write_bytes(files.pdf_bytes("Einspruch gegen die Baugenehmigung"))
    os.utime(scan, (time.time() - 60, time.time() - 60))
    intake = ScanIntake(name="Poststelle", folder=folder, unit="BAU", operator="scan")
    configured = settings.model_copy(update={"scan_intakes": [intake], "scan_inbox_plan": "63.1.2"})
    (result,) = run_intakes(db, blobs, configured)
    (doc,) = result.documents

    login(client, "bau")
    inbox = client.get("/posteingang").text
    assert "Posteingang der Scanstelle" in inbox and f"/dokumente/{doc}" in inbox
    page = client.get(f"/dokumente/{doc}").text
    assert "Transfervermerk" in page and "Poststelle" in page
    moved = client.post(
        f"/dokumente/{doc}/zuordnen",
        data={
            "csrf": csrf_of(inbox),
            "vorgang": county.bau_case.reference,
            "zurueck": "posteingang",
        },
    )
    assert moved.status_code == 303 and moved.headers["location"].startswith("/posteingang")
    assert "zugeordnet" in client.get(moved.headers["location"]).text
    with db.read() as c:
        assert (
            c.execute(select(documents.c.case_id).where(documents.c.uuid == doc)).scalar_one()
            == county.bau_case.id
        )
    assert "Dokument einem anderen Vorgang zugeordnet" in client.get(f"/dokumente/{doc}").text

    other = TestClient(client.app, follow_redirects=False)
    login(other, "ja")
    assert f"/dokumente/{doc}" not in other.get("/posteingang").text


def test_serve_runs_worker_threads(
    county: County, db: Database, settings: Settings, filer: Filer
) -> None:
    png = files.scan_png_bytes("Kaputt")
    prepared = filer.prepare_bytes(png[:500], "kaputt.png")  # fails fast, without Tesseract
    with db.write() as c:
        doc = filer.commit(
            c,
            county.bau_case,
            dossiers.get_dossier_by_id(c, county.bau_case.dossier_id),
            prepared,
            "test",
        )
    serving = settings.model_copy(update={"worker_threads": 1, "worker_poll_seconds": 0.1})
    with TestClient(create_app(serving, background_work=True)):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.read() as c:
                state = c.execute(
                    select(documents.c.state).where(documents.c.id == doc.id)
                ).scalar_one()
            if state != "awaiting_ocr":
                break
            time.sleep(0.2)
    assert state == "ocr_failed"
    with TestClient(create_app(settings)):  # without background_work: no worker threads
        pass
