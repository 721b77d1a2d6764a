"""The result of an extraction and the protocol every extractor follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A file carried inside another (an e-mail attachment)."""

    filename: str
    data: bytes


@dataclass
class Extraction:
    """What an extractor found in one file."""

    kind: str
    media_type: str
    text: str = ""
    title: str | None = None
    document_date: date | None = None
    needs_ocr: bool = False
    error: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


class Extractor(Protocol):
    """Reads the text of one kind of file. Raises any exception on unreadable input; the
    pipeline turns it into ``Extraction.error``."""

    kind: str

    def extract(self, path: Path, result: Extraction) -> None: ...
