"""Run the right extractor for a file; never raise for bad input."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from eakte.extract.base import Extraction, Extractor
from eakte.extract.detect import Detected, detect
from eakte.extract.mail import EmlExtractor, MsgExtractor
from eakte.extract.office import DocxExtractor, OdtExtractor
from eakte.extract.pdf import PdfExtractor
from eakte.extract.text import HtmlExtractor, TextExtractor

log = logging.getLogger(__name__)

EXTRACTORS: tuple[Extractor, ...] = (
    PdfExtractor(),
    DocxExtractor(),
    OdtExtractor(),
    HtmlExtractor(),
    TextExtractor(),
    EmlExtractor(),
    MsgExtractor(),
)
_BY_KIND = {extractor.kind: extractor for extractor in EXTRACTORS}
EXPECTED_ERRORS = (ValueError, OSError, KeyError, zipfile.BadZipFile, LookupError, EOFError)


def extract_file(
    path: Path, filename: str | None = None, detected: Detected | None = None
) -> Extraction:
    """Extract text from ``path``; unreadable content sets ``Extraction.error`` (no exception)."""
    detected = detected or detect(path, filename)
    result = Extraction(kind=detected.kind, media_type=detected.media_type)
    if detected.kind == "image":
        result.needs_ocr = True
        return result
    extractor = _BY_KIND.get(detected.kind)
    if extractor is None:
        result.error = "Dateiformat wird nicht ausgelesen; die Datei ist gespeichert."
        return result
    try:
        extractor.extract(path, result)
    except EXPECTED_ERRORS as exc:
        result.error = _describe(exc)
    except Exception as exc:  # a parser library failing on hostile input must not stop filing
        log.warning("extractor %s failed on %s", detected.kind, path, exc_info=True)
        result.error = _describe(exc)
    if result.error:
        result.text = ""
        result.attachments = []
    result.text = result.text.replace("\x00", "")
    return result


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"Text konnte nicht gelesen werden: {text[:300]}"
