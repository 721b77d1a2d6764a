"""OCR of one claimed document: run the engine outside any transaction, store the PDF/A
durably, then in one transaction write the rendition, the text, the search index, the state
``ready`` and the audit event — or record the failure.

The original version is never touched: the PDF/A is a rendition beside it (``renditions``).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, text, update

from eakte import audit
from eakte.blobs.store import FolderBlobStore, StoredBlob
from eakte.core.records import DocumentState
from eakte.db.engine import Database
from eakte.db.schema import document_texts, documents, renditions, versions
from eakte.ingest.versions import reindex_document
from eakte.ocr.engine import OcrError, OcrOutput, run_ocr
from eakte.records.common import now
from eakte.search.analyzer import analyze_to_string
from eakte.settings import Settings
from eakte.worker import jobs
from eakte.worker.jobs import Claim

log = logging.getLogger(__name__)
PDFA = "pdfa"


@dataclass(frozen=True)
class OcrSettings:
    languages: str
    jobs: int
    timeout: float
    image_dpi: int
    max_attempts: int
    retry_seconds: float
    lease_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings, threads: int) -> OcrSettings:
        return cls(
            settings.ocr_languages,
            settings.ocr_jobs or default_jobs(threads),
            settings.ocr_timeout_seconds,
            settings.ocr_image_dpi,
            settings.ocr_max_attempts,
            settings.ocr_retry_seconds,
            settings.worker_lease_seconds,
        )


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs(threads: int) -> int:
    """Pages per OCR run so that all worker threads together use each core once."""
    return max(1, cores() // max(1, threads))


class _Heartbeat:
    """Renews a claim's lease every third of the lease while the OCR runs."""

    def __init__(self, db: Database, claim: Claim, lease_seconds: float) -> None:
        self.db, self.claim, self.lease = db, claim, lease_seconds
        self.stop = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._run, name="eakte-ocr-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.lease / 3):
            try:
                with self.db.write() as connection:
                    if not jobs.renew(connection, self.claim, self.lease):
                        self.lost = True
                        return
            except Exception:  # a busy database must not end the OCR; the next beat tries again
                log.warning("heartbeat for %s failed", self.claim.uuid, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def _source(connection: Connection, claim: Claim) -> Any:
    return connection.execute(
        select(
            documents.c.state,
            documents.c.job_claimed_by,
            documents.c.current_version,
            versions.c.content_sha256,
            versions.c.media_type,
        )
        .join(
            versions,
            (versions.c.document_id == documents.c.id)
            & (versions.c.number == documents.c.current_version),
        )
        .where(documents.c.id == claim.document_id)
    ).first()


def process(
    db: Database,
    blobs: FolderBlobStore,
    options: OcrSettings,
    claim: Claim,
    engine: Callable[..., OcrOutput] = run_ocr,
) -> str:
    """OCR the claimed document. Returns ``done``, ``retry``, ``failed`` or ``lost`` (someone
    else holds the document now, or it changed meanwhile)."""
    with db.read() as connection:
        source = _source(connection, claim)
    if source is None or source.state != jobs.AWAITING or source.job_claimed_by != claim.worker:
        return "lost"
    blobs.ensure()
    with tempfile.TemporaryDirectory(prefix="ocr-", dir=blobs.root / "tmp") as work:
        try:
            with _Heartbeat(db, claim, options.lease_seconds):
                output = engine(
                    blobs.path(source.content_sha256),
                    source.media_type,
                    Path(work),
                    languages=options.languages,
                    jobs=options.jobs,
                    timeout=options.timeout,
                    image_dpi=options.image_dpi,
                )
            analysed = analyze_to_string(output.text)
            with open(output.pdf, "rb") as handle:
                stored = blobs.put(handle, durable=True)
        except OcrError as exc:
            return _fail(db, claim, options, exc.message, exc.permanent)
        except OSError as exc:
            message = f"Texterkennung nicht möglich: {exc.strerror or exc}"
            return _fail(db, claim, options, message, False)
    with db.write() as connection:
        return _complete(connection, claim, int(source.current_version), stored, output, analysed)


def _fail(db: Database, claim: Claim, options: OcrSettings, message: str, permanent: bool) -> str:
    with db.write() as connection:
        return jobs.record_failure(
            connection, claim, message, permanent, options.max_attempts, options.retry_seconds
        )


def _complete(
    connection: Connection,
    claim: Claim,
    version: int,
    stored: StoredBlob,
    output: OcrOutput,
    analysed: str,
) -> str:
    row = jobs.lock_if_mine(connection, claim)
    if row is None:
        return "lost"
    if int(row.current_version) != version:  # a new version came in: OCR that one instead
        jobs.release(connection, claim, reset_attempts=True)
        return "lost"
    stamp = now()
    connection.execute(
        text(
            "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
            "ON CONFLICT (sha256) DO NOTHING"
        ),
        {"sha": stored.sha256, "size": stored.size, "at": stamp},
    )
    kind = PDFA if output.pdfa else "pdf"
    connection.execute(
        delete(renditions).where(
            renditions.c.document_id == claim.document_id, renditions.c.version == version
        )
    )
    connection.execute(
        renditions.insert().values(
            document_id=claim.document_id,
            version=version,
            kind=kind,
            content_sha256=stored.sha256,
            size=stored.size,
            media_type="application/pdf",
            pages=output.pages,
            created_at=stamp,
            created_by=claim.worker[:120],
            tool=output.tool[:300],
        )
    )
    connection.execute(
        update(document_texts)
        .where(document_texts.c.document_id == claim.document_id)
        .values(version=version, text=output.text)
    )
    connection.execute(
        update(documents)
        .where(documents.c.id == claim.document_id)
        .values(
            state=DocumentState.READY.value,
            extraction_error=None,
            job_error=None,
            job_next_at=None,
            job_claimed_by=None,
            job_claimed_until=None,
        )
    )
    reindex_document(connection, claim.document_id, analysed)
    audit.record(
        connection,
        jobs.WORKER_ACTOR,
        "document.ocr",
        "document",
        claim.uuid,
        {
            "version": version,
            "rendition": kind,
            "sha256": stored.sha256,
            "size": stored.size,
            "pages": output.pages,
            "tool": output.tool,
            "attempt": claim.attempt,
        },
    )
    return "done"
