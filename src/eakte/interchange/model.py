"""What an xdomea package carries, independent of the XML and of our tables.

Export reads our records into these objects (``interchange.export``) and writes them as a
message (``interchange.writer``); import reads a message into the same objects
(``interchange.reader``) and files them (``interchange.importer``). A round trip therefore
compares like with like: two exports of the same records give equal ``Package`` objects.

Names follow xdomea where it has one: ``Akte`` → ``XDossier``, ``Vorgang`` → ``XCase``,
``Dokument`` → ``XDocument``. IDs are the objects' own UUIDs; references are Aktenzeichen
(``Kennzeichen``). Codes are xdomea code-list values (confidentiality ``001``…``005``,
disposition ``A``/``B``/``V``, medium ``001`` electronic).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

VERSIONS = ("3.0.0", "3.1.0")
DEFAULT_VERSION = "3.0.0"

# Message codes → xdomea message names (root element and file name).
MESSAGE_NAMES = {
    "0401": "Abgabe.Abgabe.0401",
    "0402": "Abgabe.ImportBestaetigen.0402",
    "0403": "Abgabe.EmpfangBestaetigen.0403",
    "0501": "Aussonderung.Anbieteverzeichnis.0501",
    "0502": "Aussonderung.Bewertungsverzeichnis.0502",
    "0503": "Aussonderung.Aussonderung.0503",
    "0504": "Aussonderung.AnbietungEmpfangBestaetigen.0504",
    "0505": "Aussonderung.BewertungEmpfangBestaetigen.0505",
    "0506": "Aussonderung.AussonderungImportBestaetigen.0506",
    "0507": "Aussonderung.AussonderungEmpfangBestaetigen.0507",
}


@dataclass(frozen=True)
class Party:
    """Sender or receiver (``Kopf/Absender``, ``Kopf/Empfaenger``)."""

    authority: str  # Behoerdenkennung/Behoerdenschluessel/code, e.g. the county's key
    institution: str  # Institution/Name
    unit: str | None = None  # Organisationseinheit/Name


@dataclass(frozen=True)
class HistoryEntry:
    """One line of ``HistorienProtokollInformation``."""

    at: datetime  # Datums- und Zeitangabe
    actor: str  # Akteur
    action: str  # Aktion (German sentence, readable by people)
    details: str = ""  # MetadatumName/-Wert where one changed


@dataclass(frozen=True)
class XFile:
    """One primary file of a version (``Version/Format/Primaerdokument``)."""

    sha256: str  # of the bytes; never on the wire as such, checked on import
    size: int
    filename_original: str  # DateinameOriginal: the name it was filed under
    media_type: str
    format_code: str  # Dateiformat code (e.g. "018" pdf), see interchange.codes
    package_name: str = ""  # Dateiname in the package: UUID[_name].ext; set by the writer


@dataclass(frozen=True)
class XVersion:
    number: int  # Nummer
    created_at: datetime
    created_by: str
    file: XFile


@dataclass(frozen=True)
class RetentionInfo:
    """``ArchivspezifischeMetadaten``."""

    retention_years: int | None  # Aufbewahrungsdauer; None = unlimited ("unbefristet")
    disposition: str | None  # Aussonderungsart / Bewertungsvorschlag: A | B | V
    due_on: date | None = None


@dataclass(frozen=True)
class Common:
    """``AllgemeineMetadaten`` shared by every object kind."""

    uuid: str
    reference: str  # Kennzeichen (Aktenzeichen); for documents their title's reference
    subject: str  # Betreff (title for documents)
    begins: date | None  # Laufzeit/Beginn
    ends: date | None  # Laufzeit/Ende (closing day)
    lead_unit: str | None  # Federfuehrung (unit code)
    confidentiality: str  # Vertraulichkeitsstufe code 001…005
    medium: str = "001"  # 001 electronic
    history: tuple[HistoryEntry, ...] = ()
    imported_from: str | None = None  # set on import: the foreign ProzessID


@dataclass(frozen=True)
class XDocument:
    common: Common
    document_date: date  # Datum
    kind: str  # our kind (letter, scan, email, …), kept in Dokumenttyp
    created_at: datetime
    created_by: str
    versions: tuple[XVersion, ...]
    attachments: tuple[XDocument, ...] = ()  # Anlage: e-mail attachments


@dataclass(frozen=True)
class XCase:
    common: Common
    closed_at: datetime | None
    closed_by: str | None
    # A tuple when read from a message; when exported, documents read page by page each time
    # they are iterated (``collect.CaseDocuments``), so a case of any size fits in memory.
    documents: Iterable[XDocument]


@dataclass(frozen=True)
class XDossier:
    common: Common
    plan_item: str  # Aktenplaneinheit/Kennzeichen (plan code)
    plan_title: str
    retention: RetentionInfo
    closed_at: datetime | None
    closed_by: str | None
    cases: tuple[XCase, ...]


SchriftgutObject = XDossier | XCase | XDocument


@dataclass(frozen=True)
class Header:
    """``Kopf``."""

    process_id: str  # ProzessID (UUID), shared by every message of one process
    message: str  # code, e.g. "0401"
    created: datetime  # Erstellungszeitpunkt
    sender: Party
    receiver: Party
    version: str = DEFAULT_VERSION
    sending_system: str = "eakte"
    ask_import_confirmation: bool = True  # Importbestaetigung (0401, 0503)
    ask_receipt: bool = False  # Empfangsbestaetigung
    ask_archive_reference: bool = True  # RueckmeldungArchivkennung (0503 only)


@dataclass
class Package:
    """One message and the objects it carries (in document order)."""

    header: Header
    objects: list[SchriftgutObject] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``<ProzessID>_<message name>`` without suffix; the ZIP and the XML share it."""
        return f"{self.header.process_id}_{MESSAGE_NAMES[self.header.message]}"

    def files(self) -> Iterator[XFile]:
        """Every primary file, in document order (each once per version)."""
        for obj in self.objects:
            yield from _files(obj)


def _files(obj: SchriftgutObject) -> Iterator[XFile]:
    if isinstance(obj, XDossier):
        for case in obj.cases:
            yield from _files(case)
    elif isinstance(obj, XCase):
        for document in obj.documents:
            yield from _files(document)
    else:
        for version in obj.versions:
            yield version.file
        for attachment in obj.attachments:
            yield from _files(attachment)


# Per-object results of a receiver (0402, 0506) and appraisal decisions (0502).
Result = Literal["ok", "error"]


@dataclass(frozen=True)
class ObjectResult:
    uuid: str
    ok: bool
    message: str = ""  # the receiver's error text, or the archive's signature/Archivkennung


@dataclass(frozen=True)
class Appraisal:
    uuid: str
    decision: str  # A archive | V destroy | B review (xdomea Aussonderungsart)
    note: str = ""
