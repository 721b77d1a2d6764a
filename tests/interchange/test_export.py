"""xdomea export on both backends: every message we produce validates against the official
schemas (3.0.0 and 3.1.0), a 0401 carries every version's file byte for byte with the metadata
and history, and broken or unauthorised exports leave nothing behind."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from eakte import audit
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import interchange_messages, interchange_processes
from eakte.errors import ConflictError, PermissionDeniedError, ValidationError
from eakte.interchange import schemas
from eakte.interchange.export import export_handover, export_offer, export_transfer
from eakte.interchange.model import (
    VERSIONS,
    Common,
    Header,
    ObjectResult,
    Package,
    XCase,
    XDocument,
    XFile,
    XVersion,
)
from eakte.interchange.package import write_package, write_reply_package
from eakte.interchange.writer import package_file_name
from eakte.records.organisation import get_user
from eakte.retention import runs
from eakte.settings import Settings
from tests.interchange.conftest import ARCHIVE, NEIGHBOUR, PROCESS, Scene


def _ns(version: str) -> dict[str, str]:
    return {"x": schemas.namespace(version)}


def _xml_of(zip_path: Path) -> tuple[bytes, list[str]]:
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        xml_name = zip_path.name.removesuffix(".zip") + ".xml"
        return archive.read(xml_name), names


def test_handover_carries_every_file_metadata_and_history(
    db: Database, blobs: FolderBlobStore, settings: Settings, scene: Scene, tmp_path: Path
) -> None:
    ref = scene.county.bau_dossier.reference
    out = tmp_path / "out"
    done = export_handover(db, blobs, settings, scene.registry, [ref], out, NEIGHBOUR)
    assert done.path == out / f"{done.process_id}_Abgabe.Abgabe.0401.zip"
    assert sorted(os.listdir(out)) == [done.path.name]  # no temporary files left
    xml, names = _xml_of(done.path)
    tree = etree.fromstring(xml)
    ns = _ns("3.0.0")
    akte = tree.find("x:Schriftgutobjekt/x:Akte", ns)
    assert akte is not None
    assert akte.findtext("x:AllgemeineMetadaten/x:Kennzeichen", namespaces=ns) == ref
    assert akte.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=ns) == (
        "Neubau Lindenstraße 12"
    )
    assert akte.findtext("x:Laufzeit/x:Ende", namespaces=ns) == "1990-06-01"
    assert akte.findtext("x:Laufzeit/x:Beginn", namespaces=ns)
    archive_data = "x:ArchivspezifischeMetadaten/"
    assert akte.findtext(archive_data + "x:Aufbewahrungsdauer/x:AnzahlJahre", namespaces=ns) == "30"
    assert (
        akte.findtext(archive_data + "x:Aussonderungsart/x:Aussonderungsart/code", namespaces=ns)
        == "B"
    )
    assert akte.findtext(archive_data + "x:Aufbewahrungsende", namespaces=ns) == "2020-12-31"
    assert (
        akte.findtext("x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", namespaces=ns)
        == "63.1.2"
    )
    actions = [
        a.text or "" for a in tree.iterfind(".//x:HistorienProtokollInformation/x:Aktion", ns)
    ]
    assert any(a.startswith(f"Akte angelegt: {ref}") for a in actions)
    assert any(a.startswith("Neue Version 2 abgelegt") for a in actions)
    assert "Akte abgeschlossen (z.d.A.)" in actions
    # Every version's primary file, flat, named as in Dateiname, byte for byte.
    listed = [d.text for d in tree.iterfind(".//x:Primaerdokument/x:Dateiname", ns)]
    assert sorted(names) == sorted([*listed, done.path.name.removesuffix(".zip") + ".xml"])
    assert all("/" not in name and name.isascii() for name in listed)
    assert done.files == len(listed) == len(scene.originals) == 5  # 2 versions, pdf, mail, annex
    with zipfile.ZipFile(done.path) as archive:
        carried = {name: archive.read(name) for name in listed}
    assert sorted(carried.values()) == sorted(scene.originals.values())
    (letter,) = tree.xpath(f"//x:Dokument[x:Identifikation/x:ID='{scene.letter}']", namespaces=ns)
    assert [v.findtext("x:Nummer", namespaces=ns) for v in letter.iterfind("x:Version", ns)] == [
        "1",
        "2",
    ]
    first = letter.findtext("x:Version/x:Format/x:Primaerdokument/x:Dateiname", namespaces=ns)
    assert first and first.endswith("_Bescheid_Groesse.txt") and carried[first] == b"Entwurf eins"
    assert tree.find(".//x:Dokument/x:Anlage", ns) is not None  # the mail's attachment
    # Audited and recorded as a process of ours.
    with db.read() as c:
        events = audit.events_of(c, "dossier", scene.county.bau_dossier.uuid)
        process = c.execute(interchange_processes.select()).one()
        message = c.execute(interchange_messages.select()).one()
    assert events[-1].action == "xdomea.handover" and events[-1].actor == "registratur"
    assert events[-1].details["process_id"] == done.process_id
    assert (process.process_id, process.direction, process.state) == (
        done.process_id,
        "out",
        "sent",
    )
    assert (message.code, message.package_name, message.objects) == ("0401", done.path.name, 1)


def test_only_the_registry_exports_and_the_cli_writes_the_package(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    scene: Scene,
    tmp_path: Path,
    run: Any,
) -> None:
    ref = scene.county.bau_dossier.reference
    with db.read() as c:
        clerk = get_user(c, "bau")
    with pytest.raises(PermissionDeniedError, match="Rolle registry"):
        export_handover(db, blobs, settings, clerk, [ref], tmp_path / "nein", NEIGHBOUR)
    assert not (tmp_path / "nein").exists()
    with db.read() as c:
        assert not [
            e
            for e in audit.events_of(c, "dossier", scene.county.bau_dossier.uuid)
            if e.action.startswith("xdomea")
        ]
    out = tmp_path / "cli"
    result = run(
        "export",
        "xdomea",
        ref,
        "--version",
        "3.1.0",
        "-o",
        str(out),
        "--to",
        "Landkreis Nachbarland",
        "--as",
        "registratur",
        "--json",
    )
    assert result.code == 0, result.err
    answer = result.json
    assert (
        answer["files"] == 5
        and answer["objects"] == 1
        and answer["bytes"] == sum(len(b) for b in scene.originals.values())
    )
    assert Path(answer["path"]).is_file() and answer["version"] == "3.1.0"
    refused = run("export", "xdomea", ref, "-o", str(out), "--as", "bau")
    assert refused.code == 1 and "registry" in refused.err


def test_every_message_we_produce_validates_in_both_versions(
    db: Database, blobs: FolderBlobStore, settings: Settings, scene: Scene, tmp_path: Path
) -> None:
    ref = scene.county.bau_dossier.reference
    for version in VERSIONS:
        out = tmp_path / version
        with db.write() as c:  # one process per version: a 0501 is sent once per process
            run = runs.create_run(c, [ref], "registratur", "Aussonderung")
        made = [
            export_handover(db, blobs, settings, scene.registry, [ref], out, NEIGHBOUR, version),
            export_offer(db, blobs, settings, scene.registry, run.id, out, ARCHIVE, version),
            export_transfer(
                db,
                blobs,
                settings,
                scene.registry,
                run.id,
                [scene.county.bau_dossier.uuid],
                out,
                ARCHIVE,
                version,
            ),
        ]
        offer, transfer = made[1], made[2]
        assert offer.process_id == transfer.process_id == run.uuid
        assert offer.files == 0 and transfer.files == 5
        for exported in made:
            xml, _ = _xml_of(exported.path)
            schemas.validate(xml, version, settings)
            assert etree.QName(etree.fromstring(xml)).namespace == schemas.namespace(version)
        header = Header(PROCESS, "0402", datetime.now(UTC), NEIGHBOUR, ARCHIVE, version)
        results = [
            ObjectResult(scene.county.bau_dossier.uuid, True),
            ObjectResult(PROCESS, False, "Aktenplan fehlt"),
        ]
        replies = [write_reply_package(header, out, settings, results)]
        for code in ("0403", "0504", "0505"):
            replies.append(
                write_reply_package(
                    Header(PROCESS, code, datetime.now(UTC), NEIGHBOUR, ARCHIVE, version),
                    out,
                    settings,
                )
            )
        for path in replies:
            xml, names = _xml_of(path)
            assert len(names) == 1
            schemas.validate(xml, version, settings)
        with db.read() as c:
            assert runs.get_run(c, run.id).state == "offered"  # the 0501 offered the run
        again = tmp_path / f"again-{version}"
        with pytest.raises(ConflictError, match="schon als xdomea 0501 angeboten"):
            export_offer(db, blobs, settings, scene.registry, run.id, again, ARCHIVE, version)
        assert not list(again.iterdir())  # refused: no package left behind
        if version != VERSIONS[-1]:
            with db.write() as c:
                runs.cancel_run(c, run.id, "registratur")
    with db.read() as c:
        events = audit.events_of(c, "dossier", scene.county.bau_dossier.uuid)
    assert {"xdomea.offer", "xdomea.transfer"} <= {e.action for e in events}
    with pytest.raises(ValidationError, match="gehört nicht zum Aussonderungslauf"):
        export_transfer(
            db,
            blobs,
            settings,
            scene.registry,
            run.id,
            [scene.county.ja_dossier.reference],
            tmp_path / "x",
            ARCHIVE,
        )


# --------------------------------------------------------------------------- without database


def _broken_package(blobs: FolderBlobStore) -> Package:
    stored = blobs.put_bytes(b"Inhalt")
    doc_id = "6c1d7e3f-4a8b-4d2c-9e3f-9b2c3d4e5f60"
    file = XFile(
        stored.sha256,
        stored.size,
        "a.txt",
        "text/plain",
        "045",
        package_file_name(doc_id, 1, "a.txt", "045"),
    )
    now = datetime.now(UTC)
    document = XDocument(
        Common(doc_id, "", "Brief", None, None, "BAU", "001"),
        date(2025, 1, 2),
        "text",
        now,
        "bau",
        (XVersion(1, now, "bau", file),),
    )
    case = XCase(
        Common("", "63.1.2-0001/2026-001", "Vorgang ohne ID", None, None, "BAU", "001"),
        None,
        None,
        (document,),
    )
    return Package(Header(PROCESS, "0401", now, ARCHIVE, NEIGHBOUR), [case])


def test_an_invalid_message_is_refused_with_the_schema_errors_and_no_zip(
    plain_settings: Settings, tmp_path: Path
) -> None:
    blobs = FolderBlobStore(tmp_path / "blobs")
    out = tmp_path / "out"
    with pytest.raises(ValidationError) as caught:
        write_package(_broken_package(blobs), out, blobs, plain_settings)
    assert "entspricht nicht dem Schema 3.0.0" in caught.value.message
    assert "Zeile" in caught.value.message and "ID" in caught.value.message
    assert os.listdir(out) == []


def test_a_changed_blob_is_refused_and_no_zip_is_left(
    plain_settings: Settings, tmp_path: Path
) -> None:
    blobs = FolderBlobStore(tmp_path / "blobs")
    package = _broken_package(blobs)
    fixed = package.objects[0]
    assert isinstance(fixed, XCase)
    package.objects = [fixed.documents[0]]
    sha = next(iter(package.files())).sha256
    os.chmod(blobs.path(sha), 0o644)
    blobs.path(sha).write_bytes(b"Inhalt!")  # altered behind eakte's back
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="Prüfwert"):
        write_package(package, out, blobs, plain_settings)
    assert os.listdir(out) == []


def test_missing_schemas_and_unknown_namespaces_give_german_messages(
    plain_settings: Settings, tmp_path: Path
) -> None:
    missing = plain_settings.model_copy(update={"xdomea_schemas": tmp_path / "nirgends"})
    with pytest.raises(ValidationError) as caught:
        schemas.validate(b"<a/>", "3.0.0", missing)
    assert "EAKTE_XDOMEA_SCHEMAS" in caught.value.message
    assert str(tmp_path / "nirgends" / "3.0.0" / "xdomea.xsd") in caught.value.message
    assert schemas.detect_version("urn:xoev-de:xdomea:schema:3.1.0") == "3.1.0"
    with pytest.raises(ValidationError, match="kein unterstütztes xdomea"):
        schemas.detect_version("urn:xoev-de:xdomea:schema:4.0.0")
    with pytest.raises(ValidationError, match="DOCTYPE"):
        schemas.validate(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "3.0.0", plain_settings)


def test_the_shared_samples_validate_and_the_broken_ones_do_not(
    plain_settings: Settings, xdomea_path: Path
) -> None:
    for sample in sorted((xdomea_path / "samples" / "xdomea_toolkit").glob("*.xml")):
        schemas.validate(sample, "3.0.0", plain_settings)
    for broken in sorted((xdomea_path / "samples" / "negative").glob("*.xml")):
        with pytest.raises(ValidationError, match="Zeile"):
            schemas.validate(io.BytesIO(broken.read_bytes()).getvalue(), "3.0.0", plain_settings)
