"""Record states, confidentiality levels and the rules that guard closed content."""

from __future__ import annotations

import enum
from datetime import datetime

from eakte.errors import ClosedError, ValidationError


class Confidentiality(enum.StrEnum):
    """xdomea Vertraulichkeitsstufe code list values."""

    OPEN = "001"  # offen
    INTERNAL = "002"  # nur für den Dienstgebrauch (VS-NfD nahe)
    CONFIDENTIAL = "003"  # VS-Vertraulich
    SECRET = "004"  # geheim
    STRICTLY_SECRET = "005"  # streng geheim

    @classmethod
    def parse(cls, value: str | None) -> Confidentiality:
        if value is None or value == "":
            return cls.OPEN
        aliases = {
            "offen": "001",
            "intern": "002",
            "nfd": "002",
            "vertraulich": "003",
            "geheim": "004",
            "streng-geheim": "005",
        }
        value = aliases.get(value.strip().lower(), value.strip())
        try:
            return cls(value.zfill(3))
        except ValueError as exc:
            raise ValidationError(
                f"Vertraulichkeitsstufe {value!r} ist unbekannt: erlaubt sind 001 bis 005 "
                "oder offen, intern, vertraulich, geheim, streng-geheim."
            ) from exc


class DocumentState(enum.StrEnum):
    """Processing state of a document."""

    RECEIVED = "received"  # stored, text not yet extracted
    READY = "ready"  # text extracted and searchable
    AWAITING_OCR = "awaiting_ocr"  # image or image-only PDF; OCR comes later
    EXTRACTION_FAILED = "extraction_failed"  # stored, but its text could not be read
    OCR_FAILED = "ocr_failed"  # OCR failed for good after its retries (error on the document)
    DESTROYED = "destroyed"  # disposed of: bytes and text erased, metadata and hashes kept


STATE_LABELS_DE = {
    DocumentState.RECEIVED: "eingegangen",
    DocumentState.READY: "bereit",
    DocumentState.AWAITING_OCR: "wartet auf Texterkennung",
    DocumentState.EXTRACTION_FAILED: "Text nicht lesbar",
    DocumentState.OCR_FAILED: "Texterkennung fehlgeschlagen",
    DocumentState.DESTROYED: "vernichtet",
}


def ensure_open(kind: str, reference: str, closed_at: datetime | None) -> None:
    """Raise ``ClosedError`` if a case or dossier is closed (z.d.A.)."""
    if closed_at is not None:
        label = "Vorgang" if kind == "case" else "Akte"
        raise ClosedError(
            f"{label} {reference} ist seit {closed_at:%d.%m.%Y} abgeschlossen (z.d.A.) und "
            "schreibgeschützt. Eine Wiederaufnahme nimmt die Registratur vor."
        )


def validate_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError("Der Betreff darf nicht leer sein.")
    if len(subject) > 500:
        raise ValidationError("Der Betreff ist länger als 500 Zeichen; bitte kürzen.")
    return subject


def validate_reason(reason: str) -> str:
    """The reason for reopening (or another act that needs one): required, one paragraph."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Bitte einen Grund angeben; er wird im Protokoll festgehalten.")
    if len(reason) > 1000:
        raise ValidationError("Der Grund ist länger als 1000 Zeichen; bitte kürzen.")
    return reason
