"""Writing prepared files into the database: many documents per statement.

One call writes a batch of prepared files (with their attachments, level by level): contents,
documents, versions, texts, the search index and one audit event per document, each as a single
multi-row statement, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, text

from eakte import audit
from eakte.db.schema import documents, versions
from eakte.ingest.prepared import PreparedFile
from eakte.records.common import new_uuid, now
from eakte.records.dossiers import Case, Dossier, ensure_case_writable, get_case
from eakte.search.indexer import IndexSource, analyse, write_index

_INSERT_CONTENT = text(
    "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
    "ON CONFLICT (sha256) DO NOTHING"
)
_INSERT_TEXT = text(
    "INSERT INTO document_texts (document_id, version, text) VALUES (:id, 1, :text)"
)


@dataclass(frozen=True)
class FiledDocument:
    id: int
    uuid: str
    title: str
    state: str
    duplicate: bool
    error: str | None
    attachments: int


def filed_in_case(
    connection: Connection, case_id: int, hashes: Sequence[str]
) -> dict[str, tuple[int, str, str, str]]:
    """Top-level documents of ``case_id`` whose bytes have one of ``hashes``."""
    if not hashes:
        return {}
    rows = connection.execute(
        select(
            versions.c.content_sha256,
            documents.c.id,
            documents.c.uuid,
            documents.c.title,
            documents.c.state,
        )
        .join(versions, versions.c.document_id == documents.c.id)
        .where(
            documents.c.case_id == case_id,
            documents.c.parent_id.is_(None),
            versions.c.content_sha256.in_(bindparam("hashes", expanding=True)),
        ),
        {"hashes": sorted(set(hashes))},
    ).all()
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}


def _document_row(
    item: PreparedFile, case: Case, dossier: Dossier, actor: str, parent_id: int | None, stamp: Any
) -> dict[str, Any]:
    return {
        "uuid": new_uuid(),
        "case_id": case.id,
        "dossier_id": dossier.id,
        "unit_id": dossier.lead_unit_id,
        "parent_id": parent_id,
        "title": item.title,
        "kind": item.extraction.kind,
        "media_type": item.extraction.media_type,
        "state": item.state.value,
        "extraction_error": item.extraction.error,
        "document_date": item.document_date,
        "created_at": stamp,
        "created_by": actor,
        "current_version": 1,
        "row_version": 1,
    }


def _insert_level(
    connection: Connection,
    case: Case,
    dossier: Dossier,
    level: list[tuple[PreparedFile, int | None]],
    actor: str,
) -> list[tuple[int, str]]:
    stamp = now()
    connection.execute(
        _INSERT_CONTENT,
        [{"sha": item.blob.sha256, "size": item.blob.size, "at": stamp} for item, _ in level],
    )
    rows = [_document_row(item, case, dossier, actor, parent, stamp) for item, parent in level]
    ids = (
        connection.execute(
            documents.insert().returning(documents.c.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    connection.execute(
        versions.insert(),
        [
            {
                "document_id": doc_id,
                "number": 1,
                "content_sha256": item.blob.sha256,
                "filename": item.filename,
                "media_type": item.extraction.media_type,
                "size": item.blob.size,
                "created_at": stamp,
                "created_by": actor,
            }
            for doc_id, (item, _) in zip(ids, level, strict=True)
        ],
    )
    connection.execute(
        _INSERT_TEXT,
        [
            {"id": doc_id, "text": item.extraction.text}
            for doc_id, (item, _) in zip(ids, level, strict=True)
        ],
    )
    subject, reference = (
        f"{case.subject} {dossier.subject}",
        f"{case.reference} {dossier.reference}",
    )
    write_index(
        connection,
        [
            analyse(
                IndexSource(
                    doc_id,
                    dossier.lead_unit_id,
                    dossier.confidentiality,
                    item.title,
                    subject,
                    reference,
                    "",
                ),
                item.analysed_body,
            )
            for doc_id, (item, _) in zip(ids, level, strict=True)
        ],
    )
    audit.record_many(
        connection,
        actor,
        [
            (
                "document.file",
                "document",
                row["uuid"],
                {
                    "case": case.reference,
                    "title": item.title,
                    "filename": item.filename,
                    "sha256": item.blob.sha256,
                    "size": item.blob.size,
                    "state": item.state.value,
                    **({"attachment_of": parent} if parent else {}),
                },
            )
            for row, (item, parent) in zip(rows, level, strict=True)
        ],
    )
    return [(doc_id, row["uuid"]) for doc_id, row in zip(ids, rows, strict=True)]


def commit_many(
    connection: Connection, case: Case, dossier: Dossier, items: Sequence[PreparedFile], actor: str
) -> list[FiledDocument]:
    """File ``items`` into ``case``; bytes already filed in the case count as duplicates."""
    # Re-read the state inside this transaction: the case may have been closed meanwhile.
    ensure_case_writable(connection, get_case(connection, case.uuid))
    existing = filed_in_case(connection, case.id, [i.blob.sha256 for i in items])
    results: list[FiledDocument | None] = []
    fresh: list[tuple[int, PreparedFile]] = []
    batch_hashes: set[str] = set()
    for position, item in enumerate(items):
        sha = item.blob.sha256
        if sha in existing or sha in batch_hashes:
            known = existing.get(sha)
            results.append(
                FiledDocument(*known, True, None, 0)
                if known
                else FiledDocument(0, "", item.title, item.state.value, True, None, 0)
            )
            continue
        batch_hashes.add(sha)
        results.append(None)
        fresh.append((position, item))
    level: list[tuple[PreparedFile, int | None]] = [(item, None) for _, item in fresh]
    top_ids: list[tuple[int, str]] = []
    while level:
        inserted = _insert_level(connection, case, dossier, level, actor)
        if not top_ids:
            top_ids = inserted
        level = [
            (child, doc_id)
            for (item, _), (doc_id, _) in zip(level, inserted, strict=True)
            for child in item.attachments
        ]
    for (position, item), (doc_id, doc_uuid) in zip(fresh, top_ids, strict=True):
        results[position] = FiledDocument(
            doc_id,
            doc_uuid,
            item.title,
            item.state.value,
            False,
            item.extraction.error,
            _count(item),
        )
    return [r for r in results if r is not None]


def _count(item: PreparedFile) -> int:
    return sum(1 + _count(child) for child in item.attachments)
