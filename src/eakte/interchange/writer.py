"""Writing xdomea messages (3.0.0 and 3.1.0) as XML, streaming, from ``interchange.model``.

The XML goes out element by element (``lxml.etree.xmlfile``), so a dossier with 10,000
documents never exists as a tree in memory. Element order follows the schemas; both versions
have the same structure for everything written here, only the namespace differs. Entry points:

* ``write_message(package, target)``: 0401 (Abgabe), 0501 (Anbieteverzeichnis), 0503
  (Aussonderung) with their ``Schriftgutobjekt`` elements;
* ``write_import_result(header, results, target)``: 0402, one ``AbgegebenesObjekt`` per
  ``ObjectResult``;
* ``write_receipt(header, target)``: 0403, 0504, 0505 (a ``Kopf`` only);
* ``package_file_name(document_uuid, number, original, format_code)``: the ``Dateiname`` of a
  primary file.

Where our metadata goes (the importer reads it back from the same places):

=============================  ================================================================
Common.uuid                    Identifikation/ID; NummerImUebergeordnetenContainer = position
Common.subject / reference     AllgemeineMetadaten/Betreff, /Kennzeichen (omitted when empty)
Common.lead_unit               AllgemeineMetadaten/Federfuehrung (our unit code)
Common.confidentiality         AllgemeineMetadaten/Vertraulichkeitsstufe, translated to the
                               xdomea code (``codes.confidentiality_code``; see there)
Common.medium                  AllgemeineMetadaten/Medium
XDossier.plan_item/plan_title  AllgemeineMetadaten/Aktenplaneinheit/Kennzeichen, /Inhaltsangabe
RetentionInfo                  ArchivspezifischeMetadaten: Aufbewahrungsdauer (AnzahlJahre, or
                               Unbefristet for None), Aussonderungsart, Bewertungsvorschlag
                               (A/V only), Aufbewahrungsende = due_on minus one day (the last
                               day of retention; the reader adds the day back). Omitted when
                               years and disposition are both None (no rule).
Common.begins / ends           Laufzeit/Beginn, /Ende (Akte, Vorgang)
closed_at                      ZdA (true/false) and ZdADatum (the day); the exact time and
                               closed_by in the extension (below)
Common.history                 HistorienProtokollInformation: Akteur, DatumUhrzeit, Aktion;
                               details in Bemerkung
XDocument.document_date        DatumDesSchreibens
XDocument.kind                 Typ
XDocument.attachments          Anlage (same structure, recursively)
XVersion.number                Version/Nummer
XFile.format_code              Version/Format/Name (Dateiformat code, listVersionID 1.0);
                               Format/Version stays empty (we do not know format versions)
XFile.package_name             Primaerdokument/Dateiname
XFile.filename_original        Primaerdokument/DateinameOriginal
XVersion.created_by / _at      Primaerdokument/Ersteller, /DatumUhrzeit
=============================  ================================================================

Our extras without an xdomea element go into ``AnwendungsspezifischeErweiterung`` with Kennung
``EXTENSION_ID`` and Name ``eakte``, as ``Feld`` elements (Name, Wert): ``closed_at`` (ISO time)
and ``closed_by`` on Akte and Vorgang; ``created_at``, ``created_by`` and, per version,
``version.<n>.media_type``, ``version.<n>.sha256`` (hex) and ``version.<n>.size`` (bytes) on
Dokument, so that a receiver running eakte checks every file's size and hash on import. Times
are written in UTC with their offset.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from lxml import etree

from eakte import __version__
from eakte.errors import ValidationError
from eakte.interchange import codes
from eakte.interchange.model import (
    MESSAGE_NAMES,
    Common,
    Header,
    HistoryEntry,
    ObjectResult,
    Package,
    Party,
    RetentionInfo,
    SchriftgutObject,
    XCase,
    XDocument,
    XDossier,
    XVersion,
)
from eakte.interchange.schemas import namespace
from eakte.records.common import COUNTY_TIME

EXTENSION_ID = "urn:eakte:xdomea:erweiterung:1"
OBJECT_MESSAGES = ("0401", "0501", "0503")
RECEIPT_MESSAGES = ("0403", "0504", "0505")
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_TRANSLIT_SZ = {"ß": "ss"}
MAX_NAME_STEM = 80


def _text(value: str) -> str:
    """Text as XML 1.0 allows it (control characters other than tab and newlines dropped)."""
    return _INVALID_XML_CHARS.sub("", value)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _moment(value: datetime) -> str:
    return _utc(value).isoformat()


def _flag(value: bool) -> str:
    return "1" if value else "0"  # the schema fixes Importbestaetigung to the literal "1"


def safe_ascii(name: str) -> str:
    """A file name part of safe ASCII letters, digits, dot, dash and underscore."""
    name = name.translate(_TRANSLIT).replace("ß", _TRANSLIT_SZ["ß"])
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE_NAME.sub("_", name).strip("._-")
    return re.sub(r"_{2,}", "_", name)


def package_file_name(document_uuid: str, number: int, original: str, format_code: str) -> str:
    """``Dateiname`` of a version's primary file: ``<UUID>_<name>.<ext>``, flat, safe ASCII.

    The UUID is derived from the document's UUID and the version number, so every version has
    its own name and two exports of the same records name their files alike. The stored name
    is never trusted: it is reduced to safe ASCII, shortened, and the extension checked."""
    try:
        base = uuid.UUID(document_uuid)
    except ValueError:
        base = uuid.uuid5(uuid.NAMESPACE_URL, document_uuid)
    file_id = uuid.uuid5(base, f"version-{number}")
    pure = PurePosixPath(original.replace("\\", "/")).name
    suffix = safe_ascii(PurePosixPath(pure).suffix.lstrip(".")).lower()
    if not suffix or len(suffix) > 10 or not suffix.isalnum():
        suffix = codes.format_extension(format_code) or ""
    stem = safe_ascii(PurePosixPath(pure).stem)[:MAX_NAME_STEM].strip("._-")
    name = f"{file_id}_{stem}" if stem else str(file_id)
    return f"{name}.{suffix}" if suffix else name


class _Out:
    """Element-by-element output in the xdomea namespace."""

    def __init__(self, xf: Any, ns: str) -> None:
        self.xf = xf
        self.ns = ns

    def node(self, name: str, attrib: dict[str, str] | None = None) -> Any:
        # One element per line: schema errors then name a useful line number.
        self.xf.write("\n")
        return self.xf.element(etree.QName(self.ns, name), attrib or {})

    def leaf(self, name: str, value: str | None) -> None:
        if value is None:
            return
        with self.node(name):
            if value:
                self.xf.write(_text(value))

    def plain(self, name: str, value: str) -> None:
        """An unqualified child (``code`` and ``name`` of XÖV code types)."""
        with self.xf.element(name):
            self.xf.write(_text(value))

    def code(
        self,
        name: str,
        value: str,
        code_list: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        attrib = {"listURI": code_list[0], "listVersionID": code_list[1]} if code_list else {}
        with self.node(name, attrib):
            self.plain("code", value)
            if label:
                self.plain("name", label)


@contextlib.contextmanager
def _document(target: Path | BinaryIO, version: str, root: str) -> Iterator[_Out]:
    ns = namespace(version)
    with etree.xmlfile(str(target) if isinstance(target, Path) else target, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(etree.QName(ns, root), nsmap={"xdomea": ns}):
            yield _Out(xf, ns)


# --------------------------------------------------------------------------- Kopf


def _party(out: _Out, name: str, party: Party) -> None:
    with out.node(name):
        with out.node("Behoerdenkennung"):
            out.code("Behoerdenschluessel", party.authority)
        with out.node("Institution"):
            out.leaf("Name", party.institution)
        if party.unit:
            with out.node("Organisationseinheit"):
                out.leaf("Name", party.unit)


def _head(out: _Out, header: Header) -> None:
    message = header.message
    with out.node("Kopf"):
        out.leaf("ProzessID", header.process_id)
        out.code("Nachrichtentyp", message, codes.MESSAGE_TYPE_LIST, MESSAGE_NAMES[message][:-5])
        out.leaf("Erstellungszeitpunkt", _moment(header.created))
        _party(out, "Absender", header.sender)
        _party(out, "Empfaenger", header.receiver)
        with out.node("SendendesSystem"):
            out.leaf("Produktname", header.sending_system)
            out.leaf("Version", __version__)
        if message in ("0401", "0503"):
            out.leaf("Importbestaetigung", _flag(True))  # fixed by the schema
        if message == "0503":
            out.leaf("RueckmeldungArchivkennung", _flag(header.ask_archive_reference))
        if message in ("0401", "0501", "0503"):
            out.leaf("Empfangsbestaetigung", _flag(header.ask_receipt))


# --------------------------------------------------------------------------- objects


def _general(out: _Out, common: Common, plan: tuple[str, str] | None = None) -> None:
    with out.node("AllgemeineMetadaten"):
        out.leaf("Betreff", common.subject or None)
        out.leaf("Kennzeichen", common.reference or None)
        out.leaf("Federfuehrung", common.lead_unit or None)
        xcode = codes.confidentiality_code(common.confidentiality)
        out.code(
            "Vertraulichkeitsstufe",
            xcode,
            codes.CONFIDENTIALITY_LIST,
            codes.CONFIDENTIALITY_NAMES[xcode],
        )
        out.code("Medium", common.medium, codes.MEDIUM_LIST, codes.MEDIUM_NAMES.get(common.medium))
        if plan:
            with out.node("Aktenplaneinheit"):
                out.leaf("Kennzeichen", plan[0])
                out.leaf("Inhaltsangabe", plan[1] or None)


def _retention(out: _Out, info: RetentionInfo) -> None:
    if info.retention_years is None and info.disposition is None:
        return
    with out.node("ArchivspezifischeMetadaten"):
        with out.node("Aufbewahrungsdauer"):
            if info.retention_years is None:
                out.leaf("Unbefristet", _flag(True))
            else:
                out.leaf("AnzahlJahre", str(info.retention_years))
        if info.disposition:
            with out.node("Aussonderungsart"):
                out.code(
                    "Aussonderungsart",
                    info.disposition,
                    codes.DISPOSITION_LIST,
                    codes.DISPOSITION_NAMES.get(info.disposition),
                )
        suggestion = codes.appraisal_suggestion(info.disposition)
        if suggestion:
            out.code("Bewertungsvorschlag", suggestion, codes.SUGGESTION_LIST)
        if info.due_on:
            out.leaf("Aufbewahrungsende", (info.due_on - timedelta(days=1)).isoformat())


def _period(out: _Out, begins: date | None, ends: date | None) -> None:
    if begins is None and ends is None:
        return
    with out.node("Laufzeit"):
        out.leaf("Beginn", begins.isoformat() if begins else None)
        out.leaf("Ende", ends.isoformat() if ends else None)


def _history(out: _Out, entries: Iterable[HistoryEntry]) -> None:
    for entry in entries:
        with out.node("HistorienProtokollInformation"):
            out.leaf("Akteur", entry.actor)
            out.leaf("DatumUhrzeit", _moment(entry.at))
            out.leaf("Bemerkung", entry.details or None)
            out.leaf("Aktion", entry.action)


def _closing(out: _Out, closed_at: datetime | None) -> None:
    out.leaf("ZdA", _flag(closed_at is not None))
    if closed_at is not None:
        out.leaf("ZdADatum", _utc(closed_at).astimezone(COUNTY_TIME).date().isoformat())


def _extension(out: _Out, fields: Sequence[tuple[str, str | None]]) -> None:
    present = [(name, value) for name, value in fields if value is not None]
    if not present:
        return
    with out.node("AnwendungsspezifischeErweiterung"):
        out.leaf("Kennung", EXTENSION_ID)
        out.leaf("Name", "eakte")
        for name, value in present:
            with out.node("Feld"):
                out.leaf("Name", name)
                out.leaf("Wert", value)


def _identification(out: _Out, uuid_text: str, position: int | None) -> None:
    with out.node("Identifikation"):
        out.leaf("ID", uuid_text)
        out.leaf("NummerImUebergeordnetenContainer", str(position) if position else None)


def _version(out: _Out, version: XVersion) -> None:
    file = version.file
    with out.node("Version"):
        out.leaf("Nummer", str(version.number))
        with out.node("Format"):
            out.code("Name", file.format_code, codes.FILE_FORMAT_LIST)
            out.leaf("Version", "")
            with out.node("Primaerdokument"):
                out.leaf("Dateiname", file.package_name)
                out.leaf("DateinameOriginal", file.filename_original or None)
                out.leaf("Ersteller", version.created_by or None)
                out.leaf("DatumUhrzeit", _moment(version.created_at))


def _document_body(out: _Out, document: XDocument, position: int | None) -> None:
    _identification(out, document.common.uuid, position)
    _general(out, document.common)
    out.leaf("DatumDesSchreibens", document.document_date.isoformat())
    out.leaf("Typ", document.kind or None)
    _history(out, document.common.history)
    for version in document.versions:
        _version(out, version)
    for number, attachment in enumerate(document.attachments, start=1):
        with out.node("Anlage"):
            _document_body(out, attachment, number)
    fields: list[tuple[str, str | None]] = [
        ("created_at", _moment(document.created_at)),
        ("created_by", document.created_by),
    ]
    for v in document.versions:
        fields += [
            (f"version.{v.number}.media_type", v.file.media_type),
            # So that the receiver can check every file (reader and importer read them back).
            (f"version.{v.number}.sha256", v.file.sha256 or None),
            (f"version.{v.number}.size", str(v.file.size) if v.file.size >= 0 else None),
        ]
    _extension(out, fields)


def _write_document(out: _Out, name: str, document: XDocument, position: int | None) -> None:
    with out.node(name):
        _document_body(out, document, position)


def _write_case(out: _Out, name: str, case: XCase, position: int | None) -> None:
    with out.node(name):
        _identification(out, case.common.uuid, position)
        _general(out, case.common)
        _closing(out, case.closed_at)
        _period(out, case.common.begins, case.common.ends)
        _history(out, case.common.history)
        for number, document in enumerate(case.documents, start=1):
            _write_document(out, "Dokument", document, number)
        _extension(out, _closed_fields(case.closed_at, case.closed_by))


def _closed_fields(
    closed_at: datetime | None, closed_by: str | None
) -> list[tuple[str, str | None]]:
    return [("closed_at", _moment(closed_at) if closed_at else None), ("closed_by", closed_by)]


def _write_dossier(out: _Out, dossier: XDossier) -> None:
    with out.node("Akte"):
        _identification(out, dossier.common.uuid, None)
        _general(out, dossier.common, (dossier.plan_item, dossier.plan_title))
        _retention(out, dossier.retention)
        _period(out, dossier.common.begins, dossier.common.ends)
        _history(out, dossier.common.history)
        if dossier.cases:
            with out.node("Akteninhalt"):
                for number, case in enumerate(dossier.cases, start=1):
                    _write_case(out, "Vorgang", case, number)
        _closing(out, dossier.closed_at)
        _extension(out, _closed_fields(dossier.closed_at, dossier.closed_by))


def _write_object(out: _Out, obj: SchriftgutObject) -> None:
    with out.node("Schriftgutobjekt"):
        if isinstance(obj, XDossier):
            _write_dossier(out, obj)
        elif isinstance(obj, XCase):
            _write_case(out, "Vorgang", obj, None)
        else:
            _write_document(out, "Dokument", obj, None)


# --------------------------------------------------------------------------- messages


def write_message(package: Package, target: Path | BinaryIO) -> None:
    """Write a 0401, 0501 or 0503 with its objects to ``target`` (a path or binary stream)."""
    header = package.header
    if header.message not in OBJECT_MESSAGES:
        raise ValidationError(
            f"Nachricht {header.message} trägt keine Schriftgutobjekte; erwartet: "
            f"{', '.join(OBJECT_MESSAGES)}."
        )
    with _document(target, header.version, MESSAGE_NAMES[header.message]) as out:
        _head(out, header)
        for obj in package.objects:
            _write_object(out, obj)


def write_import_result(
    header: Header, results: Iterable[ObjectResult], target: Path | BinaryIO
) -> None:
    """Write a 0402 (Abgabe.ImportBestaetigen): success or the error text per object."""
    if header.message != "0402":
        raise ValidationError(f"Für eine Importbestätigung ist 0402 nötig, nicht {header.message}.")
    with _document(target, header.version, MESSAGE_NAMES["0402"]) as out:
        _head(out, header)
        for result in results:
            with out.node("AbgegebenesObjekt"):
                out.leaf("IDSGO", result.uuid)
                out.leaf("Erfolgreich", _flag(result.ok))
                if result.message and not result.ok:
                    out.leaf("Fehlermeldung", result.message)


def write_receipt(header: Header, target: Path | BinaryIO) -> None:
    """Write a receipt (0403, 0504, 0505): a message with its ``Kopf`` only."""
    if header.message not in RECEIPT_MESSAGES:
        raise ValidationError(
            f"Nachricht {header.message} ist keine Empfangsbestätigung "
            f"({', '.join(RECEIPT_MESSAGES)})."
        )
    with _document(target, header.version, MESSAGE_NAMES[header.message]) as out:
        _head(out, header)
