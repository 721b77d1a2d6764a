"""Background work claimed from the documents' own state (no separate queue).

A document waiting for OCR (``state = awaiting_ocr``) is work. A worker claims it by writing
its name and a lease (``job_claimed_until``) into the row and counting the attempt; it renews
the lease while it works. A worker that dies (kill -9, power cut) simply stops renewing: when
the lease runs out the document is claimable again. On PostgreSQL the claim selects with
``FOR UPDATE SKIP LOCKED``, so any number of worker processes on any number of hosts take
different documents without waiting for each other; on SQLite every claim runs under the single
writer (``BEGIN IMMEDIATE``), which serialises them.

Failures are retried with exponential back-off (``job_next_at``); after the last attempt, or at
once when the input itself is unusable, the document's state becomes ``ocr_failed`` with the
German error on the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from eakte import audit
from eakte.core.records import STATE_LABELS_DE, DocumentState
from eakte.db.schema import cases, documents
from eakte.errors import NotFoundError, ValidationError
from eakte.records.common import now

AWAITING = DocumentState.AWAITING_OCR.value
FAILED = DocumentState.OCR_FAILED.value
MAX_BACKOFF = timedelta(hours=6)
WORKER_ACTOR = "system:ocr"


@dataclass(frozen=True)
class Claim:
    document_id: int
    uuid: str
    attempt: int  # 1 for the first
    worker: str


def utc(value: datetime | None) -> datetime | None:
    # SQLite returns stored UTC times without a zone.
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=now().tzinfo)


def _claimable(moment: datetime) -> ColumnElement[bool]:
    return and_(
        documents.c.state == AWAITING,
        or_(documents.c.job_next_at.is_(None), documents.c.job_next_at <= moment),
        or_(documents.c.job_claimed_until.is_(None), documents.c.job_claimed_until < moment),
    )


def anything_claimable(connection: Connection) -> bool:
    """A cheap look (in a read transaction) before taking the writer to claim."""
    return (
        connection.execute(select(documents.c.id).where(_claimable(now())).limit(1)).first()
        is not None
    )


def claim(connection: Connection, worker: str, lease_seconds: float) -> Claim | None:
    """Claim the oldest claimable document for ``worker``; ``None`` when there is none."""
    moment = now()
    row = connection.execute(
        select(documents.c.id, documents.c.uuid, documents.c.job_attempts)
        .where(_claimable(moment))
        .order_by(documents.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    changed = connection.execute(
        update(documents)
        .where(documents.c.id == row.id, _claimable(moment))
        .values(
            job_claimed_by=worker,
            job_claimed_until=moment + timedelta(seconds=lease_seconds),
            job_attempts=documents.c.job_attempts + 1,
        )
    ).rowcount
    if changed != 1:
        return None
    return Claim(row.id, row.uuid, int(row.job_attempts) + 1, worker)


def _mine(claim_: Claim) -> ColumnElement[bool]:
    return and_(
        documents.c.id == claim_.document_id,
        documents.c.state == AWAITING,
        documents.c.job_claimed_by == claim_.worker,
    )


def renew(connection: Connection, claim_: Claim, lease_seconds: float) -> bool:
    """Extend the lease (heartbeat); ``False`` if the claim is no longer this worker's."""
    changed = connection.execute(
        update(documents)
        .where(_mine(claim_))
        .values(job_claimed_until=now() + timedelta(seconds=lease_seconds))
    ).rowcount
    return changed == 1


def lock_if_mine(connection: Connection, claim_: Claim) -> Any:
    """The document row, locked for this transaction, if the claim is still this worker's."""
    return connection.execute(select(documents).where(_mine(claim_)).with_for_update()).first()


def release(connection: Connection, claim_: Claim, reset_attempts: bool = False) -> None:
    """Give a claim back (the document changed meanwhile, or the worker stops)."""
    values: dict[str, Any] = {"job_claimed_by": None, "job_claimed_until": None}
    if reset_attempts:
        values["job_attempts"] = 0
    connection.execute(
        update(documents)
        .where(documents.c.id == claim_.document_id, documents.c.job_claimed_by == claim_.worker)
        .values(**values)
    )


def backoff(attempt: int, base_seconds: float) -> timedelta:
    """Wait after failed attempt number ``attempt``: base, 2·base, 4·base, … (at most 6 h)."""
    seconds = base_seconds * (2 ** max(0, attempt - 1))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def record_failure(
    connection: Connection,
    claim_: Claim,
    message: str,
    permanent: bool,
    max_attempts: int,
    retry_base_seconds: float,
) -> str:
    """Note a failed attempt: ``"retry"`` (back-off) or ``"failed"`` (for good)."""
    row = lock_if_mine(connection, claim_)
    if row is None:
        return "lost"
    final = permanent or claim_.attempt >= max_attempts
    if final:
        connection.execute(
            update(documents)
            .where(documents.c.id == claim_.document_id)
            .values(
                state=FAILED,
                extraction_error=message,
                job_error=message,
                job_claimed_by=None,
                job_claimed_until=None,
                job_next_at=None,
            )
        )
        audit.record(
            connection,
            WORKER_ACTOR,
            "document.ocr_failed",
            "document",
            claim_.uuid,
            {"attempts": claim_.attempt, "error": message},
        )
        return "failed"
    connection.execute(
        update(documents)
        .where(documents.c.id == claim_.document_id)
        .values(
            job_error=message,
            job_claimed_by=None,
            job_claimed_until=None,
            job_next_at=now() + backoff(claim_.attempt, retry_base_seconds),
        )
    )
    return "retry"


@dataclass(frozen=True)
class Outstanding:
    claimable: int  # could be claimed now
    running: int  # claimed, lease not run out
    later: int  # waiting for a retry after back-off
    failed: int


def outstanding(connection: Connection) -> Outstanding:
    moment = now()
    waiting = documents.c.state == AWAITING
    running = and_(waiting, documents.c.job_claimed_until >= moment)
    later = and_(
        waiting,
        documents.c.job_next_at > moment,
        or_(documents.c.job_claimed_until.is_(None), documents.c.job_claimed_until < moment),
    )

    def count(condition: ColumnElement[bool]) -> int:
        return int(
            connection.execute(
                select(func.count()).select_from(documents).where(condition)
            ).scalar_one()
        )

    return Outstanding(
        count(_claimable(moment)), count(running), count(later), count(documents.c.state == FAILED)
    )


def job_status(row: Any, moment: datetime | None = None) -> str:
    """``running``, ``waiting``, ``retry_later`` or ``failed`` for a document row."""
    moment = moment or now()
    if row.state == FAILED:
        return "failed"
    claimed_until = utc(row.job_claimed_until)
    if claimed_until is not None and claimed_until >= moment:
        return "running"
    next_at = utc(row.job_next_at)
    if next_at is not None and next_at > moment:
        return "retry_later"
    return "waiting"


STATUS_DE = {
    "running": "Texterkennung läuft",
    "waiting": "wartet auf Texterkennung",
    "retry_later": "wartet auf erneuten Versuch",
    "failed": STATE_LABELS_DE[DocumentState.OCR_FAILED],
}


def list_jobs(connection: Connection, limit: int = 1000) -> list[dict[str, Any]]:
    """Documents waiting for OCR, being OCRed, or failed, oldest first."""
    rows = connection.execute(
        select(
            documents.c.uuid,
            documents.c.title,
            documents.c.state,
            documents.c.media_type,
            documents.c.job_attempts,
            documents.c.job_next_at,
            documents.c.job_error,
            documents.c.job_claimed_by,
            documents.c.job_claimed_until,
            documents.c.extraction_error,
            cases.c.reference.label("case"),
        )
        .join(cases, cases.c.id == documents.c.case_id)
        .where(documents.c.state.in_([AWAITING, FAILED]))
        .order_by(documents.c.id)
        .limit(limit)
    ).all()
    moment = now()
    result = []
    for row in rows:
        status = job_status(row, moment)
        result.append(
            {
                "document": row.uuid,
                "title": row.title,
                "case": row.case,
                "media_type": row.media_type,
                "status": status,
                "status_label": STATUS_DE[status],
                "attempts": int(row.job_attempts),
                "next_attempt_at": iso(utc(row.job_next_at)),
                "worker": row.job_claimed_by if status == "running" else None,
                "lease_until": iso(utc(row.job_claimed_until)) if status == "running" else None,
                "error": row.extraction_error if status == "failed" else row.job_error,
            }
        )
    return result


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def retry(
    connection: Connection, document_refs: Sequence[str], all_failed: bool, actor: str
) -> list[str]:
    """Put failed (or backed-off) documents back into the queue at once; returns their ids."""
    if not document_refs and not all_failed:
        raise ValidationError("Bitte Dokumente angeben oder --all-failed.")
    condition: ColumnElement[bool] = documents.c.state == FAILED
    if document_refs:
        found = connection.execute(
            select(documents.c.uuid, documents.c.state).where(
                documents.c.uuid.in_(list(document_refs))
            )
        ).all()
        missing = set(document_refs) - {r.uuid for r in found}
        if missing:
            raise NotFoundError(f"Dokument {sorted(missing)[0]!r} gibt es nicht.")
        wrong = [r.uuid for r in found if r.state not in (AWAITING, FAILED)]
        if wrong:
            raise ValidationError(
                f"Dokument {wrong[0]} wartet nicht auf Texterkennung und ist nicht "
                "fehlgeschlagen; nichts zu wiederholen."
            )
        condition = documents.c.uuid.in_(list(document_refs))
    uuids = list(connection.execute(select(documents.c.uuid).where(condition)).scalars())
    if not uuids:
        return []
    connection.execute(
        update(documents)
        .where(documents.c.uuid.in_(uuids))
        .values(
            state=AWAITING,
            extraction_error=None,
            job_error=None,
            job_attempts=0,
            job_next_at=None,
        )
    )
    audit.record_many(
        connection, actor, [("document.ocr_retry", "document", uuid, {}) for uuid in uuids]
    )
    return uuids
