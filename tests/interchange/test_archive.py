"""The archive handover end to end, as the registry and the county archive do it: offer (0501),
the archive's appraisal (0502, answered by our receipt 0505), the handover of exactly what the
archive chose (0503) with the destruction of the rest, and the archive's import confirmation
(0506). Each step is recorded with its process; pages show it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from eakte import audit
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import documents, dossiers, versions
from eakte.errors import ConflictError, NotFoundError
from eakte.ingest.filing import Filer
from eakte.interchange import inbox, processes, schemas
from eakte.interchange.export import export_offer, transfer_and_complete
from eakte.records import dossiers as dossier_service
from eakte.retention import runs
from eakte.settings import Settings
from tests.helpers import file_text
from tests.interchange.conftest import ARCHIVE, LONG_AGO, Scene


def _second_dossier(db: Database, filer: Filer, rules: Any) -> Any:
    """Another due dossier under the same plan item (30 years, B): the archive may keep or
    reject it."""
    with db.write() as c:
        dossier = dossier_service.create_dossier(
            c, rules[0], "63.1.2", "Abriss Scheune Hofgut", None, "test"
        )
        case = dossier_service.create_case(c, rules[1], dossier.reference, "Abrissanzeige", "test")
    file_text(db, filer, case, "Anzeige.txt", "Anzeige des Abrisses der Scheune im Hofgut")
    with db.write() as c:
        dossier_service.close_case(c, case.reference, "test", closed_at=LONG_AGO)
        dossier_service.close_dossier(c, dossier.reference, "test", closed_at=LONG_AGO)
    return dossier


def _archive_message(kopf_from: Path, code: str, name: str, body: list[etree._Element]) -> bytes:
    """A message as the archive writes it: our 0501's header with the archive's message type."""
    with zipfile.ZipFile(kopf_from) as archive:
        sent = etree.fromstring(archive.read(kopf_from.name.removesuffix(".zip") + ".xml"))
    ns = etree.QName(sent).namespace
    root = etree.Element(f"{{{ns}}}{name}", nsmap=sent.nsmap)
    kopf = sent.find(f"{{{ns}}}Kopf")
    assert kopf is not None
    kopf.find(f"{{{ns}}}Nachrichtentyp/code").text = code  # type: ignore[union-attr]
    flags = ["Importbestaetigung", "Empfangsbestaetigung", "RueckmeldungArchivkennung"]
    for flag in flags:
        for element in kopf.findall(f"{{{ns}}}{flag}"):
            kopf.remove(element)
    if code == "0502":  # the archive asks whether we received its appraisal (0505)
        etree.SubElement(kopf, f"{{{ns}}}Empfangsbestaetigung").text = "true"
    root.append(kopf)
    for element in body:
        root.append(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _appraised(ns: str, uuid: str, decision: str) -> etree._Element:
    item = etree.Element(f"{{{ns}}}BewertetesObjekt")
    etree.SubElement(item, f"{{{ns}}}ID").text = uuid
    outer = etree.SubElement(item, f"{{{ns}}}Aussonderungsart")
    inner = etree.SubElement(outer, f"{{{ns}}}Aussonderungsart")
    etree.SubElement(inner, "code").text = decision
    return item


def _imported(ns: str, uuid: str, ok: bool) -> etree._Element:
    item = etree.Element(f"{{{ns}}}AusgesondertesSGO")
    etree.SubElement(item, f"{{{ns}}}IDSGO").text = uuid
    etree.SubElement(item, f"{{{ns}}}Erfolgreich").text = "true" if ok else "false"
    return item


def _states(db: Database, run_id: int) -> tuple[str, str]:
    with db.read() as c:
        run = runs.get_run(c, run_id)
        process = processes.for_run(c, run_id)
    assert process is not None
    return run.state, process.state


def test_offer_appraisal_handover_and_confirmation_end_to_end(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    filer: Filer,
    rules: Any,
    scene: Scene,
    tmp_path: Path,
) -> None:
    kept, rejected = scene.county.bau_dossier, _second_dossier(db, filer, rules)
    with db.write() as c:
        run = runs.create_run(c, [kept.reference, rejected.reference], "registratur")
        rejected_hashes = set(
            c.execute(
                select(versions.c.content_sha256)
                .join(documents, documents.c.id == versions.c.document_id)
                .where(documents.c.dossier_id == rejected.id)
            ).scalars()
        )
    outbox = tmp_path / "postausgang"

    # 1. Offer: the run is offered with its 0501, metadata only.
    offer = export_offer(db, blobs, settings, scene.registry, run.id, tmp_path, ARCHIVE)
    assert offer.files == 0 and offer.process_id == run.uuid
    assert _states(db, run.id) == ("offered", "offered")

    # 2. The archive keeps one dossier and rejects the other (0502); we answer with a 0505.
    ns = schemas.namespace("3.0.0")
    appraisal = tmp_path / f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    appraisal.write_bytes(
        _archive_message(
            offer.path,
            "0502",
            "Aussonderung.Bewertungsverzeichnis.0502",
            [_appraised(ns, kept.uuid, "A"), _appraised(ns, rejected.uuid, "V")],
        )
    )
    received = inbox.receive(db, blobs, settings, scene.registry, appraisal, outbox_root=outbox)
    assert "1 archivieren, 1 vernichten" in received.summary
    assert received.reply is not None and received.reply.name.endswith(
        "_Aussonderung.BewertungEmpfangBestaetigen.0505.zip"
    )
    with db.read() as c:
        items = {i.view.uuid: i.appraisal for i in runs.get_run(c, run.id).items}
    assert items == {kept.uuid: "archive", rejected.uuid: "destroy"}
    assert _states(db, run.id) == ("offered", "appraised")

    # 3. Handover: exactly the kept dossier goes out with its files; the other is destroyed.
    done = transfer_and_complete(
        db, blobs, settings, scene.registry, run.id, tmp_path / "0503", ARCHIVE
    )
    assert done.exported is not None
    assert done.completion.handed_over == [kept.reference]
    assert done.completion.destroyed == [rejected.reference]
    with zipfile.ZipFile(done.exported.path) as package:
        xml = package.read(done.exported.path.name.removesuffix(".zip") + ".xml")
        carried = {name for name in package.namelist() if not name.endswith(".xml")}
    schemas.validate(xml, "3.0.0", settings)
    assert kept.uuid.encode() in xml and rejected.uuid.encode() not in xml
    assert len(carried) == done.exported.files == 5
    assert rejected_hashes and not any(blobs.exists(h) for h in rejected_hashes)
    with db.read() as c:
        disposal = dict(c.execute(select(dossiers.c.uuid, dossiers.c.disposal)).all())
    assert disposal[kept.uuid] == "handed_over" and disposal[rejected.uuid] == "destroyed"
    assert _states(db, run.id) == ("completed", "transferred")

    # 4. The archive confirms the import (0506): the process is done.
    confirmation = tmp_path / f"{run.uuid}_Aussonderung.AussonderungImportBestaetigen.0506.xml"
    confirmation.write_bytes(
        _archive_message(
            offer.path,
            "0506",
            "Aussonderung.AussonderungImportBestaetigen.0506",
            [_imported(ns, kept.uuid, True)],
        )
    )
    with db.read() as c:
        kept_hashes = set(
            c.execute(
                select(versions.c.content_sha256)
                .join(documents, documents.c.id == versions.c.document_id)
                .where(documents.c.dossier_id == kept.id)
            ).scalars()
        )
    assert kept_hashes and all(blobs.exists(h) for h in kept_hashes)  # kept until confirmed
    confirmed = inbox.receive(db, blobs, settings, scene.registry, confirmation, outbox_root=outbox)
    assert "bestätigt die Übernahme" in confirmed.summary
    assert "hier gelöscht (5 Datei(en))" in confirmed.summary
    assert not any(blobs.exists(h) for h in kept_hashes)  # the county's copy is gone
    with db.read() as c:
        states = set(
            c.execute(select(documents.c.state).where(documents.c.dossier_id == kept.id)).scalars()
        )
        events = [e.action for e in audit.events_of(c, "dossier", kept.uuid)]
    assert states == {"destroyed"} and "dossier.archived" in events
    assert _states(db, run.id) == ("completed", "archived")
    with db.read() as c:
        process = processes.for_run(c, run.id)
    assert process is not None
    assert [(m.code, m.direction) for m in process.messages] == [
        ("0501", "out"),
        ("0502", "in"),
        ("0505", "out"),
        ("0503", "out"),
        ("0506", "in"),
    ]
    assert all(m.content_sha256 and blobs.exists(m.content_sha256) for m in process.messages)
    results = {o.object_uuid: (o.appraisal, o.result) for o in process.objects}
    assert results[kept.uuid] == ("A", "ok") and results[rejected.uuid] == ("V", None)


def test_an_appraisal_for_an_unknown_process_or_object_changes_nothing(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    scene: Scene,
    tmp_path: Path,
) -> None:
    kept = scene.county.bau_dossier
    with db.write() as c:
        run = runs.create_run(c, [kept.reference], "registratur")
    offer = export_offer(db, blobs, settings, scene.registry, run.id, tmp_path, ARCHIVE)
    ns = schemas.namespace("3.0.0")
    stranger = "0b7c2a4e-1111-4e2f-9a3b-5c6d7e8f9a0b"
    foreign = tmp_path / f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    foreign.write_bytes(
        _archive_message(
            offer.path,
            "0502",
            "Aussonderung.Bewertungsverzeichnis.0502",
            [_appraised(ns, kept.uuid, "A"), _appraised(ns, stranger, "V")],
        )
    )
    with pytest.raises(Exception, match="nicht angeboten"):
        inbox.receive(db, blobs, settings, scene.registry, foreign, outbox_root=tmp_path / "o")
    with db.read() as c:
        (item,) = runs.get_run(c, run.id).items
    assert item.appraisal is None and _states(db, run.id) == ("offered", "offered")

    data = foreign.read_bytes().replace(run.uuid.encode(), stranger.encode())
    unknown = tmp_path / f"{stranger}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    unknown.write_bytes(data)
    with pytest.raises(NotFoundError, match="gibt es hier nicht"):
        inbox.receive(db, blobs, settings, scene.registry, unknown, outbox_root=tmp_path / "o")


def test_a_second_offer_and_a_handover_appraised_anew_are_refused(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    scene: Scene,
    tmp_path: Path,
) -> None:
    kept = scene.county.bau_dossier
    with db.write() as c:
        run = runs.create_run(c, [kept.reference], "registratur")
    export_offer(db, blobs, settings, scene.registry, run.id, tmp_path / "a", ARCHIVE)
    with pytest.raises(ConflictError, match="schon als xdomea 0501"):
        export_offer(db, blobs, settings, scene.registry, run.id, tmp_path / "b", ARCHIVE)
    with pytest.raises(ConflictError, match="lässt sich nicht abschließen"):
        transfer_and_complete(db, blobs, settings, scene.registry, run.id, tmp_path / "c", ARCHIVE)
    assert not (tmp_path / "c").exists()  # refused before any package was written
    assert _states(db, run.id) == ("offered", "offered")
    with db.read() as c:
        assert runs.get_run(c, run.id).completed_at is None


def test_the_cli_runs_the_handover_the_same_way(
    db: Database, settings: Settings, scene: Scene, tmp_path: Path, run: Any
) -> None:
    kept = scene.county.bau_dossier
    created = run("disposal", "create", kept.reference, "--json")
    assert created.code == 0, created.err
    run_id = str(created.json["id"])
    offered = run("export", "offer", run_id, "-o", str(tmp_path), "--to", "Kreisarchiv", "--json")
    assert offered.code == 0, offered.err
    offer_zip = Path(offered.json["path"])
    uuid = offered.json["process_id"]
    ns = schemas.namespace("3.0.0")
    appraisal = tmp_path / f"{uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    appraisal.write_bytes(
        _archive_message(
            offer_zip,
            "0502",
            "Aussonderung.Bewertungsverzeichnis.0502",
            [_appraised(ns, kept.uuid, "A")],
        )
    )
    answered = run("import", "xdomea", str(appraisal), "--json")
    assert answered.code == 0, answered.err
    assert Path(answered.json["reply"]).name.endswith("BewertungEmpfangBestaetigen.0505.zip")
    done = run(
        "export", "transfer", run_id, "-o", str(tmp_path / "out"), "--to", "Kreisarchiv", "--json"
    )
    assert done.code == 0, done.err
    assert done.json["handed_over"] == [kept.reference] and done.json["destroyed"] == []
    assert done.json["package"]["files"] == 5
    again = run("export", "transfer", run_id, "-o", str(tmp_path / "again"), "--to", "Kreisarchiv")
    assert again.code == 1 and "abgeschlossen" in again.err
    assert not (tmp_path / "again").exists()
