"""Scan intakes: watched folders, the scan record (Transfervermerk), unit inboxes, moving a
document from the inbox to its case."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import audit_events, documents, scan_records
from eakte.demo import files
from eakte.errors import NotFoundError, PermissionDeniedError
from eakte.records import organisation
from eakte.records.lookup import describe
from eakte.scan.inbox import inbox_documents, move_document
from eakte.scan.intake import run_intakes
from eakte.search import search
from eakte.settings import ScanIntake, Settings
from tests.helpers import make_county


def _aged(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def _intake_settings(settings: Settings, folder: Path, **target: Any) -> Settings:
    intake = ScanIntake(
        name="Scanstelle 1",
        folder=folder,
        operator="scan.mueller",
        device="Fujitsu fi-7160",
        profile="A4 300 dpi grau",
        resolution=300,
        **target,
    )
    return settings.model_copy(
        update={"scan_intakes": [intake], "scan_inbox_plan": "63.1.2", "intake_settle_seconds": 5}
    )


def test_scans_go_to_the_unit_inbox_with_a_scan_record_and_leave_the_folder(
    db: Database, settings: Settings, blobs: FolderBlobStore, rules: Any, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    folder = tmp_path / "eingang"
    folder.mkdir()
    scan = _aged(folder / "brief.png", files.scan_png_bytes("Antrag auf Baugenehmigung"))
    fresh = folder / "noch-im-scanner.png"  # still being written: left alone
    fresh.write_bytes(files.scan_png_bytes("neu"))
    _aged(folder / ".versteckt.png", b"x")
    configured = _intake_settings(settings, folder, unit="BAU")

    (result,) = run_intakes(db, blobs, configured)

    assert (result.filed, result.duplicates, result.failed) == (1, 0, [])
    assert not scan.exists() and fresh.exists()
    with db.read() as c:
        bau = organisation.get_user(c, "bau")
        (inbox,) = inbox_documents(c, bau)
        record = describe(c, result.documents[0], bau, "document")
        scan_row = c.execute(select(scan_records)).one()
        event = c.execute(
            select(audit_events.c.actor, audit_events.c.details).where(
                audit_events.c.action == "document.scan"
            )
        ).one()
        # The inbox belongs to the unit: the Jugendamt neither sees it nor its documents.
        assert inbox_documents(c, organisation.get_user(c, "ja")) == []
        with pytest.raises(NotFoundError):
            describe(c, result.documents[0], organisation.get_user(c, "ja"), "document")
    assert inbox["unit"] == "BAU" and [d["uuid"] for d in inbox["documents"]] == result.documents
    assert record["state"] == "awaiting_ocr"
    assert record["scan"]["intake"] == "Scanstelle 1"
    assert record["scan"]["device"] == "Fujitsu fi-7160"
    assert record["scan"]["sha256"] == record["versions"][0]["sha256"] == scan_row.sha256
    assert scan_row.pages == 1 and scan_row.operator == "scan.mueller"
    # The page was scanned at 150 dpi, not at the profile's 300: the quality check says so.
    assert scan_row.resolution_dpi == 150 and scan_row.quality == "failed"
    assert scan_row.quality_note == "Auflösung 150 dpi statt 300 dpi des Profils"
    assert event.actor == "scan.mueller" and "Fujitsu" in event.details

    # Reading the folder again files nothing twice; the same scan dropped again is a duplicate.
    _aged(folder / "brief-nochmal.png", files.scan_png_bytes("Antrag auf Baugenehmigung"))
    (again,) = run_intakes(db, blobs, configured)
    assert (again.filed, again.duplicates) == (0, 1)
    assert not (folder / "brief-nochmal.png").exists()

    # Assigning the document to its case moves it (audited); reading rights follow.
    with db.write() as c:
        bau = organisation.get_user(c, "bau")
        target = move_document(c, result.documents[0], county.bau_case.reference, bau)
    assert target.id == county.bau_case.id
    with db.read() as c:
        moved = c.execute(
            select(documents.c.case_id).where(documents.c.uuid == result.documents[0])
        ).scalar_one()
        details = c.execute(
            select(audit_events.c.details).where(audit_events.c.action == "document.move")
        ).scalar_one()
        assert inbox_documents(c, organisation.get_user(c, "bau"))[0]["documents"] == []
    assert moved == county.bau_case.id and county.bau_case.reference in details


def test_moving_needs_write_rights_on_both_cases(
    db: Database, settings: Settings, blobs: FolderBlobStore, rules: Any, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    folder = tmp_path / "eingang"
    folder.mkdir()
    _aged(folder / "a.png", files.scan_png_bytes("Hilfeplan"))
    (result,) = run_intakes(db, blobs, _intake_settings(settings, folder, unit="BAU"))
    with db.write() as c:
        bau = organisation.get_user(c, "bau")
        with pytest.raises(NotFoundError):  # the Jugendamt's case is not the Bauamt's to read
            move_document(c, result.documents[0], county.ja_case.reference, bau)
        with pytest.raises(NotFoundError):
            move_document(
                c, result.documents[0], county.bau_case.reference, organisation.get_user(c, "ja")
            )
        organisation.add_user(c, "leser", "Lea Leser", ["BAU"], "test", ["reader"])
        with pytest.raises(PermissionDeniedError):
            move_document(
                c, result.documents[0], county.bau_case.reference, organisation.get_user(c, "leser")
            )


def test_text_scans_go_to_a_case_and_unreadable_files_are_set_aside(
    db: Database,
    settings: Settings,
    blobs: FolderBlobStore,
    rules: Any,
    tmp_path: Path,
) -> None:
    county = make_county(db, rules)
    folder = tmp_path / "eingang"
    folder.mkdir()
    done = tmp_path / "erledigt"
    _aged(folder / "brief.pdf", files.pdf_bytes("Widerspruch gegen den Bescheid vom 1. April"))
    _aged(folder / "riesig.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    configured = _intake_settings(settings, folder, case=county.bau_case.reference)
    configured.scan_intakes[0].__dict__["done_folder"] = done  # frozen model: set for this test
    configured = configured.model_copy(update={"max_file_size": 4096})

    (result,) = run_intakes(db, blobs, configured)

    assert result.filed == 1 and len(result.failed) == 1
    assert "höchstens" in result.failed[0]["error"]
    assert (done / "brief.pdf").is_file() and not (folder / "brief.pdf").exists()
    assert (folder / "fehler" / "riesig.pdf").is_file()
    assert "höchstens" in (folder / "fehler" / "riesig.pdf.fehler.txt").read_text("utf-8")
    with db.read() as c:
        bau = organisation.get_user(c, "bau")
        record = describe(c, result.documents[0], bau, "document")
        hits = search(c, bau, "Widerspruch")
    assert record["case_id"] == county.bau_case.uuid and record["state"] == "ready"
    assert record["scan"]["quality"] == "passed" and record["scan"]["pages"] == 1
    assert result.documents[0] in [h.document_id for h in hits.hits]


def test_a_unit_inbox_needs_its_plan_item_and_files_wait(
    db: Database, settings: Settings, blobs: FolderBlobStore, rules: Any, tmp_path: Path
) -> None:
    make_county(db, rules)
    folder = tmp_path / "eingang"
    folder.mkdir()
    scan = _aged(folder / "a.png", files.scan_png_bytes("Post"))
    configured = _intake_settings(settings, folder, unit="BAU").model_copy(
        update={"scan_inbox_plan": None}
    )
    (result,) = run_intakes(db, blobs, configured)
    assert result.filed == 0 and "scan_inbox_plan" in result.failed[0]["error"]
    assert scan.exists()  # nothing is lost or set aside for a setting that is missing


def test_intake_cli(run: Any, settings: Settings, tmp_path: Path, monkeypatch: Any) -> None:
    assert run("intake", "run", "--once").code == 1  # no intakes configured
    folder = tmp_path / "eingang"
    folder.mkdir()
    monkeypatch.setenv(
        "EAKTE_SCAN_INTAKES",
        f'[{{"name": "Poststelle", "folder": "{folder}", "unit": "BAU"}}]',
    )
    result = run("intake", "run", "--once", "--json")
    assert result.code == 0, result.err
    assert result.json[0]["intake"] == "Poststelle" and result.json[0]["filed"] == 0
