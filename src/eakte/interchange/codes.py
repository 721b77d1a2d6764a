"""xdomea code-list values eakte writes and reads, and how they map to ours.

Only the values eakte needs are here (taken from the xdomea 3.0.0 code lists, valid for 3.1.0
too); the lists themselves stay outside the repository.

**Confidentiality needs a translation.** Our ``confidentiality`` is an ordered level
(``eakte.core.records.Confidentiality``: 001 open < 002 internal < 003 confidential < 004 secret
< 005 strictly secret), while the xdomea list ``Vertraulichkeitsstufe`` 1.0 numbers its values
alphabetically: 001 Geheim, 002 NfD, 003 Offen, 004 Streng geheim, 005 Vertraulich. Model
objects (``interchange.model``) hold *our* level; the writer translates with
``confidentiality_code`` and the reader back with ``confidentiality_level``.

Disposition (``Aussonderungsart``: A, B, V) and medium (``001`` electronic) are the same on both
sides. ``Bewertungsvorschlag`` knows only A and V: a B dossier carries none.

File formats (``Dateiformat`` 1.0): ``format_code`` picks the code for a media type, or failing
that the file name's extension, else ``100`` (Sonstiges); ``format_extension`` and
``format_media_type`` go back from a code.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from eakte.errors import ValidationError

MESSAGE_TYPE_LIST = ("urn:xoev-de:xdomea:codeliste:nachrichtentyp", "2.0")
CONFIDENTIALITY_LIST = ("urn:xoev-de:xdomea:codeliste:vertraulichkeitsstufe", "1.0")
MEDIUM_LIST = ("urn:xoev-de:xdomea:codeliste:medium", "1.0")
DISPOSITION_LIST = ("urn:xoev-de:xdomea:codeliste:aussonderungsart", "1.0")
SUGGESTION_LIST = ("urn:xoev-de:xdomea:codeliste:bewertungsvorschlag", "1.0")
FILE_FORMAT_LIST = ("urn:xoev-de:xdomea:codeliste:dateiformat", "1.0")

# Our level → xdomea Vertraulichkeitsstufe code, and the code's name in the list.
_CONFIDENTIALITY_TO_XDOMEA = {"001": "003", "002": "002", "003": "005", "004": "001", "005": "004"}
_CONFIDENTIALITY_FROM_XDOMEA = {v: k for k, v in _CONFIDENTIALITY_TO_XDOMEA.items()}
CONFIDENTIALITY_NAMES = {
    "001": "Geheim",
    "002": "NfD",
    "003": "Offen",
    "004": "Streng geheim",
    "005": "Vertraulich",
}

MEDIUM_ELECTRONIC = "001"
MEDIUM_NAMES = {"001": "Elektronisch", "002": "Hybrid", "003": "Papier"}

DISPOSITIONS = ("A", "B", "V")
DISPOSITION_NAMES = {"A": "archivwürdig", "B": "bewerten", "V": "vernichten"}

OTHER_FORMAT = "100"
# Dateiformat code → (extension we give the file, media type).
_FORMATS: dict[str, tuple[str, str]] = {
    "001": ("bmp", "image/bmp"),
    "002": ("csv", "text/csv"),
    "003": ("doc", "application/msword"),
    "006": ("eml", "message/rfc822"),
    "007": ("htm", "text/html"),
    "008": ("html", "text/html"),
    "010": ("jpeg", "image/jpeg"),
    "011": ("jpg", "image/jpeg"),
    "012": ("msg", "application/vnd.ms-outlook"),
    "013": ("odp", "application/vnd.oasis.opendocument.presentation"),
    "014": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "015": ("odt", "application/vnd.oasis.opendocument.text"),
    "018": ("pdf", "application/pdf"),
    "019": ("png", "image/png"),
    "020": ("ppt", "application/vnd.ms-powerpoint"),
    "021": ("ps", "application/postscript"),
    "022": ("rtf", "application/rtf"),
    "023": ("tif", "image/tiff"),
    "024": ("tiff", "image/tiff"),
    "028": ("xls", "application/vnd.ms-excel"),
    "030": ("xml", "application/xml"),
    "031": ("xsd", "application/xml"),
    "035": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "036": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "037": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "044": ("pdf", "application/pdf"),  # PDF/A
    "045": ("txt", "text/plain"),
}
_BY_MEDIA_TYPE = {
    "application/pdf": "018",
    "application/msword": "003",
    "message/rfc822": "006",
    "text/html": "008",
    "image/jpeg": "011",
    "application/vnd.ms-outlook": "012",
    "application/vnd.oasis.opendocument.presentation": "013",
    "application/vnd.oasis.opendocument.spreadsheet": "014",
    "application/vnd.oasis.opendocument.text": "015",
    "image/png": "019",
    "image/tiff": "023",
    "image/bmp": "001",
    "text/csv": "002",
    "application/rtf": "022",
    "text/rtf": "022",
    "application/postscript": "021",
    "application/vnd.ms-excel": "028",
    "application/vnd.ms-powerpoint": "020",
    "application/xml": "030",
    "text/xml": "030",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "035",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "036",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "037",
    "text/plain": "045",
}
_BY_EXTENSION = {
    "jpe": "009",
    "dot": "032",
    "dotx": "038",
    "ott": "043",
    **{ext: code for code, (ext, _media) in _FORMATS.items() if code != "044"},
}


def confidentiality_code(level: str) -> str:
    """The xdomea Vertraulichkeitsstufe code for our level ``001``…``005``."""
    try:
        return _CONFIDENTIALITY_TO_XDOMEA[level]
    except KeyError as exc:
        raise ValidationError(
            f"Vertraulichkeitsstufe {level!r} ist unbekannt: erlaubt sind 001 bis 005."
        ) from exc


def confidentiality_level(code: str) -> str:
    """Our level for an xdomea Vertraulichkeitsstufe code (reverse of ``confidentiality_code``)."""
    try:
        return _CONFIDENTIALITY_FROM_XDOMEA[code.strip()]
    except KeyError as exc:
        raise ValidationError(
            f"Vertraulichkeitsstufe {code!r} steht nicht in der xdomea-Codeliste (001 bis 005)."
        ) from exc


def appraisal_suggestion(disposition: str | None) -> str | None:
    """``Bewertungsvorschlag`` for a disposition: A and V as they are, B none."""
    return disposition if disposition in ("A", "V") else None


def _media_base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def format_code(media_type: str, filename: str = "") -> str:
    """The Dateiformat code for a file: by media type, else by extension, else ``100``."""
    code = _BY_MEDIA_TYPE.get(_media_base(media_type))
    if code is None:
        code = _BY_EXTENSION.get(PurePosixPath(filename).suffix.lower().lstrip("."))
    return code or OTHER_FORMAT


def format_extension(code: str) -> str | None:
    """The usual extension (without dot) of a Dateiformat code; None for ``100``/unknown."""
    known = _FORMATS.get(code)
    if known:
        return known[0]
    return next((ext for ext, c in _BY_EXTENSION.items() if c == code), None)


def format_media_type(code: str) -> str | None:
    """The media type of a Dateiformat code; None for ``100``/unknown."""
    known = _FORMATS.get(code)
    if known:
        return known[1]
    extension = format_extension(code)
    return next((m for m, c in _BY_MEDIA_TYPE.items() if format_extension(c) == extension), None)
