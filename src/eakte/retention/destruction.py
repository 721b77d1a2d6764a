"""Carrying out a disposal: handing a dossier over to the archive, or destroying it.

**Destroying** happens in the transaction that completes the disposal run: the documents' text
rows and search index rows are deleted (on SQLite with ``secure_delete`` on, and the full-text
index is merged afterwards so that no old segment keeps their terms), the documents get state
``destroyed``, the dossier ``disposal = destroyed``, and one audit event per dossier is the
destruction record (Vernichtungsnachweis): reference, subject, plan item, rule, the archive's
appraisal, who approved it and when, and the SHA-256 and size of every version. The metadata
rows (dossier, cases, documents, versions) stay, so the record can always be shown.

**The bytes** go after the commit (``erase_contents``): a blob is removed only when no
version of a document that is not destroyed points to it, since the same bytes may be filed in
another dossier. A crash between commit and removal leaves blobs that no live document needs;
``eakte check`` reports them as orphans and ``eakte check --collect-orphans`` removes them.

**Handing over** marks the dossier ``disposal = handed_over`` and records the same proof, but
keeps every byte until the archive confirms the import (xdomea 0506): then ``release_archived``
erases the county's copy the same way (texts, index, bytes; documents ``destroyed``), keeps the
metadata and records the confirmation with the hashes of what was erased.

What stays outside eakte's reach: backups, the PostgreSQL dead tuples until (auto)vacuum, and
the file system's free blocks. The operator's retention of backups decides how long those live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from eakte import audit
from eakte.blobs.store import BlobStore
from eakte.core.records import DocumentState
from eakte.core.retention import Outcome
from eakte.db.engine import Database
from eakte.db.schema import (
    CONTENT_TABLES,
    contents,
    disposal_items,
    document_texts,
    documents,
    dossiers,
    versions,
)
from eakte.db.search_backends import backend_for
from eakte.records.common import now
from eakte.retention.status import RetentionView, utc

CHUNK = 2000  # ids per IN list: far below SQLite's limit of bound variables


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class ItemFacts:
    """What the run knows about one dossier when it is disposed of."""

    run_id: int
    run_uuid: str
    appraisal: str | None
    appraised_by: str | None
    appraised_at: datetime | None


def _versions_of(connection: Connection, dossier_id: int) -> tuple[list[int], list[dict[str, Any]]]:
    rows = connection.execute(
        select(
            documents.c.id,
            documents.c.uuid,
            versions.c.number,
            versions.c.content_sha256,
            versions.c.size,
        )
        .join(versions, versions.c.document_id == documents.c.id)
        .where(documents.c.dossier_id == dossier_id)
        .order_by(documents.c.id, versions.c.number)
    ).all()
    ids = list(
        connection.execute(
            select(documents.c.id)
            .where(documents.c.dossier_id == dossier_id)
            .order_by(documents.c.id)
        ).scalars()
    )
    listed = [
        {"document": r.uuid, "version": r.number, "sha256": r.content_sha256, "size": r.size}
        for r in rows
    ]
    return ids, listed


def _proof(
    view: RetentionView, facts: ItemFacts, actor: str, ids: list[int], listed: list[dict[str, Any]]
) -> dict[str, Any]:
    rule = view.rule
    assert rule is not None  # only due dossiers are disposed of, and due needs a rule
    return {
        "reference": view.reference,
        "subject": view.subject,
        "plan_item": view.plan_code,
        "plan_title": view.plan_title,
        "lead_unit": view.lead_unit,
        "created_at": view.created_at.isoformat(),
        "closed_at": view.closed_at.isoformat() if view.closed_at else None,
        "retention_years": rule.years,
        "disposition": rule.disposition.value,
        "rule_source": rule.source_de,
        "retention_ends": view.assessment.retention_ends.isoformat()
        if view.assessment.retention_ends
        else None,
        "run": facts.run_id,
        "process_id": facts.run_uuid,
        "appraisal": facts.appraisal,
        "appraised_by": facts.appraised_by,
        "appraised_at": facts.appraised_at.isoformat() if facts.appraised_at else None,
        "approved_by": actor,
        "documents": len(ids),
        "bytes": sum(v["size"] for v in listed),
        "versions": listed,
    }


def _finish(
    connection: Connection, view: RetentionView, facts: ItemFacts, result: Outcome, actor: str
) -> None:
    done = now()
    connection.execute(
        update(dossiers)
        .where(dossiers.c.id == view.id)
        .values(disposal=result.value, disposed_at=done, row_version=dossiers.c.row_version + 1)
    )
    connection.execute(
        update(disposal_items)
        .where(disposal_items.c.run_id == facts.run_id, disposal_items.c.dossier_id == view.id)
        .values(outcome=result.value, done_at=done, done_by=actor)
    )


def destroy_dossier(
    connection: Connection, view: RetentionView, facts: ItemFacts, actor: str
) -> set[str]:
    """Destroy the dossier's content in the caller's transaction (which must hold the dossier
    row locked and have checked that it is due and not held). Returns the content hashes whose
    bytes may now be unneeded; ``erase_contents`` decides after the commit."""
    ids, listed = _versions_of(connection, view.id)
    search = backend_for(connection)
    for chunk in _chunks(ids):
        connection.execute(delete(document_texts).where(document_texts.c.document_id.in_(chunk)))
        search.delete(connection, chunk)
    connection.execute(
        update(documents)
        .where(documents.c.dossier_id == view.id)
        .values(state=DocumentState.DESTROYED.value, row_version=documents.c.row_version + 1)
    )
    _finish(connection, view, facts, Outcome.DESTROYED, actor)
    audit.record(
        connection,
        actor,
        "dossier.destroy",
        "dossier",
        view.uuid,
        _proof(view, facts, actor, ids, listed),
    )
    return _contents_of(connection, ids)


def hand_over_dossier(
    connection: Connection, view: RetentionView, facts: ItemFacts, actor: str
) -> None:
    """Mark the dossier as handed over to the archive; its content stays until the archive
    confirms the import (xdomea 0506, with the interchange work)."""
    ids, listed = _versions_of(connection, view.id)
    _finish(connection, view, facts, Outcome.HANDED_OVER, actor)
    audit.record(
        connection,
        actor,
        "dossier.hand_over",
        "dossier",
        view.uuid,
        _proof(view, facts, actor, ids, listed),
    )


def release_archived(
    connection: Connection, dossier_uuid: str, process_id: str, actor: str
) -> set[str]:
    """The archive confirmed it holds a handed-over dossier: erase our copy's content in the
    caller's transaction (rows stay). Returns the hashes whose bytes may now go
    (``erase_contents`` after the commit); nothing for a dossier that was not handed over or
    whose content is gone already."""
    row = connection.execute(
        select(dossiers.c.id, dossiers.c.reference, dossiers.c.disposal)
        .where(dossiers.c.uuid == dossier_uuid)
        .with_for_update()
    ).first()
    if row is None or row.disposal != Outcome.HANDED_OVER.value:
        return set()
    ids = list(
        connection.execute(
            select(documents.c.id).where(
                documents.c.dossier_id == row.id,
                documents.c.state != DocumentState.DESTROYED.value,
            )
        ).scalars()
    )
    if not ids:
        return set()
    _, listed = _versions_of(connection, row.id)
    search = backend_for(connection)
    for chunk in _chunks(ids):
        connection.execute(delete(document_texts).where(document_texts.c.document_id.in_(chunk)))
        search.delete(connection, chunk)
        connection.execute(
            update(documents)
            .where(documents.c.id.in_(chunk))
            .values(state=DocumentState.DESTROYED.value, row_version=documents.c.row_version + 1)
        )
    audit.record(
        connection,
        actor,
        "dossier.archived",
        "dossier",
        dossier_uuid,
        {
            "reference": row.reference,
            "process_id": process_id,
            "documents": len(ids),
            "bytes": sum(v["size"] for v in listed),
            "versions": listed,
        },
    )
    return _contents_of(connection, ids)


@dataclass
class Erasure:
    removed: list[str] = field(default_factory=list)  # blobs deleted
    in_use: list[str] = field(default_factory=list)  # still needed by a live document
    stored_again: list[str] = field(default_factory=list)  # the same bytes came in meanwhile


def _last_filed(connection: Connection, hashes: Sequence[str]) -> dict[str, datetime]:
    """When each content was last filed (as a version or any other form of a document)."""
    latest: dict[str, datetime] = {}
    for table in CONTENT_TABLES:
        rows = connection.execute(
            select(table.c.content_sha256, func.max(table.c.created_at))
            .where(table.c.content_sha256.in_(bindparam("hashes", expanding=True)))
            .group_by(table.c.content_sha256),
            {"hashes": list(hashes)},
        ).all()
        for sha, moment in rows:
            moment = utc(moment)
            latest[sha] = max(latest.get(sha, moment), moment)
    return latest


def live_hashes(connection: Connection, hashes: Sequence[str]) -> set[str]:
    """Those of ``hashes`` that a document not destroyed still points to."""
    found: set[str] = set()
    for table in CONTENT_TABLES:
        rows = connection.execute(
            select(table.c.content_sha256)
            .join(documents, documents.c.id == table.c.document_id)
            .where(
                table.c.content_sha256.in_(bindparam("hashes", expanding=True)),
                documents.c.state != DocumentState.DESTROYED.value,
            )
            .distinct(),
            {"hashes": list(hashes)},
        ).all()
        found.update(row[0] for row in rows)
    return found


def _contents_of(connection: Connection, document_ids: Sequence[int]) -> set[str]:
    found: set[str] = set()
    for table in CONTENT_TABLES:
        for chunk in _chunks(document_ids):
            found.update(
                connection.execute(
                    select(table.c.content_sha256).where(table.c.document_id.in_(chunk))
                ).scalars()
            )
    return found


def erase_contents(
    db: Database,
    blobs: BlobStore,
    hashes: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> Erasure:
    """Remove the blobs of ``hashes`` that no live document needs any more (after the
    destruction committed). Safe to repeat; safe beside filing the same bytes anew: the content
    rows are locked while deciding (PostgreSQL; SQLite has one writer), and a blob stored again
    after its last filing is left for ``eakte check --collect-orphans``."""
    result = Erasure()
    for chunk in _chunks(sorted(set(hashes)), 200):
        with db.write() as connection:
            connection.execute(
                select(contents.c.sha256).where(contents.c.sha256.in_(chunk)).with_for_update()
            ).all()
            live = live_hashes(connection, chunk)
            filed = _last_filed(connection, chunk)
            for sha in chunk:
                if sha in live:
                    result.in_use.append(sha)
                    continue
                last = filed.get(sha)
                since = last.timestamp() if last else datetime.now(UTC).timestamp()
                if blobs.delete_unless_stored_since(sha, since):
                    result.removed.append(sha)
                elif blobs.exists(sha):
                    result.stored_again.append(sha)
        if progress:
            progress(len(chunk))
    return result
