"""Hostile and broken packages: each is refused with a German message that names what was
wrong, and leaves the database and the blob store exactly as they were."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.errors import EakteError
from eakte.interchange.importer import import_package
from eakte.settings import Settings
from tests.helpers import make_county
from tests.interchange.test_import import (
    NS,
    Built,
    blob_files,
    build_0401,
    count_rows,
    limited,
    state_fact,
    zip_built,
)

HEAD = """<x:Kopf><x:ProzessID>{pid}</x:ProzessID>
<x:Nachrichtentyp><code>0401</code></x:Nachrichtentyp>
<x:Erstellungszeitpunkt>2026-01-05T10:00:00</x:Erstellungszeitpunkt>
<x:Absender><x:Institution><x:Name>A</x:Name></x:Institution></x:Absender>
<x:Empfaenger><x:Institution><x:Name>B</x:Name></x:Institution></x:Empfaenger>
<x:Importbestaetigung>1</x:Importbestaetigung><x:Empfangsbestaetigung>0</x:Empfangsbestaetigung>
</x:Kopf>"""


@pytest.fixture
def xsettings(settings: Settings) -> Settings:
    return limited(settings)


@pytest.fixture
def county(db: Database, rules: Any) -> Any:
    return make_county(db, rules)


def bare(folder: Path, body: str, prolog: str = "", namespace: str = NS, root: str = "") -> Path:
    """A message without files, as a bare XML file named like a package."""
    pid = str(uuid.uuid4())
    root = root or "Abgabe.Abgabe.0401"
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<x:{root} xmlns:x="{namespace}">{HEAD.format(pid=pid)}{body}</x:{root}>'
    )
    path = folder / f"{pid}_Abgabe.Abgabe.0401.xml"
    path.write_text(text, encoding="utf-8")
    return path


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
OBJECT = "<x:Schriftgutobjekt><x:Dokument><x:Identifikation><x:ID>{}</x:ID></x:Identifikation>"


def _xml_cases(folder: Path) -> dict[str, Callable[[], tuple[Path, str]]]:
    doc = OBJECT.format(uuid.uuid4()) + "</x:Dokument></x:Schriftgutobjekt>"
    return {
        "billion_laughs": lambda: (
            bare(folder, doc.replace("</x:Dokument>", "&lol9;</x:Dokument>"), LAUGHS),
            "DTD/Entitäten",
        ),
        "file_entity": lambda: (
            bare(folder, doc, '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'),
            "DTD/Entitäten; das ist in xdomea nicht erlaubt",
        ),
        "http_entity": lambda: (
            bare(folder, doc, '<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>\n'),
            "DTD/Entitäten",
        ),
        "doctype": lambda: (bare(folder, doc, "<!DOCTYPE x>\n"), "DTD/Entitäten"),
        "namespace": lambda: (
            bare(folder, doc, namespace="urn:example:fremd"),
            "urn:example:fremd",
        ),
        "root": lambda: (
            bare(folder, doc, root="Aussonderung.Anbieteverzeichnis.0501"),
            "Aussonderung.Anbieteverzeichnis.0501",
        ),
        "schema": lambda: (bare(folder, "<x:Unbekannt/>"), "entspricht nicht dem Schema 3.0.0"),
    }


def _entry(name: str, data: bytes = b"x", mode: int | None = None) -> Any:
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.external_attr = mode << 16
    return info, data


def _zip(folder: Path, built: Built, entries: list[tuple[Any, bytes]]) -> Path:
    path = zip_built(folder, built)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # duplicate names are the point here
                archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _flag_encrypted(path: Path, name: str) -> Path:
    """Set the »encrypted« bit of an entry (zipfile cannot write encrypted entries)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    start = data.find(encoded)
    while start != -1:
        if data[start - 46 : start - 42] == b"PK\x01\x02":  # central directory
            data[start - 46 + 8] |= 0x1
        if data[start - 30 : start - 26] == b"PK\x03\x04":  # local header
            data[start - 30 + 6] |= 0x1
        start = data.find(encoded, start + 1)
    path.write_bytes(bytes(data))
    return path


def _zip_cases(folder: Path) -> dict[str, Callable[[], tuple[Path, str]]]:
    built = build_0401()
    first = next(iter(built.files))
    link = stat.S_IFLNK | 0o777
    return {
        "absolute": lambda: (_zip(folder, built, [_entry("/etc/cron.d/x")]), "absoluter Pfad"),
        "drive": lambda: (_zip(folder, built, [_entry("C:evil.txt")]), "absoluter Pfad"),
        "dotdot": lambda: (_zip(folder, built, [_entry("../../evil.txt")]), "»..«"),
        "backslash": lambda: (_zip(folder, built, [_entry("..\\evil.txt")]), "Backslash"),
        "subfolder": lambda: (_zip(folder, built, [_entry("sub/file.txt")]), "Unterordner"),
        "symlink": lambda: (
            _zip(folder, built, [_entry("link.txt", b"/etc/passwd", link)]),
            "symbolischer Link",
        ),
        "duplicate": lambda: (_zip(folder, built, [_entry(first)]), "doppelt vorhanden"),
        "case_duplicate": lambda: (
            _zip(folder, built, [_entry(first.upper())]),
            "Groß-/Kleinschreibung",
        ),
        "encrypted": lambda: (
            _flag_encrypted(_zip(folder, built, [_entry("geheim.txt")]), "geheim.txt"),
            "verschlüsselt",
        ),
        "zip_bomb": lambda: (
            _zip(folder, built, [_entry("bomb.txt", bytes(150_000))]),
            "ZIP-Bombe",
        ),
        "too_big": lambda: (
            _zip(folder, built, [_entry("big.bin", os.urandom(250_000))]),
            "größer als die erlaubten 200.000 Bytes",
        ),
        "too_many": lambda: (
            _zip(folder, built, [_entry(f"{i}.txt") for i in range(20)]),
            "höchstens 20",
        ),
    }


def _file_cases(folder: Path) -> dict[str, Callable[[], tuple[Path, str]]]:
    built = build_0401()
    names = list(built.files)
    missing = Built(
        built.package, {n: d for n, d in built.files.items() if n != names[-1]}, built.xml
    )
    last = built.files[names[-1]]
    return {
        "missing": lambda: (
            zip_built(folder, missing),
            f"Datei {names[-1]} ist in der Nachricht genannt, liegt aber nicht im Paket",
        ),
        "extra": lambda: (
            zip_built(folder, built, {"beigelegt.txt": b"nicht genannt"}),
            "Datei beigelegt.txt liegt im Paket, ist aber in der Nachricht nicht genannt",
        ),
        "size": lambda: (
            zip_built(folder, state_fact(built, 2, "version.1.size", str(len(last) + 1))),
            f"Datei {names[-1]} ist {len(last)} Bytes groß, die Nachricht nennt {len(last) + 1}",
        ),
        # The last file's hash is wrong: the files before it are stored by then, and must go.
        "hash_half_way": lambda: (
            zip_built(folder, state_fact(built, 2, "version.1.sha256", "0" * 64)),
            f"Datei {names[-1]}: der Hashwert stimmt nicht",
        ),
        "wrong_name": lambda: (_renamed(folder, built), "passt nicht zum Paketnamen"),
    }


def _renamed(folder: Path, built: Built) -> Path:
    path = zip_built(folder, built)
    target = folder / f"{uuid.uuid4()}_Abgabe.Abgabe.0401.zip"
    path.rename(target)
    return target


def _named(
    builder: Callable[[Path], dict[str, Callable[[], tuple[Path, str]]]], names: list[str]
) -> list[Any]:
    return [pytest.param(builder, name, id=name) for name in names]


CASES = (
    _named(
        _xml_cases,
        ["billion_laughs", "file_entity", "http_entity", "doctype", "namespace", "root", "schema"],
    )
    + _named(
        _zip_cases,
        [
            "absolute",
            "drive",
            "dotdot",
            "backslash",
            "subfolder",
            "symlink",
            "duplicate",
            "case_duplicate",
            "encrypted",
            "zip_bomb",
            "too_big",
            "too_many",
        ],
    )
    + _named(_file_cases, ["missing", "extra", "size", "hash_half_way", "wrong_name"])
)


@pytest.mark.parametrize(("builder", "case"), CASES)
def test_hostile_package_is_refused_and_changes_nothing(
    db: Database,
    blobs: FolderBlobStore,
    xsettings: Settings,
    county: Any,
    tmp_path: Path,
    builder: Callable[[Path], dict[str, Callable[[], tuple[Path, str]]]],
    case: str,
) -> None:
    path, expected = builder(tmp_path)[case]()
    rows, files = count_rows(db), blob_files(blobs)
    with pytest.raises(EakteError) as caught:
        import_package(db, blobs, xsettings, path, "63.1.2", "registratur")
    assert expected in caught.value.message
    assert count_rows(db) == rows
    assert blob_files(blobs) == files


def test_existing_uuid_and_a_failure_inside_the_transaction_change_nothing(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    first = build_0401()
    import_package(db, blobs, xsettings, zip_built(tmp_path, first), "63.1.2", "registratur")
    rows, files = count_rows(db), blob_files(blobs)

    (tmp_path / "again").mkdir()
    again = zip_built(tmp_path / "again", first)
    with pytest.raises(
        EakteError, match=f"{first.package.objects[0].common.uuid}.*gibt es hier schon"
    ):
        import_package(db, blobs, xsettings, again, "63.1.2", "registratur")

    # New objects and new bytes, but the ProzessID was taken in already: refused inside the
    # transaction, after every file was stored and every record row written.
    same_process = build_0401(process_id=first.package.header.process_id, marker="-neu")
    with pytest.raises(EakteError, match="schon übernommen"):
        import_package(
            db, blobs, xsettings, zip_built(tmp_path, same_process), "63.1.2", "registratur"
        )
    assert count_rows(db) == rows
    assert blob_files(blobs) == files


def test_known_bytes_stay_when_an_import_fails(
    db: Database, blobs: FolderBlobStore, xsettings: Settings, county: Any, tmp_path: Path
) -> None:
    """Blobs are shared: bytes stored before the failed import are not removed with it."""
    built = build_0401()
    known = next(iter(built.files.values()))
    stored = blobs.put_bytes(known)
    broken = state_fact(built, 2, "version.1.sha256", "0" * 64)
    with pytest.raises(EakteError, match="Hashwert"):
        import_package(db, blobs, xsettings, zip_built(tmp_path, broken), "63.1.2", "reg")
    assert blobs.exists(stored.sha256)
    assert stored.sha256 == hashlib.sha256(known).hexdigest()
