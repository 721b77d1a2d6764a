"""PDF text with pypdfium2; pages without a text layer mark the document for OCR."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium

from eakte.extract.base import Extraction

# A page with fewer visible characters than this is treated as a scan without a text layer.
MIN_CHARS_PER_PAGE = 20
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(value: str) -> date | None:
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None


class PdfExtractor:
    kind = "pdf"

    def extract(self, path: Path, result: Extraction) -> None:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise ValueError("PDF ist mit einem Passwort verschlüsselt") from exc
            raise ValueError(f"PDF ist beschädigt oder unvollständig ({exc})") from exc
        try:
            pages: list[str] = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_bounded())
                textpage.close()
                page.close()
            metadata = document.get_metadata_dict(skip_empty=True)
        finally:
            document.close()
        text = "\n\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)
        visible = len(re.sub(r"\s", "", text))
        result.text = text
        result.needs_ocr = bool(pages) and visible < MIN_CHARS_PER_PAGE * len(pages)
        result.title = (metadata.get("Title") or "").strip() or None
        result.document_date = _pdf_date(metadata.get("CreationDate", ""))
