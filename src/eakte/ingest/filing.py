"""Filing a file: prepare it (bytes stored durably, text extracted and analysed) outside the
database transaction, then commit rows, search index and audit event together (``writer``)."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from sqlalchemy import Connection

from eakte.blobs.store import FolderBlobStore, StoredBlob
from eakte.errors import ValidationError
from eakte.extract import Extraction, extract_file
from eakte.ingest.prepared import PreparedFile
from eakte.ingest.writer import FiledDocument, commit_many
from eakte.records.common import now
from eakte.records.dossiers import Case, Dossier
from eakte.search.analyzer import analyze_to_string

__all__ = ["FiledDocument", "Filer", "PreparedFile", "safe_filename"]

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


class Filer:
    """Files documents into cases; holds the blob store and the limits from the settings.

    ``durable=False`` leaves flushing the stored bytes to the caller, who must call
    ``BlobStore.make_durable`` for a batch before committing it (``eakte add`` does)."""

    def __init__(self, blobs: FolderBlobStore, max_file_size: int, durable: bool = True) -> None:
        self.blobs = blobs
        self.max_file_size = max_file_size
        self.durable = durable

    def prepare(
        self, path: Path, filename: str | None = None, defer_if_stored: bool = False
    ) -> PreparedFile:
        """Store the bytes of ``path`` and extract its text. Raises ``ValidationError`` or
        ``OSError`` when the file cannot be read at all.

        With ``defer_if_stored``, extraction is skipped when the same bytes were stored before
        (most likely a re-run filing them again); ``finish`` completes it if needed."""
        size = path.stat().st_size
        if size > self.max_file_size:
            raise ValidationError(
                f"Datei ist {size:,} Bytes groß; erlaubt sind höchstens "
                f"{self.max_file_size:,} Bytes (EAKTE_MAX_FILE_SIZE).".replace(",", ".")
            )
        with open(path, "rb") as handle:
            blob = self.blobs.put(handle, max_size=self.max_file_size, durable=self.durable)
        fallback_date = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        name = safe_filename(filename or path.name)
        if defer_if_stored and not blob.created:
            return PreparedFile(
                name, blob, Extraction("other", ""), "", fallback_date, extraction_pending=True
            )
        return self._prepare_blob(blob, name, fallback_date, depth=0)

    def finish(self, prepared: PreparedFile) -> PreparedFile:
        """Extract a file whose extraction ``prepare`` deferred."""
        if not prepared.extraction_pending:
            return prepared
        return self._prepare_blob(prepared.blob, prepared.filename, prepared.document_date, 0)

    def prepare_stream(self, stream: BinaryIO, filename: str) -> PreparedFile:
        """Store an uploaded stream (read in chunks, hashed on the way) and extract it."""
        blob = self.blobs.put(stream, max_size=self.max_file_size, durable=self.durable)
        return self._prepare_blob(blob, safe_filename(filename), now().date(), depth=0)

    def prepare_bytes(self, data: bytes, filename: str, depth: int = 0) -> PreparedFile:
        if len(data) > self.max_file_size:
            raise ValidationError("Anhang ist größer als die erlaubte Dateigröße.")
        blob = self.blobs.put(io.BytesIO(data), max_size=self.max_file_size, durable=self.durable)
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
    ) -> FiledDocument:
        """Write one prepared file (and its attachments) in the caller's transaction."""
        return commit_many(connection, case, dossier, [prepared], actor)[0]
