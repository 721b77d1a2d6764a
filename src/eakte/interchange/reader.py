"""Reading a received xdomea message into ``interchange.model`` objects.

``load`` parses untrusted bytes safely (``safexml``) and validates them against the official
schema before anything is read, so a broken message is refused with the schema's own error.
``read_package`` reads 0401, 0501 and 0503 (``Schriftgutobjekt``); ``read_results`` the
per-object results of 0402 and 0506; ``read_appraisals`` the archive's decisions of 0502.

Foreign packages nest more than we do, so the reader flattens: the cases of a Teilakte become
cases of its Akte, the documents of a Teilvorgang go to its Vorgang, and documents that lie
directly in an Akte are gathered in one case »Dokumente ohne Vorgang«. Optional elements may be
missing; what is absent reads as empty, never as an error.
"""

from __future__ import annotations

import mimetypes
import uuid as uuid_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeAlias

from lxml import etree

from eakte.errors import ValidationError
from eakte.interchange import schemas
from eakte.interchange.codes import confidentiality_level, format_media_type
from eakte.interchange.model import (
    Appraisal,
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
    XFile,
    XVersion,
)
from eakte.interchange.safexml import ParsedMessage, parse_bytes, read_limited
from eakte.settings import Settings

LOOSE_CASE_SUBJECT = "Dokumente ohne Vorgang"

Element: TypeAlias = etree._Element


def load(
    data: bytes, name: str, settings: Settings, accept: tuple[str, ...] | None = None
) -> ParsedMessage:
    """Parse ``data`` safely and validate it against the official xdomea schema."""
    parsed = parse_bytes(data, name, accept)
    validate_schema(parsed, name, settings)
    return parsed


def load_path(
    path: Path, settings: Settings, name: str | None = None, accept: tuple[str, ...] | None = None
) -> ParsedMessage:
    """``load`` for a file, read at most up to the XML size limit."""
    with path.open("rb") as stream:
        data = read_limited(stream, settings.xdomea_max_xml_bytes, name or path.name)
    return load(data, name or path.name, settings, accept)


def validate_schema(parsed: ParsedMessage, name: str, settings: Settings) -> None:
    """Validate against the schema of the message's version (``interchange.schemas``)."""
    try:
        schemas.validate(parsed.data, parsed.version, settings)
    except ValidationError as exc:
        raise ValidationError(f"{name}: {exc.message}") from None


class _Tree:
    """Namespace-aware lookups in one message."""

    def __init__(self, namespace: str) -> None:
        self.ns = {"x": namespace}

    def find(self, element: Element | None, path: str) -> Element | None:
        if element is None:
            return None
        return element.find(self._path(path), self.ns)

    def findall(self, element: Element | None, path: str) -> list[Element]:
        if element is None:
            return []
        return list(element.findall(self._path(path), self.ns))

    def text(self, element: Element | None, path: str) -> str:
        found = self.find(element, path)
        return " ".join((found.text or "").split()) if found is not None else ""

    def code(self, element: Element | None, path: str) -> str:
        # Code elements carry <code> without namespace (xoev-code).
        found = self.find(element, path)
        if found is None:
            return ""
        code = found.find("code")
        return (code.text or "").strip() if code is not None else ""

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(part if part in (".", "..") else f"x:{part}" for part in path.split("/"))


def parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(value)
        return datetime.combine(day, time(), UTC) if day else None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return None


def _party(tree: _Tree, element: Element | None) -> Party:
    authority = tree.code(element, "Behoerdenkennung/Behoerdenschluessel")
    institution = tree.text(element, "Institution/Name")
    unit = tree.text(element, "Organisationseinheit/Name") or None
    return Party(authority, institution, unit)


def read_header(parsed: ParsedMessage) -> Header:
    tree = _Tree(parsed.namespace)
    head = tree.find(parsed.root, "Kopf")
    created = parse_datetime(tree.text(head, "Erstellungszeitpunkt"))
    return Header(
        process_id=tree.text(head, "ProzessID").lower(),
        message=parsed.code,
        created=created or datetime.now(UTC),
        sender=_party(tree, tree.find(head, "Absender")),
        receiver=_party(tree, tree.find(head, "Empfaenger")),
        version=parsed.version,
        sending_system=tree.text(head, "SendendesSystem/Produktname"),
        ask_import_confirmation=bool(_flag(tree.text(head, "Importbestaetigung"))),
        ask_receipt=bool(_flag(tree.text(head, "Empfangsbestaetigung"))),
        ask_archive_reference=bool(_flag(tree.text(head, "RueckmeldungArchivkennung"))),
    )


class _PackageReader:
    def __init__(self, tree: _Tree, header: Header) -> None:
        self.tree = tree
        self.header = header

    # ----------------------------------------------------------------- common parts
    def history(self, element: Element) -> tuple[HistoryEntry, ...]:
        t = self.tree
        entries = []
        for item in t.findall(element, "HistorienProtokollInformation"):
            details = []
            if name := t.text(item, "MetadatumName"):
                old, new = t.text(item, "MetadatumAlterWert"), t.text(item, "MetadatumNeuerWert")
                details.append(f"{name}: {old} → {new}")
            if remark := t.text(item, "Bemerkung"):
                details.append(remark)
            entries.append(
                HistoryEntry(
                    at=parse_datetime(t.text(item, "DatumUhrzeit")) or self.header.created,
                    actor=t.text(item, "Akteur"),
                    action=t.text(item, "Aktion"),
                    details="; ".join(details),
                )
            )
        return tuple(entries)

    def common(self, element: Element, subject_fallback: str = "") -> Common:
        t = self.tree
        meta = t.find(element, "AllgemeineMetadaten")
        return Common(
            uuid=t.text(element, "Identifikation/ID").lower(),
            reference=t.text(meta, "Kennzeichen"),
            subject=t.text(meta, "Betreff") or subject_fallback,
            begins=parse_date(t.text(element, "Laufzeit/Beginn")),
            ends=parse_date(t.text(element, "Laufzeit/Ende")),
            lead_unit=t.text(meta, "Federfuehrung") or None,
            confidentiality=_level(t.code(meta, "Vertraulichkeitsstufe")),
            medium=t.code(meta, "Medium") or "001",
            history=self.history(element),
            imported_from=self.header.process_id,
        )

    # ----------------------------------------------------------------- objects
    def dossier(self, element: Element) -> XDossier:
        t = self.tree
        common = self.common(element)
        meta = t.find(element, "AllgemeineMetadaten")
        cases: list[XCase] = []
        loose: list[XDocument] = []
        self._gather(element, cases, loose)
        if loose:
            cases.append(self._loose_case(common, loose))
        closed_at, closed_by = self.closing(element, common)
        return XDossier(
            common=common,
            plan_item=t.text(meta, "Aktenplaneinheit/Kennzeichen"),
            plan_title=t.text(meta, "Aktenplaneinheit/Inhaltsangabe"),
            retention=self.retention(t.find(element, "ArchivspezifischeMetadaten")),
            closed_at=closed_at,
            closed_by=closed_by,
            cases=tuple(cases),
        )

    def _gather(self, akte: Element, cases: list[XCase], loose: list[XDocument]) -> None:
        content = self.tree.find(akte, "Akteninhalt")
        loose.extend(self.document(d) for d in self.tree.findall(content, "Dokument"))
        cases.extend(self.case(v) for v in self.tree.findall(content, "Vorgang"))
        for part in self.tree.findall(content, "Teilakte"):
            self._gather(part, cases, loose)

    def _loose_case(self, dossier: Common, documents: list[XDocument]) -> XCase:
        # A stable UUID, so that importing the same package twice is refused as a duplicate.
        case_uuid = str(uuid_module.uuid5(uuid_module.UUID(dossier.uuid), "dokumente-ohne-vorgang"))
        common = Common(
            uuid=case_uuid,
            reference="",
            subject=LOOSE_CASE_SUBJECT,
            begins=dossier.begins,
            ends=dossier.ends,
            lead_unit=dossier.lead_unit,
            confidentiality=dossier.confidentiality,
            imported_from=dossier.imported_from,
        )
        closed = datetime.combine(dossier.ends, time(), UTC) if dossier.ends else None
        return XCase(common, closed, None, tuple(documents))

    def retention(self, element: Element | None) -> RetentionInfo:
        t = self.tree
        years_text = t.text(element, "Aufbewahrungsdauer/AnzahlJahre")
        last = parse_date(t.text(element, "Aufbewahrungsende"))
        years = int(years_text) if years_text.isdigit() else None
        disposition = t.code(element, "Aussonderungsart/Aussonderungsart") or t.code(
            element, "Bewertungsvorschlag"
        )
        return RetentionInfo(
            retention_years=years,
            disposition=disposition or None,
            # Aufbewahrungsende is the last day kept; ``due_on`` the first day it may go.
            due_on=last + timedelta(days=1) if last else None,
        )

    def extension(self, element: Element) -> dict[str, str]:
        """``Feld`` name → value of the object's own AnwendungsspezifischeErweiterung."""
        t = self.tree
        return {
            t.text(item, "Name"): t.text(item, "Wert")
            for holder in t.findall(element, "AnwendungsspezifischeErweiterung")
            for item in t.findall(holder, "Feld")
        }

    def closing(self, element: Element, common: Common) -> tuple[datetime | None, str | None]:
        """When (and by whom) an Akte or Vorgang was closed: ZdA/ZdADatum, the exact time from
        the extension if we wrote it, else the end of its Laufzeit."""
        t, fields = self.tree, self.extension(element)
        done = _flag(t.text(element, "ZdA"))
        if done is False:
            return None, None
        day = parse_date(t.text(element, "ZdADatum")) or common.ends
        if done and day is None:
            day = common.begins or self.header.created.date()
        exact = parse_datetime(fields.get("closed_at", ""))
        closed_at = exact or (datetime.combine(day, time(), UTC) if day else None)
        return closed_at, (fields.get("closed_by") or None) if closed_at else None

    def case(self, element: Element) -> XCase:
        t = self.tree
        common = self.common(element, t.text(element, "Aktenbetreff"))
        closed_at, closed_by = self.closing(element, common)
        documents: list[XDocument] = []
        self._case_documents(element, documents)
        return XCase(
            common=common,
            closed_at=closed_at,
            closed_by=closed_by,
            documents=tuple(documents),
        )

    def _case_documents(self, vorgang: Element, documents: list[XDocument]) -> None:
        documents.extend(self.document(d) for d in self.tree.findall(vorgang, "Dokument"))
        for part in self.tree.findall(vorgang, "Teilvorgang"):
            self._case_documents(part, documents)

    def document(self, element: Element) -> XDocument:
        t = self.tree
        common = self.common(element)
        fields = self.extension(element)
        created_by = fields.get("created_by") or t.text(element, "Bearbeiter")
        stamps = [h.at for h in common.history] + [
            moment
            for item in t.findall(element, "Version/Format/Primaerdokument/DatumUhrzeit")
            if (moment := parse_datetime(item.text or ""))
        ]
        created_at = parse_datetime(fields.get("created_at", "")) or (
            min(stamps) if stamps else self.header.created
        )
        versions = tuple(
            self.version(v, position, fields, created_at, created_by)
            for position, v in enumerate(t.findall(element, "Version"), start=1)
        )
        day = next(
            (
                found
                for path in ("DatumDesSchreibens", "Posteingangsdatum", "Postausgangsdatum")
                if (found := parse_date(t.text(element, path)))
            ),
            created_at.date(),
        )
        return XDocument(
            common=common,
            document_date=day,
            kind=t.text(element, "Typ"),
            created_at=created_at,
            created_by=created_by,
            versions=versions,
            attachments=tuple(self.document(a) for a in t.findall(element, "Anlage")),
        )

    def version(
        self, element: Element, position: int, fields: dict[str, str], created: datetime, by: str
    ) -> XVersion:
        """One version; ``fields`` are the document's extension fields, where a sender may
        state ``version.<n>.media_type``, ``.sha256`` and ``.size`` (checked on import)."""
        t = self.tree
        number_text = t.text(element, "Nummer")
        number = int(number_text) if number_text.isdigit() and int(number_text) > 0 else position
        fmt = t.find(element, "Format")
        primary = t.find(fmt, "Primaerdokument")
        package_name = t.text(primary, "Dateiname")
        original = t.text(primary, "DateinameOriginal") or package_name
        size = fields.get(f"version.{number}.size", "")
        media_type = fields.get(f"version.{number}.media_type") or format_media_type(
            t.code(fmt, "Name")
        )
        return XVersion(
            number=number,
            created_at=parse_datetime(t.text(primary, "DatumUhrzeit")) or created,
            created_by=t.text(primary, "Ersteller") or by,
            file=XFile(
                sha256=fields.get(f"version.{number}.sha256", "").lower(),
                size=int(size) if size.isdigit() else -1,
                filename_original=original,
                media_type=media_type or _media_type(original, package_name),
                format_code=t.code(fmt, "Name"),
                package_name=package_name,
            ),
        )


def _level(code: str) -> str:
    """Our confidentiality level from an xdomea code; none given reads as open."""
    return confidentiality_level(code) if code else "001"


def _media_type(*names: str) -> str:
    for name in names:
        guessed, _ = mimetypes.guess_type(name)
        if guessed:
            return guessed
    return "application/octet-stream"


def read_package(parsed: ParsedMessage) -> Package:
    """The objects of a 0401, 0501 or 0503, flattened to dossiers, cases and documents."""
    tree = _Tree(parsed.namespace)
    header = read_header(parsed)
    reader = _PackageReader(tree, header)
    objects: list[SchriftgutObject] = []
    for holder in tree.findall(parsed.root, "Schriftgutobjekt"):
        for child in holder:
            kind = etree.QName(child).localname
            if kind == "Akte":
                objects.append(reader.dossier(child))
            elif kind == "Vorgang":
                objects.append(reader.case(child))
            elif kind == "Dokument":
                objects.append(reader.document(child))
    return Package(header, objects)


def listed_files(parsed: ParsedMessage) -> list[str]:
    """Every ``Dateiname`` the message names (primary files of all versions and formats)."""
    return [
        " ".join((item.text or "").split())
        for item in parsed.root.iter(f"{{{parsed.namespace}}}Dateiname")
        if (item.text or "").strip()
    ]


def read_results(parsed: ParsedMessage) -> tuple[Header, list[ObjectResult]]:
    """Per-object results of a 0402 (Abgabe) or 0506 (Aussonderung)."""
    tree = _Tree(parsed.namespace)
    path = "AbgegebenesObjekt" if parsed.code == "0402" else "AusgesondertesSGO"
    results = []
    for item in tree.findall(parsed.root, path):
        errors = [" ".join((e.text or "").split()) for e in tree.findall(item, "Fehlermeldung")]
        errors += [tree.code(e, ".") for e in tree.findall(item, "FehlermeldungCode")]
        archive_id = tree.text(item, "Archivkennung")
        ok = bool(_flag(tree.text(item, "Erfolgreich")))
        message = "; ".join(e for e in errors if e) if not ok else archive_id
        results.append(ObjectResult(tree.text(item, "IDSGO").lower(), ok, message))
    return read_header(parsed), results


def read_appraisals(parsed: ParsedMessage) -> tuple[Header, list[Appraisal]]:
    """The archive's decision per object from a 0502 Bewertungsverzeichnis."""
    tree = _Tree(parsed.namespace)
    appraisals = []
    for item in tree.findall(parsed.root, "BewertetesObjekt"):
        decision = tree.code(item, "Aussonderungsart/Aussonderungsart") or tree.text(
            item, "Aussonderungsart/AussonderungsartKonfigurierbar"
        )
        appraisals.append(Appraisal(tree.text(item, "ID").lower(), decision.upper()))
    return read_header(parsed), appraisals


def iter_documents(obj: SchriftgutObject) -> Iterator[XDocument]:
    """Every document of an object, attachments included, in document order."""
    if isinstance(obj, XDossier):
        for case in obj.cases:
            yield from iter_documents(case)
    elif isinstance(obj, XCase):
        for document in obj.documents:
            yield from iter_documents(document)
    else:
        yield obj
        for attachment in obj.attachments:
            yield from iter_documents(attachment)
