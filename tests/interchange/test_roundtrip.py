"""Round trip between two eakte installations, on both backends: a 0401 exported here and
taken in by an empty installation exports again with the same metadata and byte-identical
files, its history carried on (the receiver's import appended); and a package whose file bytes
were swapped on the way is refused, nothing stored."""

from __future__ import annotations

import contextlib
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from eakte.blobs.store import FolderBlobStore
from eakte.core.fileplan import parse_plan_csv
from eakte.db.engine import Database
from eakte.db.schema import (
    cases,
    documents,
    dossiers,
    foreign_history,
    interchange_processes,
    versions,
)
from eakte.errors import ValidationError
from eakte.ingest.filing import Filer
from eakte.interchange import reader
from eakte.interchange.export import export_handover
from eakte.interchange.importer import import_package
from eakte.interchange.model import (
    HistoryEntry,
    SchriftgutObject,
    XCase,
    XDocument,
    XDossier,
)
from eakte.records import dossiers as records
from eakte.records import fileplan, organisation
from eakte.records.organisation import User, get_user
from eakte.settings import Settings
from tests.helpers import PLAN, file_text
from tests.interchange.conftest import NEIGHBOUR, Scene

# --------------------------------------------------------------------------- second instance


@dataclass
class Instance:
    """A second, empty installation: its own database and blob folder, the same plan."""

    settings: Settings
    db: Database
    blobs: FolderBlobStore
    registry: User


@contextlib.contextmanager
def _second_database(
    backend: str, folder: Path, request: pytest.FixtureRequest
) -> Iterator[str | None]:
    """``None`` for SQLite (a copy of the migrated template in ``folder``), else the URL of a
    new PostgreSQL database made from the migrated template, dropped afterwards."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        (folder / "eakte.sqlite3").write_bytes(template.read_bytes())
        yield None
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"eakte_second_{uuid.uuid4().hex[:12]}"
    admin = create_engine(cluster.url("postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE eakte_template"))
    try:
        yield cluster.url(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def second_instance(
    backend: str, tmp_path: Path, settings: Settings, request: pytest.FixtureRequest
) -> Iterator[Instance]:
    """An empty installation on the same backend with the units, the file plan and a
    registry user, but no records."""
    data = tmp_path / "second"
    data.mkdir()
    with _second_database(backend, data, request) as url:
        own = Settings(data=data, database_url=url, xdomea_schemas=settings.xdomea_schemas)
        db = Database(own)
        blobs = FolderBlobStore(own.resolved_blob_dir)
        blobs.ensure()
        with db.write() as c:
            organisation.add_unit(c, "KV", "Kreisverwaltung", None, "admin")
            organisation.add_unit(c, "D2", "Dezernat II", "KV", "admin")
            organisation.add_unit(c, "BAU", "Bauamt", "D2", "admin")
            organisation.add_unit(c, "BAU-1", "Sachgebiet Baugenehmigungen", "BAU", "admin")
            organisation.add_unit(c, "JA", "Jugendamt", "KV", "admin")
            organisation.add_user(c, "empfang", "Erna Empfang", ["KV"], "admin", ["registry"])
            fileplan.import_plan(c, parse_plan_csv(PLAN), "admin")
            registry = get_user(c, "empfang")
        try:
            yield Instance(own, db, blobs, registry)
        finally:
            db.dispose()


def _counts(instance: Instance) -> dict[str, int]:
    tables = (dossiers, cases, documents, versions, foreign_history, interchange_processes)
    with instance.db.read() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


# --------------------------------------------------------------------------- records to send


RECENT = datetime(2025, 11, 3, 14, 30, tzinfo=UTC)


def _open_dossier(db: Database, filer: Filer, rules: Any) -> str:
    """A second dossier next to the scene's closed one: open, lead unit BAU-1 (not the plan
    item's), confidentiality 002, one case closed by someone else, one open with a letter."""
    with db.write() as c:
        dossier = records.create_dossier(
            c, rules[0], "63.1.2", "Umbau Marktplatz 3", "BAU-1", "bau1", "002"
        )
        done = records.create_case(c, rules[1], dossier.reference, "Voranfrage", "bau1")
        running = records.create_case(c, rules[1], dossier.reference, "Bauantrag", "bau1")
    file_text(db, filer, done, "Antwort Voranfrage.txt", "Die Voranfrage ist positiv.")
    file_text(db, filer, running, "Eingangsbestätigung.txt", "Ihr Antrag ist eingegangen.")
    with db.write() as c:
        records.close_case(c, done.reference, "bau1", closed_at=RECENT)
    return dossier.reference


# --------------------------------------------------------------------------- comparing


def _package(zip_path: Path, settings: Settings) -> Any:
    name = zip_path.name.removesuffix(".zip")
    with zipfile.ZipFile(zip_path) as archive:
        data = archive.read(f"{name}.xml")
    return reader.read_package(reader.load(data, f"{name}.xml", settings))


def _primary_files(zip_path: Path) -> dict[str, bytes]:
    xml = zip_path.name.removesuffix(".zip") + ".xml"
    with zipfile.ZipFile(zip_path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != xml}


def _walk(obj: SchriftgutObject) -> Iterator[SchriftgutObject]:
    yield obj
    if isinstance(obj, XDossier):
        for case in obj.cases:
            yield from _walk(case)
    elif isinstance(obj, XCase):
        for document in obj.documents:
            yield from _walk(document)
    else:
        for attachment in obj.attachments:
            yield from _walk(attachment)


def _histories(objects: list[SchriftgutObject]) -> dict[str, tuple[HistoryEntry, ...]]:
    return {o.common.uuid: o.common.history for top in objects for o in _walk(top)}


def _without_history(obj: Any) -> Any:
    """The object with no history and no ``imported_from`` (the reader sets it to the
    message's own ProzessID), recursively: what must survive the round trip unchanged."""
    common = replace(obj.common, history=(), imported_from=None)
    if isinstance(obj, XDossier):
        return replace(obj, common=common, cases=tuple(_without_history(c) for c in obj.cases))
    if isinstance(obj, XCase):
        inner = tuple(_without_history(d) for d in obj.documents)
        return replace(obj, common=common, documents=inner)
    assert isinstance(obj, XDocument)
    inner = tuple(_without_history(a) for a in obj.attachments)
    return replace(obj, common=common, attachments=inner)


def _differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two model objects differ, as ``path: left != right`` (readable failures)."""
    if is_dataclass(left) and type(left) is type(right):
        return [
            found
            for item in fields(left)
            for found in _differences(
                getattr(left, item.name), getattr(right, item.name), f"{path}.{item.name}"
            )
        ]
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        if len(left) != len(right):
            return [f"{path}: {len(left)} != {len(right)} Einträge"]
        return [
            found
            for index, (a, b) in enumerate(zip(left, right, strict=True))
            for found in _differences(a, b, f"{path}[{index}]")
        ]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


# --------------------------------------------------------------------------- tests


def test_round_trip_keeps_metadata_files_and_history(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    filer: Filer,
    rules: Any,
    scene: Scene,
    second_instance: Instance,
    tmp_path: Path,
) -> None:
    closed_ref = scene.county.bau_dossier.reference
    open_ref = _open_dossier(db, filer, rules)
    refs = [closed_ref, open_ref]
    first = export_handover(db, blobs, settings, scene.registry, refs, tmp_path / "1", NEIGHBOUR)

    other = second_instance
    imported = import_package(
        other.db, other.blobs, other.settings, first.path, "63.1.2", other.registry
    )
    assert [reference for _uuid, reference in imported.dossiers] == refs
    again = export_handover(
        other.db, other.blobs, other.settings, other.registry, refs, tmp_path / "2", NEIGHBOUR
    )

    sent, returned = _package(first.path, settings), _package(again.path, other.settings)
    # What we are comparing is rich: two dossiers (one closed), four cases (one open),
    # several versions, an e-mail with its attachment, confidentiality 002, lead unit BAU-1.
    every = [o for top in sent.objects for o in _walk(top)]
    assert sum(isinstance(o, XCase) and o.closed_at is None for o in every) == 1
    assert any(isinstance(o, XDocument) and len(o.versions) == 2 for o in every)
    assert any(isinstance(o, XDocument) and o.attachments for o in every)
    assert {o.common.lead_unit for o in every if isinstance(o, XDossier)} == {"BAU", "BAU-1"}
    assert {o.common.confidentiality for o in every} == {"001", "002"}
    # Every file states its hash and size, so the receiver checks each one.
    assert all(len(f.sha256) == 64 and f.size > 0 for f in sent.files())

    kept = [_without_history(o) for o in sent.objects]
    came_back = [_without_history(o) for o in returned.objects]
    differences = _differences(came_back, kept)
    assert not differences, "\n".join(differences)
    assert came_back == kept

    before, after = _histories(sent.objects), _histories(returned.objects)
    assert before.keys() == after.keys()
    dossier_uuids = {o.common.uuid for o in sent.objects}
    for object_uuid, history in before.items():
        assert history, f"{object_uuid} kam ohne Historie"
        assert after[object_uuid][: len(history)] == history
        added = after[object_uuid][len(history) :]
        if object_uuid in dossier_uuids:
            assert [entry.action for entry in added] == [
                "Aus einem xdomea-Paket übernommen (Abgabe oder Aussonderung)"
            ]
            assert added[0].actor == "Erna Empfang (empfang)"
        else:
            assert added == ()

    assert _primary_files(again.path) == _primary_files(first.path)
    assert set(_primary_files(first.path).values()) >= set(scene.originals.values())


def _swap(source: Path, target: Path, name: str, data: bytes) -> None:
    """``source`` rewritten to ``target`` with the bytes of entry ``name`` replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == name else old.read(info))


def test_swapped_file_bytes_are_refused_and_nothing_is_stored(
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    scene: Scene,
    second_instance: Instance,
    tmp_path: Path,
) -> None:
    ref = scene.county.bau_dossier.reference
    sent = export_handover(db, blobs, settings, scene.registry, [ref], tmp_path / "out", NEIGHBOUR)
    files = _primary_files(sent.path)
    name = next(n for n, data in files.items() if data == b"Entwurf zwei, endgueltig")
    other = second_instance
    empty = _counts(other)
    assert set(empty.values()) == {0}

    swapped = tmp_path / "swapped" / sent.path.name
    swapped.parent.mkdir()
    _swap(sent.path, swapped, name, b"Entwurf ZWEI, endgueltig")  # same size, other bytes
    with pytest.raises(ValidationError) as refused:
        import_package(other.db, other.blobs, other.settings, swapped, "63.1.2", other.registry)
    assert refused.value.message == (
        f"Datei {name}: der Hashwert stimmt nicht mit der Nachricht überein (Datei beschädigt "
        "oder ausgetauscht); nichts übernommen."
    )
    assert _counts(other) == empty
    assert list(other.blobs.iter_hashes()) == []

    _swap(sent.path, swapped, name, b"Entwurf zwei, doch nicht endgueltig")
    with pytest.raises(ValidationError, match=f"Datei {name} ist 35 Bytes groß, die Nachricht "):
        import_package(other.db, other.blobs, other.settings, swapped, "63.1.2", other.registry)
    assert _counts(other) == empty
    assert list(other.blobs.iter_hashes()) == []

    # The package as sent is taken in.
    import_package(other.db, other.blobs, other.settings, sent.path, "63.1.2", other.registry)
    assert _counts(other)["versions"] == len(files)
