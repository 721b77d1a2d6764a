"""Format detection by content; the file name only breaks ties."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"BM": "image/bmp",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIL_HEADERS = (
    b"from:",
    b"received:",
    b"return-path:",
    b"mime-version:",
    b"date:",
    b"subject:",
    b"message-id:",
    b"delivered-to:",
    b"to:",
    b"x-",
    b"content-type:",
    b"reply-to:",
)
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".text", ".log", ".rst"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class Detected:
    kind: str  # pdf, docx, odt, text, html, email, msg, image, other
    media_type: str


def _zip_kind(path: Path) -> Detected:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return Detected(
                    "docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.text":
                    return Detected("odt", mimetype)
    except (zipfile.BadZipFile, OSError, KeyError):
        pass
    return Detected("other", "application/zip")


def _looks_like_mail(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0].lower()
    return any(first.startswith(h) for h in MAIL_HEADERS) and b":" in first


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a multi-byte character cut at the end of the sample
            return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls < len(head) / 100 + 1


def _binary_kind(head: bytes, path: Path, suffix: str) -> Detected | None:
    """Formats recognised by their magic bytes."""
    if head.startswith(b"%PDF-") or (b"%PDF-" in head[:1024] and suffix == ".pdf"):
        return Detected("pdf", "application/pdf")
    for magic, media_type in IMAGE_MAGIC.items():
        if head.startswith(magic) and not (magic == b"BM" and suffix != ".bmp"):
            return Detected("image", media_type)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detected("image", "image/webp")
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        if suffix == ".msg" or b"_\x00_\x00s\x00u\x00b\x00s\x00t\x00g" in head:
            return Detected("msg", "application/vnd.ms-outlook")
        return Detected("other", "application/x-ole-storage")
    if suffix == ".pdf":  # claims to be PDF but has no PDF header: let the PDF reader say why
        return Detected("pdf", "application/pdf")
    return None


def _text_kind(head: bytes, suffix: str) -> Detected:
    lowered = head.lstrip()[:200].lower()
    if suffix in HTML_SUFFIXES or lowered.startswith((b"<!doctype html", b"<html")):
        return Detected("html", "text/html")
    if suffix == ".eml" or (suffix not in TEXT_SUFFIXES and _looks_like_mail(head)):
        return Detected("email", "message/rfc822")
    if suffix in (".md", ".markdown"):
        return Detected("text", "text/markdown")
    return Detected("text", "text/plain")


def detect(path: Path, filename: str | None = None) -> Detected:
    """Detect the format of the file at ``path``; ``filename`` (untrusted) breaks ties only."""
    suffix = Path(filename or path.name).suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(8192)
    binary = _binary_kind(head, path, suffix)
    if binary is not None:
        return binary
    if not _looks_like_text(head):
        return Detected("other", "application/octet-stream")
    return _text_kind(head, suffix)
