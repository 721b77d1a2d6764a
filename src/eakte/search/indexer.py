"""Writing documents into the full-text index, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from eakte.db.search_backends import IndexRow, backend_for
from eakte.search.analyzer import analyze_to_string


@dataclass(frozen=True)
class IndexSource:
    """The raw text of one document as it goes into the index."""

    document_id: int
    unit_id: int  # the lead unit of the document's dossier: who may read it
    confidentiality: str  # the dossier's level, 001–005
    title: str
    subject: str  # case and dossier subjects
    reference: str  # case and dossier references
    body: str


def analyse(source: IndexSource, analysed_body: str | None = None) -> IndexRow:
    """Analyse a source; ``analysed_body`` lets ingest analyse the body outside the transaction."""
    return IndexRow(
        document_id=source.document_id,
        acl=acl_tokens(source.unit_id, source.confidentiality),
        title=analyze_to_string(source.title),
        subject=analyze_to_string(source.subject),
        reference=analyze_to_string(source.reference),
        body=analysed_body if analysed_body is not None else analyze_to_string(source.body),
    )


def acl_tokens(unit_id: int, confidentiality: str) -> str:
    """Index tokens that say who may read a document (see ``SqliteSearch.restrict``)."""
    return f"u{unit_id} c{confidentiality}"


def write_index(connection: Connection, rows: Sequence[IndexRow]) -> None:
    backend_for(connection).write(connection, rows)


def remove_from_index(connection: Connection, document_ids: Sequence[int]) -> None:
    backend_for(connection).delete(connection, document_ids)
