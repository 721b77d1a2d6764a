"""Filing one file: prepare (bytes stored durably, text extracted and analysed) outside the
database transaction, then commit the rows, the search index and the audit event together."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from sqlalchemy import Connection, select, text

from eakte import audit
from eakte.blobs.store import FolderBlobStore, StoredBlob
from eakte.core.records import DocumentState
from eakte.db.schema import documents, versions
from eakte.errors import ValidationError
from eakte.extract import Extraction, extract_file
from eakte.records.common import new_uuid, now
from eakte.records.dossiers import Case, Dossier, ensure_case_writable, get_case
from eakte.search.analyzer import analyze_to_string
from eakte.search.indexer import IndexSource, analyse, write_index

MAX_ATTACHMENT_DEPTH = 3
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_filename(name: str) -> str:
    """A display name from an untrusted file name: no folders, no control characters."""
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = unicodedata.normalize("NFC", _UNSAFE.sub("_", name)).strip(" .")
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:190] + dot + suffix[:9]) if dot and len(suffix) < 10 else name[:200]
    return name or "unbenannt"


@dataclass
class PreparedFile:
    """A file whose bytes are stored and whose text is extracted, not yet in the database."""

    filename: str
    blob: StoredBlob
    extraction: Extraction
    analysed_body: str
    document_date: date
    attachments: list[PreparedFile] = field(default_factory=list)
    duplicate_hint: bool = False  # the same bytes are already filed in the target case

    @property
    def state(self) -> DocumentState:
        if self.extraction.error:
            return DocumentState.EXTRACTION_FAILED
        if self.extraction.needs_ocr:
            return DocumentState.AWAITING_OCR
        return DocumentState.READY

    @property
    def title(self) -> str:
        title = self.extraction.title or self.filename.rsplit(".", 1)[0] or self.filename
        return " ".join(title.split())[:500]


@dataclass(frozen=True)
class FiledDocument:
    id: int
    uuid: str
    title: str
    state: str
    duplicate: bool
    error: str | None
    attachments: int


class Filer:
    """Files documents into cases; holds the blob store and the limits from the settings."""

    def __init__(self, blobs: FolderBlobStore, max_file_size: int) -> None:
        self.blobs = blobs
        self.max_file_size = max_file_size

    def prepare(
        self, path: Path, filename: str | None = None, is_known: Callable[[str], bool] | None = None
    ) -> PreparedFile:
        """Store the bytes of ``path`` and extract its text. Raises ``ValidationError`` or
        ``OSError`` when the file cannot be read at all."""
        size = path.stat().st_size
        if size > self.max_file_size:
            raise ValidationError(
                f"Datei ist {size:,} Bytes groß; erlaubt sind höchstens "
                f"{self.max_file_size:,} Bytes (EAKTE_MAX_FILE_SIZE).".replace(",", ".")
            )
        with open(path, "rb") as handle:
            blob = self.blobs.put(handle, max_size=self.max_file_size)
        fallback_date = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        name = safe_filename(filename or path.name)
        if not blob.created and is_known is not None and is_known(blob.sha256):
            return PreparedFile(
                name, blob, Extraction("other", ""), "", fallback_date, duplicate_hint=True
            )
        return self._prepare_blob(blob, name, fallback_date, depth=0)

    def prepare_bytes(self, data: bytes, filename: str, depth: int = 0) -> PreparedFile:
        if len(data) > self.max_file_size:
            raise ValidationError("Anhang ist größer als die erlaubte Dateigröße.")
        blob = self.blobs.put(io.BytesIO(data), max_size=self.max_file_size)
        return self._prepare_blob(blob, safe_filename(filename), now().date(), depth)

    def _prepare_blob(
        self, blob: StoredBlob, filename: str, fallback: date, depth: int
    ) -> PreparedFile:
        extraction = extract_file(self.blobs.path(blob.sha256), filename)
        prepared = PreparedFile(
            filename=filename,
            blob=blob,
            extraction=extraction,
            analysed_body=analyze_to_string(extraction.text),
            document_date=extraction.document_date or fallback,
        )
        if depth < MAX_ATTACHMENT_DEPTH:
            prepared.attachments = [
                self.prepare_bytes(a.data, a.filename, depth + 1) for a in extraction.attachments
            ]
        return prepared

    def commit(
        self,
        connection: Connection,
        case: Case,
        dossier: Dossier,
        prepared: PreparedFile,
        actor: str,
        parent_id: int | None = None,
    ) -> FiledDocument:
        """Write one prepared file (and its attachments) in the caller's transaction."""
        if parent_id is None:
            # Re-read the state inside this transaction: the case may have been closed since.
            ensure_case_writable(connection, get_case(connection, case.uuid))
            existing = find_in_case(connection, case.id, prepared.blob.sha256)
            if existing is not None:
                return FiledDocument(
                    existing[0], existing[1], existing[2], existing[3], True, None, 0
                )
        doc_id, doc_uuid = self._insert(connection, case, dossier, prepared, actor, parent_id)
        for attachment in prepared.attachments:
            self.commit(connection, case, dossier, attachment, actor, parent_id=doc_id)
        return FiledDocument(
            doc_id,
            doc_uuid,
            prepared.title,
            prepared.state.value,
            False,
            prepared.extraction.error,
            len(prepared.attachments),
        )

    def _insert(
        self,
        connection: Connection,
        case: Case,
        dossier: Dossier,
        prepared: PreparedFile,
        actor: str,
        parent_id: int | None,
    ) -> tuple[int, str]:
        stamp = now()
        blob, extraction = prepared.blob, prepared.extraction
        connection.execute(
            text(
                "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
                "ON CONFLICT (sha256) DO NOTHING"
            ),
            {"sha": blob.sha256, "size": blob.size, "at": stamp},
        )
        doc_uuid = new_uuid()
        doc_id = connection.execute(
            documents.insert()
            .values(
                uuid=doc_uuid,
                case_id=case.id,
                dossier_id=dossier.id,
                unit_id=dossier.lead_unit_id,
                parent_id=parent_id,
                title=prepared.title,
                kind=extraction.kind,
                media_type=extraction.media_type,
                state=prepared.state.value,
                extraction_error=extraction.error,
                document_date=prepared.document_date,
                created_at=stamp,
                created_by=actor,
                current_version=1,
                row_version=1,
            )
            .returning(documents.c.id)
        ).scalar_one()
        connection.execute(
            versions.insert().values(
                document_id=doc_id,
                number=1,
                content_sha256=blob.sha256,
                filename=prepared.filename,
                media_type=extraction.media_type,
                size=blob.size,
                created_at=stamp,
                created_by=actor,
            )
        )
        connection.execute(
            text("INSERT INTO document_texts (document_id, version, text) VALUES (:id, 1, :t)"),
            {"id": doc_id, "t": extraction.text},
        )
        source = IndexSource(
            doc_id,
            prepared.title,
            f"{case.subject} {dossier.subject}",
            f"{case.reference} {dossier.reference}",
            "",
        )
        write_index(connection, [analyse(source, prepared.analysed_body)])
        audit.record(
            connection,
            actor,
            "document.file",
            "document",
            doc_uuid,
            {
                "case": case.reference,
                "title": prepared.title,
                "filename": prepared.filename,
                "sha256": blob.sha256,
                "size": blob.size,
                "state": prepared.state.value,
                **({"attachment_of": parent_id} if parent_id else {}),
            },
        )
        return doc_id, doc_uuid


def find_in_case(
    connection: Connection, case_id: int, sha256: str
) -> tuple[int, str, str, str] | None:
    """The top-level document of ``case_id`` whose version has these bytes, if any."""
    row = connection.execute(
        select(documents.c.id, documents.c.uuid, documents.c.title, documents.c.state)
        .join(versions, versions.c.document_id == documents.c.id)
        .where(
            documents.c.case_id == case_id,
            documents.c.parent_id.is_(None),
            versions.c.content_sha256 == sha256,
        )
        .limit(1)
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None
