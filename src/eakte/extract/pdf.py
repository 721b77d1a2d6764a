"""PDF text with pypdfium2; pages without a text layer mark the document for OCR."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium

from eakte.extract.base import Extraction

# A page with fewer visible characters than this and an image on it is a scan that needs OCR
# (a real text page holds about 2,000 characters; a form's cover page a few dozen).
SPARSE_PAGE_CHARS = 200
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(value: str) -> date | None:
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None


def _visible(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def _looks_scanned(page: pdfium.PdfPage, visible_chars: int) -> bool:
    """Little or no text, but an image (or, with no text at all, any drawing) on the page."""
    if visible_chars >= SPARSE_PAGE_CHARS:
        return False
    if visible_chars == 0:
        return next(iter(page.get_objects(max_depth=4)), None) is not None
    images = page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=4)
    return next(iter(images), None) is not None


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
            scanned_pages = 0
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                page_text = textpage.get_text_bounded()
                textpage.close()
                if _looks_scanned(page, _visible(page_text)):
                    scanned_pages += 1
                pages.append(page_text)
                page.close()
            metadata = document.get_metadata_dict(skip_empty=True)
        finally:
            document.close()
        text = "\n\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)
        result.text = text
        result.needs_ocr = scanned_pages > 0
        result.title = (metadata.get("Title") or "").strip() or None
        result.document_date = _pdf_date(metadata.get("CreationDate", ""))
