"""Taking in xdomea packages (0401, 0503): what the registry sees afterwards, and the answers
(0402/0506 results, 0502 appraisal) filed to a process we started."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import (
    cases,
    documents,
    dossiers,
    foreign_history,
    interchange_messages,
    interchange_objects,
    interchange_processes,
    versions,
)
from eakte.errors import NotFoundError, PermissionDeniedError, ValidationError
from eakte.interchange import codes, processes, reader, writer
from eakte.interchange.importer import import_package, record_appraisal, record_results
from eakte.interchange.model import (
    Common,
    Header,
    HistoryEntry,
    ObjectResult,
    Package,
    Party,
    RetentionInfo,
    XCase,
    XDocument,
    XDossier,
    XFile,
    XVersion,
)
from eakte.records.organisation import get_user
from eakte.search.service import search
from eakte.settings import Settings
from tests.helpers import make_county

XDOMEA = Path(__file__).resolve().parents[3] / "shared" / "xdomea"
NS = "urn:xoev-de:xdomea:schema:3.0.0"


def kit_path(*parts: str) -> Path:
    path = XDOMEA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"../shared/xdomea/{'/'.join(parts)} fehlt; dieser Test braucht das xdomea-Kit."
        )
    return path


def limited(settings: Settings) -> Settings:
    """The test's settings with the official schemas and small package limits."""
    return settings.model_copy(
        update={
            "xdomea_schemas": kit_path("schema"),
            "xdomea_max_package_bytes": 200_000,
            "xdomea_max_entries": 20,
            "xdomea_max_xml_bytes": 100_000,
        }
    )


@pytest.fixture
def xsettings(settings: Settings) -> Settings:
    return limited(settings)


@pytest.fixture
def county(db: Database, rules: Any) -> Any:
    return make_county(db, rules)


# --------------------------------------------------------------------------- building packages


def _uuid() -> str:
    return str(uuid.uuid4())


@dataclass
class Built:
    """A package made for a test: the model, the files by their package names, the ZIP."""

    package: Package
    files: dict[str, bytes] = field(default_factory=dict)
    xml: bytes = b""

    @property
    def name(self) -> str:
        return self.package.name


def text_document(subject: str, bodies: list[str], files: dict[str, bytes]) -> XDocument:
    doc_uuid = _uuid()
    made: list[XVersion] = []
    for number, body in enumerate(bodies, start=1):
        data = body.encode("utf-8")
        original = f"{subject.replace(' ', '_')}_v{number}.txt"
        name = writer.package_file_name(doc_uuid, number, original, "045")
        files[name] = data
        made.append(
            XVersion(
                number,
                datetime(2019, 3, number, 9, 0, tzinfo=UTC),
                "m.muster",
                XFile("", len(data), original, "text/plain", "045", name),
            )
        )
    common = Common(doc_uuid, "", subject, None, None, None, "001")
    return XDocument(
        common,
        date(2019, 3, 1),
        "letter",
        datetime(2019, 3, 1, 9, tzinfo=UTC),
        "m.muster",
        tuple(made),
    )


def build_0401(message: str = "0401", process_id: str | None = None, marker: str = "") -> Built:
    """A handover of one closed dossier with two cases, three documents, four files."""
    files: dict[str, bytes] = {}
    history = (
        HistoryEntry(datetime(2019, 3, 1, 8, tzinfo=UTC), "m.muster", "Akte angelegt"),
        HistoryEntry(
            datetime(2020, 5, 4, 12, tzinfo=UTC), "k.kurz", "Akte abgeschlossen", "z.d.A."
        ),
    )
    letter = text_document(
        "Antrag Lindenstraße",
        [f"Entwurf des Bauantrags {marker}", f"Bauantrag Windkraftanlage Quellwiese {marker}"],
        files,
    )
    notice = text_document("Bescheid", [f"Die Genehmigung wird erteilt. {marker}"], files)
    memo = text_document("Vermerk", [f"Ortstermin Quellwiese am Montag. {marker}"], files)
    first = XCase(
        Common(
            _uuid(),
            f"FREMD-63-0007/2019-001{marker}",
            "Bauantrag",
            date(2019, 3, 1),
            date(2020, 5, 4),
            "BAU",
            "001",
            history=history[:1],
        ),
        datetime(2020, 5, 4, 12, tzinfo=UTC),
        "k.kurz",
        (letter, notice),
    )
    second = XCase(
        Common(
            _uuid(),
            f"FREMD-63-0007/2019-002{marker}",
            "Ortstermine",
            date(2019, 4, 1),
            None,
            "UNBEKANNT",
            "001",
        ),
        None,
        None,
        (memo,),
    )
    dossier = XDossier(
        Common(
            _uuid(),
            f"FREMD-63-0007/2019{marker}",
            "Windpark Quellwiese",
            date(2019, 3, 1),
            date(2020, 5, 4),
            "FREMD-AMT",
            "002",
            history=history,
        ),
        "63.1.2",
        "Baugenehmigungsverfahren",
        RetentionInfo(30, "B"),
        datetime(2020, 5, 4, 12, tzinfo=UTC),
        "k.kurz",
        (first, second),
    )
    header = Header(
        process_id or _uuid(),
        message,
        datetime(2026, 1, 5, 10, tzinfo=UTC),
        Party("LK-NACHBAR", "Landkreis Nachbarland", "Bauamt"),
        Party("LK-MUSTER", "Landkreis Musterland"),
    )
    package = Package(header, [dossier])
    out = io.BytesIO()
    writer.write_message(package, out)
    return Built(package, files, out.getvalue())


def zip_built(folder: Path, built: Built, extra: dict[str, bytes] | None = None) -> Path:
    path = folder / f"{built.name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{built.name}.xml", built.xml)
        for name, data in {**built.files, **(extra or {})}.items():
            archive.writestr(name, data)
    return path


def edit_xml(built: Built, change: Callable[[Any], None]) -> Built:
    """The same package with its XML changed by ``change(root)``."""
    root = etree.fromstring(built.xml)
    change(root)
    return replace(built, xml=etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def state_fact(built: Built, document_index: int, name: str, value: str) -> Built:
    """Add an extension field (``version.1.sha256`` …) to the n-th document of the message."""

    def change(root: Any) -> None:
        document = root.findall(f".//{{{NS}}}Dokument")[document_index]
        extension = document.find(f"{{{NS}}}AnwendungsspezifischeErweiterung")
        feld = etree.SubElement(extension, f"{{{NS}}}Feld")
        etree.SubElement(feld, f"{{{NS}}}Name").text = name
        etree.SubElement(feld, f"{{{NS}}}Wert").text = value

    return edit_xml(built, change)


# --------------------------------------------------------------------------- tests


def _dossier_row(db: Database, ref_uuid: str) -> Any:
    with db.read() as c:
        return c.execute(select(dossiers).where(dossiers.c.uuid == ref_uuid)).one()


def test_handover_becomes_dossier_with_foreign_ids_history_and_files(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    built = build_0401()
    path = zip_built(tmp_path, built)
    result = import_package(db, blobs, xsettings, path, "63.1.2", "registratur")
    (dossier,) = built.package.objects
    assert isinstance(dossier, XDossier)
    assert result.dossiers == [(dossier.common.uuid, "FREMD-63-0007/2019")]
    assert (result.cases, result.documents, result.files) == (2, 3, 4)

    row = _dossier_row(db, dossier.common.uuid)
    assert row.subject == "Windpark Quellwiese" and row.confidentiality == "002"
    assert row.created_at.date() == date(2019, 3, 1)
    assert row.closed_at is not None and row.imported_from == built.package.header.process_id
    with db.read() as c:
        bau = c.execute(
            select(dossiers.c.lead_unit_id).where(dossiers.c.uuid == county.bau_dossier.uuid)
        ).scalar_one()
        assert row.lead_unit_id == bau  # FREMD-AMT is unknown here: the plan item's unit
        case_rows = c.execute(
            select(cases).where(cases.c.dossier_id == row.id).order_by(cases.c.reference)
        ).all()
        assert [(r.uuid, r.reference, r.closed_at is not None) for r in case_rows] == [
            (case.common.uuid, case.common.reference, case.closed_at is not None)
            for case in dossier.cases
        ]
        letter = dossier.cases[0].documents[0]
        doc = c.execute(select(documents).where(documents.c.uuid == letter.common.uuid)).one()
        assert (doc.title, doc.current_version, doc.imported_from) == (
            "Antrag Lindenstraße",
            2,
            built.package.header.process_id,
        )
        stored = c.execute(
            select(versions.c.number, versions.c.content_sha256, versions.c.filename)
            .where(versions.c.document_id == doc.id)
            .order_by(versions.c.number)
        ).all()
        history = c.execute(
            select(foreign_history.c.action, foreign_history.c.process_id)
            .where(foreign_history.c.object_uuid == dossier.common.uuid)
            .order_by(foreign_history.c.position)
        ).all()
        process = processes.find(c, built.package.header.process_id, "in")
        message = c.execute(
            select(interchange_messages).where(interchange_messages.c.process_ref == process.id)
        ).one()
        results = set(
            c.execute(
                select(interchange_objects.c.object_type, interchange_objects.c.result).where(
                    interchange_objects.c.process_ref == process.id
                )
            ).all()
        )
    for (number, sha, filename), xversion in zip(stored, letter.versions, strict=True):
        with blobs.open(sha) as handle:
            assert handle.read() == built.files[xversion.file.package_name]
        assert number == xversion.number and filename == xversion.file.filename_original
    assert history == [
        ("Akte angelegt", built.package.header.process_id),
        ("Akte abgeschlossen", built.package.header.process_id),
    ]
    assert (process.kind, process.state, process.partner) == (
        "abgabe",
        "imported",
        "Landkreis Nachbarland",
    )
    with blobs.open(message.content_sha256) as handle, zipfile.ZipFile(path) as sent:
        xml_name = f"{built.package.name}.xml"
        assert handle.read() == sent.read(xml_name)  # the message kept as proof
    assert results == {("dossier", "ok"), ("case", "ok"), ("document", "ok")}

    with db.read() as c:
        hits = search(c, get_user(c, "bau"), "Windkraftanlage")
    assert [h.title for h in hits.hits] == ["Antrag Lindenstraße"]


def test_only_the_registry_imports_and_unit_option_applies(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    path = zip_built(tmp_path, build_0401("0503"))
    with db.write() as c:
        clerk = get_user(c, "bau")
    with pytest.raises(PermissionDeniedError, match="Rolle registry"):
        import_package(db, blobs, xsettings, path, "63.1.2", clerk)
    registrar = replace(clerk, roles=frozenset({"registry"}))
    with pytest.raises(NotFoundError, match=r"99\.9"):
        import_package(db, blobs, xsettings, path, "99.9", registrar)
    result = import_package(db, blobs, xsettings, path, "51.2.1", registrar, unit_code="JA")
    with db.read() as c:
        row = c.execute(select(dossiers).where(dossiers.c.uuid == result.dossiers[0][0])).one()
        ja = c.execute(
            select(dossiers.c.lead_unit_id).where(dossiers.c.uuid == county.ja_dossier.uuid)
        ).scalar_one()
        process = processes.find(c, result.process_id, "in")
    assert row.lead_unit_id == ja and process.kind == "aussonderung"


def test_stated_size_and_hash_are_checked_and_may_match(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    import hashlib

    built = build_0401()
    memo_name, memo_bytes = list(built.files.items())[-1]
    built = state_fact(built, 2, "version.1.sha256", hashlib.sha256(memo_bytes).hexdigest())
    built = state_fact(built, 2, "version.1.size", str(len(memo_bytes)))
    result = import_package(db, blobs, xsettings, zip_built(tmp_path, built), "63.1.2", "reg")
    assert result.files == 4 and memo_name in built.files


def test_cli_imports_and_reports_errors(
    run: Any,
    xsettings: Settings,
    county: Any,
    tmp_path: Path,
) -> None:
    path = zip_built(tmp_path, build_0401())
    done = run("import", "xdomea", str(path), "--plan", "63.1.2", "--json")
    assert done.code == 0, done.err
    assert done.json["cases"] == 2 and done.json["files"] == 4
    again = run("import", "xdomea", str(path), "--plan", "63.1.2")
    assert again.code == 1 and "gibt es hier schon" in again.err
    other = zip_built(tmp_path, build_0401(marker="-B"))
    text = run("import", "xdomea", str(other), "--plan", "51.2.1", "--unit", "JA")
    assert text.code == 0 and "1 Akte(n), 2 Vorgang/Vorgänge, 3 Dokument(e)" in text.out


# --------------------------------------------------------------------------- samples


def test_samples_read_and_negative_samples_are_refused(xsettings: Settings) -> None:
    samples = kit_path("samples")
    lavnrw = reader.load_path(
        next((samples / "lavnrw").glob("*_Aussonderung.Aussonderung.0503.xml")), xsettings
    )
    package = reader.read_package(lavnrw)
    (case,) = package.objects
    assert isinstance(case, XCase) and case.common.uuid == "67e456ea-b420-11ec-b503-005056871b7c"
    assert case.closed_at is not None and case.common.history[0].actor == "[Person/System]"
    (document,) = case.documents
    assert document.versions[0].file.package_name == "f4bcaaf7-d7cb-11ef-a278-005056871b7c.txt"
    assert document.versions[0].file.media_type == "text/plain"

    toolkit = samples / "xdomea_toolkit"
    offer = reader.read_package(
        reader.load_path(toolkit / "xx_Aussonderung.Anbieteverzeichnis.0501.xml", xsettings)
    )
    (dossier,) = offer.objects
    assert isinstance(dossier, XDossier) and dossier.retention.disposition == "B"
    assert [len(c.documents) for c in dossier.cases] == [1]
    handed = reader.read_package(
        reader.load_path(toolkit / "xx_Aussonderung.Aussonderung.0503.xml", xsettings)
    )
    assert isinstance(handed.objects[0], XDocument)
    _header, appraisals = reader.read_appraisals(
        reader.load_path(toolkit / "xx_Aussonderung.Bewertungsverzeichnis.0502.xml", xsettings)
    )
    assert [(a.uuid, a.decision) for a in appraisals] == [
        ("cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9", "A")
    ]
    expected = {
        "bad-uuid_0503.xml": "not-a-uuid",
        "bad-dateiname_0503.xml": "Bescheid final.pdf",
        "no-absender_0503.xml": "Absender",
    }
    for name, detail in expected.items():
        with pytest.raises(ValidationError, match="entspricht nicht dem Schema") as caught:
            reader.load_path(samples / "negative" / name, xsettings)
        assert detail in caught.value.message


def test_nested_teilakte_teilvorgang_and_loose_documents_are_flattened(
    xsettings: Settings,
) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<x:Abgabe.Abgabe.0401 xmlns:x="{NS}">
  <x:Kopf><x:ProzessID>{_uuid()}</x:ProzessID><x:Nachrichtentyp><code>0401</code></x:Nachrichtentyp>
    <x:Erstellungszeitpunkt>2026-01-05T10:00:00</x:Erstellungszeitpunkt>
    <x:Absender><x:Institution><x:Name>A</x:Name></x:Institution></x:Absender>
    <x:Empfaenger><x:Institution><x:Name>B</x:Name></x:Institution></x:Empfaenger>
    <x:Importbestaetigung>1</x:Importbestaetigung><x:Empfangsbestaetigung>0</x:Empfangsbestaetigung>
  </x:Kopf>
  <x:Schriftgutobjekt><x:Akte>
    <x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation>
    <x:AllgemeineMetadaten><x:Betreff>Akte</x:Betreff></x:AllgemeineMetadaten>
    <x:Akteninhalt>
      <x:Dokument><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation></x:Dokument>
      <x:Vorgang><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation>
        <x:Dokument><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation></x:Dokument>
        <x:Teilvorgang><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation>
          <x:Dokument><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation></x:Dokument>
        </x:Teilvorgang>
      </x:Vorgang>
      <x:Teilakte><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation>
        <x:Akteninhalt><x:Vorgang><x:Identifikation><x:ID>{_uuid()}</x:ID></x:Identifikation>
          <x:AllgemeineMetadaten><x:Betreff>Im Band</x:Betreff></x:AllgemeineMetadaten>
        </x:Vorgang></x:Akteninhalt>
      </x:Teilakte>
    </x:Akteninhalt>
  </x:Akte></x:Schriftgutobjekt>
</x:Abgabe.Abgabe.0401>""".encode()
    (dossier,) = reader.read_package(reader.load(xml, "nested.xml", xsettings)).objects
    assert isinstance(dossier, XDossier)
    assert [(c.common.subject, len(c.documents)) for c in dossier.cases] == [
        ("", 2),
        ("Im Band", 0),
        ("Dokumente ohne Vorgang", 1),
    ]


# --------------------------------------------------------------------------- answers


def _outgoing(db: Database, kind: str, objects: list[tuple[str, str]]) -> str:
    process_id = _uuid()
    with db.write() as c:
        row = processes.start(c, process_id, "out", kind, "sent", "test", "Landesarchiv")
        processes.set_objects(c, row, objects)
    return process_id


def _reply(folder: Path, header: Header, results: list[ObjectResult]) -> Path:
    path = folder / f"{header.process_id}_Abgabe.ImportBestaetigen.0402.xml"
    writer.write_import_result(header, results, path)
    return path


def test_results_and_appraisal_are_filed_to_our_process(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, tmp_path: Path
) -> None:
    first, second = _uuid(), _uuid()
    process_id = _outgoing(db, "abgabe", [(first, "dossier"), (second, "dossier")])
    header = Header(process_id, "0402", datetime.now(UTC), Party("X", "Nachbar"), Party("Y", "Wir"))
    path = _reply(
        tmp_path,
        header,
        [ObjectResult(first, True), ObjectResult(second, False, "Akte unvollständig")],
    )
    record_results(db, blobs, xsettings, path, "reg")
    with db.read() as c:
        process = processes.find(c, process_id, "out")
        states = {
            o.object_uuid: (o.result, o.result_message)
            for o in processes.get_process(c, process.id).objects
        }
    assert process.state == "failed"
    assert states == {first: ("ok", ""), second: ("error", "Akte unvollständig")}

    unknown = replace(header, process_id=_uuid())
    with pytest.raises(NotFoundError, match="gibt es hier nicht"):
        record_results(
            db, blobs, xsettings, _reply(tmp_path, unknown, [ObjectResult(first, True)]), "reg"
        )

    offered = _outgoing(db, "aussonderung", [("cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9", "dossier")])
    sample = kit_path("samples", "xdomea_toolkit", "xx_Aussonderung.Bewertungsverzeichnis.0502.xml")
    data = sample.read_bytes().replace(b"242f44e8-bebf-4503-a086-db252c6a4277", offered.encode())
    appraisal = tmp_path / f"{offered}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    appraisal.write_bytes(data)
    decided = record_appraisal(db, blobs, xsettings, appraisal, "reg")
    assert [a.decision for a in decided] == ["A"]
    with db.read() as c:
        row = processes.find(c, offered, "out")
        (state,) = processes.get_process(c, row.id).objects
    assert (row.state, state.appraisal) == ("appraised", "A")


def count_rows(db: Database) -> dict[str, int]:
    """Rows of every table an import writes (used by the hostile-package tests too)."""
    tables = (
        dossiers,
        cases,
        documents,
        versions,
        foreign_history,
        interchange_processes,
        interchange_messages,
        interchange_objects,
    )
    with db.read() as c:
        counts = {
            t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in tables
        }
        index = "search_fts" if db.is_sqlite else "search_index"
        for name in ("contents", "document_texts", "audit_events", index):
            counts[name] = c.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
    return counts


def blob_files(blobs: FolderBlobStore) -> list[str]:
    return sorted(str(p.relative_to(blobs.root)) for p in blobs.root.rglob("*") if p.is_file())


def test_codes_of_confidentiality_round_trip() -> None:
    assert codes.confidentiality_level(codes.confidentiality_code("002")) == "002"


def test_the_lavnrw_sample_imports_as_records_when_packed_with_its_file(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    """The official example 0503 (a closed case with one text document) packed as xdomea
    packs it, with a file of ours under the name the message gives, becomes records here."""
    sample = next(kit_path("samples", "lavnrw").glob("*_Aussonderung.Aussonderung.0503.xml"))
    path = tmp_path / f"{sample.stem}.zip"
    text = "Vermerk über die Aussonderung, Beispieltext.".encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(sample, sample.name)
        archive.writestr("f4bcaaf7-d7cb-11ef-a278-005056871b7c.txt", text)
    result = import_package(db, blobs, xsettings, path, "63.1.2", "reg")
    assert (result.message, result.cases, result.documents, result.files) == ("0503", 1, 1, 1)
    with db.read() as c:
        case = c.execute(
            select(cases).where(cases.c.uuid == "67e456ea-b420-11ec-b503-005056871b7c")
        ).one()
        (document,) = c.execute(select(documents).where(documents.c.case_id == case.id)).all()
        history = (
            c.execute(
                select(foreign_history.c.actor).where(foreign_history.c.object_uuid == case.uuid)
            )
            .scalars()
            .all()
        )
    assert case.closed_at is not None and case.imported_from == result.process_id
    assert document.media_type == "text/plain" and "[Person/System]" in history
    with db.read() as c:
        hits = search(c, get_user(c, "bau"), "Aussonderung Beispieltext")
    assert [h.document_id for h in hits.hits] == [document.uuid]
