"""Background work: claims and leases, retries with back-off, permanent failure, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import audit_events, documents, renditions
from eakte.demo import files
from eakte.ingest.filing import Filer
from eakte.ocr.engine import OcrError, OcrOutput
from eakte.records import dossiers
from eakte.records.common import now
from eakte.settings import Settings
from eakte.worker import jobs
from eakte.worker.runner import Worker
from tests.helpers import make_county
from tests.ocr.pages import TEXTS, render_page, save_png


def _file_bytes(db: Database, filer: Filer, case: dossiers.Case, data: bytes, name: str) -> Any:
    prepared = filer.prepare_bytes(data, name)
    with db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, case.dossier_id)
        return filer.commit(c, case, dossier, prepared, "test")


def _scans(db: Database, filer: Filer, rules: Any, count: int) -> list[Any]:
    county = make_county(db, rules)
    return [
        _file_bytes(
            db, filer, county.bau_case, files.scan_png_bytes(f"Seite {n}", seed=n), f"{n}.png"
        )
        for n in range(count)
    ]


def fake_engine(source: Path, media_type: str, workdir: Path, **_: Any) -> OcrOutput:
    workdir.mkdir(parents=True, exist_ok=True)
    pdf = workdir / "ocr.pdf"
    pdf.write_bytes(files.pdf_bytes("Erkannter Text: Baugenehmigung Garage", "OCR"))
    return OcrOutput(pdf, "Erkannter Text: Baugenehmigung Garage", 1, True, "fake 1.0")


def _state(db: Database, doc_id: int) -> Any:
    with db.read() as c:
        return c.execute(select(documents).where(documents.c.id == doc_id)).one()


def _count(db: Database, action: str) -> int:
    with db.read() as c:
        return int(
            c.execute(
                select(func.count())
                .select_from(audit_events)
                .where(audit_events.c.action == action)
            ).scalar_one()
        )


def test_a_claim_is_exclusive_until_its_lease_runs_out(
    db: Database, filer: Filer, rules: Any
) -> None:
    docs = _scans(db, filer, rules, 4)
    # Four workers claiming at the same time get four different documents.
    claims: list[jobs.Claim | None] = []

    def claim_one(name: str) -> None:
        with db.write() as c:
            claims.append(jobs.claim(c, name, 60))

    threads = [threading.Thread(target=claim_one, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(c.document_id for c in claims if c) == sorted(d.id for d in docs)
    with db.write() as c:
        assert jobs.claim(c, "late", 60) is None
        # The worker holding docs[0] died: its lease runs out, and the work is claimable again.
        c.execute(
            update(documents)
            .where(documents.c.id == docs[0].id)
            .values(job_claimed_until=now() - timedelta(seconds=1))
        )
        again = jobs.claim(c, "late", 60)
    assert again is not None and again.document_id == docs[0].id and again.attempt == 2
    with db.read() as c:
        assert jobs.outstanding(c) == jobs.Outstanding(0, 4, 0, 0)


def test_backoff_doubles_and_is_capped() -> None:
    assert jobs.backoff(1, 30) == timedelta(seconds=30)
    assert jobs.backoff(3, 30) == timedelta(seconds=120)
    assert jobs.backoff(30, 30) == timedelta(hours=6)


def test_retries_with_backoff_then_fails_for_good_with_a_german_message(
    db: Database, settings: Settings, filer: Filer, blobs: FolderBlobStore, rules: Any, run: Any
) -> None:
    (doc,) = _scans(db, filer, rules, 1)
    # Tesseract has no French here: a fault of the installation, so it is worth retrying.
    missing = settings.model_copy(
        update={"ocr_languages": "fra", "ocr_retry_seconds": 3600, "ocr_max_attempts": 2}
    )
    summary = Worker(db, blobs, missing).run(until_idle=True)
    assert summary.outcomes["retry"] == 1
    assert summary.left == jobs.Outstanding(0, 0, 1, 0)
    row = _state(db, doc.id)
    assert row.state == "awaiting_ocr" and row.job_attempts == 1
    assert "Sprachpaket" in row.job_error
    delay = jobs.utc(row.job_next_at) - now()  # type: ignore[operator]
    assert timedelta(minutes=55) < delay <= timedelta(hours=1)
    listed = run("jobs", "--json").json
    assert [j["status"] for j in listed["jobs"]] == ["retry_later"]

    # Retried at once on request; the second attempt is the last.
    assert run("jobs", "retry", doc.uuid).code == 0
    assert _state(db, doc.id).job_next_at is None
    summary = Worker(db, blobs, missing.model_copy(update={"ocr_retry_seconds": 0})).run(
        until_idle=True
    )
    assert summary.outcomes["retry"] == 1 and summary.outcomes["failed"] == 1
    row = _state(db, doc.id)
    assert row.state == "ocr_failed" and row.job_attempts == 2
    assert row.extraction_error.startswith("Ein Programm oder Sprachpaket der Texterkennung fehlt")
    assert _count(db, "document.ocr_failed") == 1
    failed = run("jobs", "--json").json["jobs"]
    assert failed[0]["status"] == "failed" and failed[0]["status_label"] == (
        "Texterkennung fehlgeschlagen"
    )
    result = run("jobs", "retry", "--all-failed", "--json")
    assert result.json == {"retried": [doc.uuid]}
    assert _state(db, doc.id).state == "awaiting_ocr"


def test_a_corrupt_image_fails_at_once(
    db: Database, settings: Settings, filer: Filer, blobs: FolderBlobStore, rules: Any
) -> None:
    county = make_county(db, rules)
    png = files.scan_png_bytes("Kaputt")
    doc = _file_bytes(db, filer, county.bau_case, png[: len(png) // 3], "kaputt.png")
    assert doc.state == "awaiting_ocr"
    summary = Worker(db, blobs, settings).run(until_idle=True)
    assert summary.outcomes["failed"] == 1
    row = _state(db, doc.id)
    assert row.state == "ocr_failed" and row.job_attempts == 1
    assert row.extraction_error.startswith("Das Bild ist beschädigt oder unvollständig")


def test_a_document_changed_meanwhile_is_not_overwritten(
    db: Database, settings: Settings, filer: Filer, blobs: FolderBlobStore, rules: Any
) -> None:
    (doc,) = _scans(db, filer, rules, 1)

    def engine_then_lose_claim(*args: Any, **kwargs: Any) -> OcrOutput:
        with db.write() as c:  # another worker took over after the lease ran out
            c.execute(
                update(documents).where(documents.c.id == doc.id).values(job_claimed_by="other")
            )
        return fake_engine(*args, **kwargs)

    worker = Worker(db, blobs, settings, engine=engine_then_lose_claim)
    assert worker.work_once("me") == "lost"
    assert _state(db, doc.id).state == "awaiting_ocr"
    with db.read() as c:
        assert c.execute(select(func.count()).select_from(renditions)).scalar_one() == 0


def test_unexpected_engine_errors_are_retried(
    db: Database, settings: Settings, filer: Filer, blobs: FolderBlobStore, rules: Any
) -> None:
    (doc,) = _scans(db, filer, rules, 1)

    def broken(*_: Any, **__: Any) -> OcrOutput:
        raise OcrError("vorübergehend gestört")

    worker = Worker(db, blobs, settings.model_copy(update={"ocr_retry_seconds": 0}), engine=broken)
    assert worker.work_once("w") == "retry"
    assert _state(db, doc.id).job_error == "vorübergehend gestört"
    assert Worker(db, blobs, settings, engine=fake_engine).work_once("w") == "done"
    row = _state(db, doc.id)
    assert row.state == "ready" and row.job_error is None and row.job_claimed_by is None


def _ocr_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"eakte.ocr.child" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_in_the_middle_loses_nothing_and_ocrs_once(
    db: Database, settings: Settings, filer: Filer, rules: Any, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    page = save_png(render_page(TEXTS[0]), tmp_path / "Bescheid.png")
    doc = filer.prepare(page)
    with db.write() as c:
        filed = filer.commit(
            c, county.bau_case, dossiers.get_dossier_by_id(c, county.bau_case.dossier_id), doc, "t"
        )
    env = {
        **os.environ,
        "EAKTE_DATA": str(settings.data),
        "EAKTE_WORKER_LEASE_SECONDS": "3",
        "EAKTE_WORKER_POLL_SECONDS": "0.2",
        "EAKTE_OCR_JOBS": "1",
    }
    env.pop("EAKTE_DATABASE_URL", None)
    if settings.database_url:
        env["EAKTE_DATABASE_URL"] = settings.database_url
    eakte = str(Path(sys.executable).with_name("eakte"))
    worker = subprocess.Popen([eakte, "worker"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _ocr_children(worker.pid):
            assert worker.poll() is None, "worker ended early"
            assert time.monotonic() < deadline, "OCR did not start"
            time.sleep(0.1)
        time.sleep(1.0)  # Tesseract is at work on the page
        assert _state(db, filed.id).job_claimed_by is not None
        children = _ocr_children(worker.pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # The OCR child dies with its worker (no orphan keeps the core busy).
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}/cmdline").exists() for pid in children)
    assert _state(db, filed.id).state == "awaiting_ocr"

    done = subprocess.run(
        [eakte, "worker", "--until-idle", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert '"done": 1' in done.stdout
    row = _state(db, filed.id)
    assert row.state == "ready" and row.job_attempts == 2
    with db.read() as c:
        assert c.execute(select(func.count()).select_from(renditions)).scalar_one() == 1
    assert _count(db, "document.ocr") == 1
