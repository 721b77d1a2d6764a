"""Filing files and folders: every format, resumable, duplicates, failures that lose nothing."""

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import contents, documents
from eakte.errors import ClosedError, NotFoundError
from eakte.ingest import add_paths
from eakte.ingest.filing import Filer, safe_filename
from eakte.records import dossiers
from eakte.records.lookup import describe
from eakte.records.organisation import get_user
from eakte.search import search
from tests.helpers import make_county, write_samples


def count(db: Database, table: Any) -> int:
    with db.read() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def test_folder_of_every_format_is_filed_and_searchable(
    db: Database, rules: Any, filer: Filer, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    write_samples(tmp_path / "eingang")
    # Two worker processes prepare while batches of four commit.
    summary = add_paths(
        db,
        filer,
        county.bau_case.reference,
        [tmp_path / "eingang"],
        "t",
        batch_size=4,
        workers=2,
    )
    assert (summary.added, summary.duplicates, summary.failed) == (8, 0, [])
    assert summary.attachments == 1  # the PDF inside the e-mail
    assert count(db, documents) == 9
    with db.read() as c:
        user = get_user(c, "bau")
        for query in (
            "Naturschutzbehörde",
            "Abstandsflächen",
            "Brandschutzgutachten",
            "Erschließung",
            "Öffnungszeiten",
            "Statik",
            "Standsicherheitsnachweis",
            "Garage",
        ):
            assert search(c, user, query).total >= 1, query
        case = describe(c, county.bau_case.reference)
    states = {d["title"]: d["state"] for d in case["documents"]}
    assert states["Scan"] == "awaiting_ocr"
    attachment = next(d for d in case["documents"] if d["attachment_of"])
    assert attachment["title"] == "Statik"


def test_running_again_files_nothing_twice(
    db: Database, rules: Any, filer: Filer, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    write_samples(tmp_path / "eingang")
    ref = county.bau_case.reference
    add_paths(db, filer, ref, [tmp_path / "eingang"], "t")
    before = count(db, documents)
    (tmp_path / "eingang" / "neu.txt").write_text("Nachtrag zur Statik")
    again = add_paths(db, filer, ref, [tmp_path / "eingang"], "t", batch_size=4, workers=2)
    assert (again.added, again.duplicates) == (1, 8)
    assert count(db, documents) == before + 1


def test_same_bytes_in_two_cases_are_stored_once(
    db: Database, rules: Any, filer: Filer, tmp_path: Path, blobs: FolderBlobStore
) -> None:
    county = make_county(db, rules)
    path = tmp_path / "brief.txt"
    path.write_text("Einladung zum Ortstermin")
    add_paths(db, filer, county.bau_case.reference, [path], "t")
    with db.write() as c:
        other = dossiers.create_case(c, rules[1], county.bau_dossier.reference, "Zweiter", "t")
    result = add_paths(db, filer, other.reference, [path], "t")
    assert result.added == 1
    assert count(db, documents) == 2
    assert count(db, contents) == 1
    assert len(list(blobs.iter_hashes())) == 1


def test_corrupt_file_is_stored_with_its_error_and_nothing_else_is_touched(
    db: Database, rules: Any, filer: Filer, tmp_path: Path, blobs: FolderBlobStore
) -> None:
    county = make_county(db, rules)
    good = tmp_path / "gut.txt"
    good.write_text("Alles in Ordnung")
    add_paths(db, filer, county.bau_case.reference, [good], "t")
    bad = tmp_path / "kaputt.pdf"
    bad.write_bytes(b"%PDF-1.7\nnonsense")
    summary = add_paths(db, filer, county.bau_case.reference, [bad], "t")
    assert summary.added == 1
    assert "beschädigt" in summary.extraction_errors[0]["error"]
    with db.read() as c:
        docs = describe(c, county.bau_case.reference)["documents"]
    broken = next(d for d in docs if d["title"] == "kaputt")
    assert broken["state"] == "extraction_failed"
    assert "beschädigt" in broken["error"]
    stored = next(d for d in docs if d["title"] == "gut")
    assert stored["state"] == "ready"
    with blobs.open(__import__("hashlib").sha256(b"%PDF-1.7\nnonsense").hexdigest()) as handle:
        assert handle.read() == b"%PDF-1.7\nnonsense"


def test_missing_unreadable_too_large_and_links_are_reported(
    db: Database, rules: Any, blobs: FolderBlobStore, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    small_filer = Filer(blobs, max_file_size=10)
    folder = tmp_path / "eingang"
    folder.mkdir()
    (folder / "gross.txt").write_text("x" * 100)
    (folder / "klein.txt").write_text("klein")
    (folder / ".versteckt").write_text("nicht ablegen")
    os.symlink("/etc/passwd", folder / "link.txt")
    summary = add_paths(
        db, small_filer, county.bau_case.reference, [folder, tmp_path / "fehlt.pdf"], "t"
    )
    assert summary.added == 1
    errors = {Path(f["path"]).name: f["error"] for f in summary.failed}
    assert "höchstens" in errors["gross.txt"]
    assert "nicht gefunden" in errors["fehlt.pdf"]
    assert "link.txt" not in errors and summary.failed_count == 2
    assert count(db, documents) == 1


def test_closed_case_and_unknown_case_refuse_filing(
    db: Database, rules: Any, filer: Filer, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    path = tmp_path / "a.txt"
    path.write_text("Inhalt")
    with db.write() as c:
        dossiers.close_case(c, county.bau_case.reference, "t")
    with pytest.raises(ClosedError):
        add_paths(db, filer, county.bau_case.reference, [path], "t")
    with pytest.raises(NotFoundError):
        add_paths(db, filer, "63.1.2-9999/2026-001", [path], "t")
    assert count(db, documents) == 0


def test_file_names_are_never_trusted() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\Bescheid.pdf") == "Bescheid.pdf"
    assert safe_filename("a\x00b\nc.txt") == "a_b_c.txt"
    assert safe_filename("..") == "unbenannt"
    assert len(safe_filename("x" * 500 + ".pdf")) <= 200
    assert safe_filename("x" * 500 + ".pdf").endswith(".pdf")


def test_blob_is_durable_before_the_row_and_a_crash_leaves_an_orphan_only(
    db: Database, rules: Any, filer: Filer, blobs: FolderBlobStore
) -> None:
    county = make_county(db, rules)
    prepared = filer.prepare_bytes(b"Absturz zwischen Datei und Datenbank", "crash.txt")
    assert blobs.exists(prepared.blob.sha256)
    with pytest.raises(RuntimeError), db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, county.bau_case.dossier_id)
        filer.commit(c, county.bau_case, dossier, prepared, "t")
        raise RuntimeError("Stromausfall")
    assert count(db, documents) == 0
    from eakte.integrity import check

    with db.read() as c:
        report = check(c, blobs)
    assert report.ok
    assert report.orphans == [prepared.blob.sha256]
