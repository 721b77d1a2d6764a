"""Changing a filed document: its metadata, or a new version of its content.

A new version never overwrites: the earlier versions and their bytes stay, the new bytes become
the current version, and the search text follows the current version. Both changes are
optimistic: the caller names the document's ``row_version`` it saw; if someone else changed the
document meanwhile, nothing is written and a ``ConflictError`` says who did.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select, text, update

from eakte import audit
from eakte.db.schema import audit_events, cases, document_texts, documents, dossiers, versions
from eakte.errors import ConflictError, ValidationError
from eakte.ingest.prepared import PreparedFile
from eakte.records.common import now
from eakte.records.dossiers import ensure_case_writable, get_case
from eakte.records.lookup import require_writable
from eakte.records.organisation import User
from eakte.search.indexer import IndexSource, analyse, write_index


def _writable_document(connection: Connection, doc_ref: str, user: User) -> Any:
    record = require_writable(connection, doc_ref, user)
    if record["type"] != "document":
        raise ValidationError("Das ist kein Dokument.")
    row = connection.execute(select(documents).where(documents.c.uuid == record["id"])).one()
    ensure_case_writable(connection, get_case(connection, record["case_id"]))
    return row


def _conflict(connection: Connection, row: Any) -> ConflictError:
    last = connection.execute(
        select(audit_events.c.actor, audit_events.c.occurred_at)
        .where(audit_events.c.object_type == "document", audit_events.c.object_id == row.uuid)
        .order_by(audit_events.c.id.desc())
        .limit(1)
    ).first()
    who = f" von {last.actor}" if last else ""
    return ConflictError(
        f"Das Dokument »{row.title}« wurde inzwischen{who} geändert; Ihre Änderung wurde nicht "
        "gespeichert. Bitte die Seite neu laden und die Änderung noch einmal vornehmen."
    )


def _reindex(connection: Connection, document_id: int, analysed_body: str | None = None) -> None:
    row = connection.execute(
        select(
            documents.c.id,
            documents.c.title,
            dossiers.c.lead_unit_id,
            dossiers.c.confidentiality,
            cases.c.subject.label("case_subject"),
            cases.c.reference.label("case_reference"),
            dossiers.c.subject.label("dossier_subject"),
            dossiers.c.reference.label("dossier_reference"),
            document_texts.c.text,
        )
        .join(cases, cases.c.id == documents.c.case_id)
        .join(dossiers, dossiers.c.id == documents.c.dossier_id)
        .outerjoin(document_texts, document_texts.c.document_id == documents.c.id)
        .where(documents.c.id == document_id)
    ).one()
    source = IndexSource(
        row.id,
        row.lead_unit_id,
        row.confidentiality,
        row.title,
        f"{row.case_subject} {row.dossier_subject}",
        f"{row.case_reference} {row.dossier_reference}",
        row.text or "",
    )
    write_index(connection, [analyse(source, analysed_body)])


def reindex_document(
    connection: Connection, document_id: int, analysed_body: str | None = None
) -> None:
    """Rewrite the index row of one document from its rows (title, text, case, dossier);
    ``analysed_body`` is its text already analysed outside the transaction."""
    _reindex(connection, document_id, analysed_body)


def edit_document(
    connection: Connection,
    doc_ref: str,
    expected_version: int,
    user: User,
    title: str | None = None,
    document_date: date | None = None,
) -> int:
    """Change title and/or date; returns the new ``row_version``."""
    row = _writable_document(connection, doc_ref, user)
    changes: dict[str, Any] = {}
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise ValidationError("Der Titel darf nicht leer sein.")
        if len(title) > 500:
            raise ValidationError("Der Titel ist zu lang (höchstens 500 Zeichen).")
        if title != row.title:
            changes["title"] = title
    if document_date is not None and document_date != row.document_date:
        changes["document_date"] = document_date
    if not changes:
        return int(row.row_version)
    changed = connection.execute(
        update(documents)
        .where(documents.c.id == row.id, documents.c.row_version == expected_version)
        .values(**changes, row_version=documents.c.row_version + 1)
    ).rowcount
    if changed != 1:
        raise _conflict(connection, row)
    if "title" in changes:
        _reindex(connection, row.id)
    audit.record(
        connection,
        user.login,
        "document.update",
        "document",
        row.uuid,
        {key: {"from": str(getattr(row, key)), "to": str(value)} for key, value in changes.items()},
    )
    return expected_version + 1


def add_version(
    connection: Connection,
    doc_ref: str,
    expected_version: int,
    prepared: PreparedFile,
    user: User,
) -> int:
    """File ``prepared`` as the next version; returns its number."""
    row = _writable_document(connection, doc_ref, user)
    current = connection.execute(
        select(versions.c.content_sha256).where(
            versions.c.document_id == row.id, versions.c.number == row.current_version
        )
    ).scalar_one()
    if current == prepared.blob.sha256:
        raise ValidationError(
            "Diese Datei ist schon die aktuelle Version des Dokuments; nichts geändert."
        )
    number = int(row.current_version) + 1
    stamp = now()
    changed = connection.execute(
        update(documents)
        .where(documents.c.id == row.id, documents.c.row_version == expected_version)
        .values(
            current_version=number,
            kind=prepared.extraction.kind,
            media_type=prepared.extraction.media_type,
            state=prepared.state.value,
            extraction_error=prepared.extraction.error,
            row_version=documents.c.row_version + 1,
        )
    ).rowcount
    if changed != 1:
        raise _conflict(connection, row)
    connection.execute(
        text(
            "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
            "ON CONFLICT (sha256) DO NOTHING"
        ),
        {"sha": prepared.blob.sha256, "size": prepared.blob.size, "at": stamp},
    )
    connection.execute(
        versions.insert().values(
            document_id=row.id,
            number=number,
            content_sha256=prepared.blob.sha256,
            filename=prepared.filename,
            media_type=prepared.extraction.media_type,
            size=prepared.blob.size,
            created_at=stamp,
            created_by=user.login,
        )
    )
    connection.execute(
        update(document_texts)
        .where(document_texts.c.document_id == row.id)
        .values(version=number, text=prepared.extraction.text)
    )
    _reindex(connection, row.id, prepared.analysed_body)
    audit.record(
        connection,
        user.login,
        "document.version",
        "document",
        row.uuid,
        {
            "number": number,
            "filename": prepared.filename,
            "sha256": prepared.blob.sha256,
            "size": prepared.blob.size,
            "state": prepared.state.value,
        },
    )
    return number
