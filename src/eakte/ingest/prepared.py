"""A file whose bytes are stored and whose text is extracted, not yet in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from eakte.blobs.store import StoredBlob
from eakte.core.records import DocumentState
from eakte.extract import Extraction


@dataclass
class PreparedFile:
    """A file whose bytes are stored and whose text is extracted, not yet in the database."""

    filename: str
    blob: StoredBlob
    extraction: Extraction
    analysed_body: str
    document_date: date
    attachments: list[PreparedFile] = field(default_factory=list)
    extraction_pending: bool = False  # bytes were stored before; extraction skipped for now

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
