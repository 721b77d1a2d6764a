"""Text extraction from the formats a county files: PDF, DOCX, ODT, text, HTML, e-mail, images.

Exports ``extract_file`` (detect the format, run its extractor), ``Extraction`` (the result) and
``detect`` (format by content, not by file name). Extractors follow the ``Extractor`` protocol in
``base.py`` and are tried in the order of ``EXTRACTORS``.
"""

from eakte.extract.base import Attachment, Extraction
from eakte.extract.detect import Detected, detect
from eakte.extract.pipeline import extract_file

__all__ = ["Attachment", "Detected", "Extraction", "detect", "extract_file"]
