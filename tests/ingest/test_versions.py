"""New versions never overwrite; edits of one document by two people: one wins, the other is
told, nothing is lost."""

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from eakte import audit
from eakte.db.engine import Database
from eakte.db.schema import documents, versions
from eakte.errors import (
    ClosedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from eakte.ingest import versions as doc_versions
from eakte.ingest.filing import Filer
from eakte.records import dossiers, grants
from eakte.records.lookup import describe
from eakte.records.organisation import User, get_user
from eakte.search import search
from tests.helpers import County, file_text, make_county


@pytest.fixture
def filed(db: Database, rules: Any, filer: Filer) -> tuple[County, str]:
    county = make_county(db, rules)
    document = file_text(db, filer, county.bau_case, "Entwurf.txt", "Erster Entwurf Carport")
    with db.read() as c:
        uuid = c.execute(select(documents.c.uuid).where(documents.c.id == document.id)).scalar()
    return county, str(uuid)


def _user(db: Database, login: str) -> User:
    with db.read() as c:
        return get_user(c, login)


def test_a_new_version_keeps_the_old_and_moves_the_search_text(
    db: Database, filer: Filer, filed: tuple[County, str], blobs: Any
) -> None:
    _, doc = filed
    bau = _user(db, "bau")
    prepared = filer.prepare_bytes(b"Zweiter Entwurf Doppelgarage", "Entwurf-v2.txt")
    with db.write() as c:
        number = doc_versions.add_version(c, doc, 1, prepared, bau)
    assert number == 2
    with db.read() as c:
        record = describe(c, doc, bau, "document")
        assert [v["number"] for v in record["versions"]] == [1, 2]
        first, second = record["versions"]
        assert first["sha256"] != second["sha256"] and record["row_version"] == 2
        assert search(c, bau, "Doppelgarage").total == 1
        assert search(c, bau, "Carport").total == 0  # the text follows the current version
        actions = [e.action for e in audit.events_of(c, "document", doc)]
    assert actions == ["document.file", "document.version"]
    assert blobs.path(first["sha256"]).exists()  # the old bytes are still there
    same = filer.prepare_bytes(b"Zweiter Entwurf Doppelgarage", "nochmal.txt")
    with db.write() as c, pytest.raises(ValidationError, match="schon die aktuelle Version"):
        doc_versions.add_version(c, doc, 2, same, bau)


def test_two_edits_from_the_same_page_state_one_wins(
    db: Database, filed: tuple[County, str]
) -> None:
    _, doc = filed
    with db.write() as c:
        doc_versions.edit_document(c, doc, 1, get_user(c, "bau"), title="Bescheid Carport")
    with db.write() as c, pytest.raises(ConflictError, match="inzwischen von bau geändert"):
        doc_versions.edit_document(c, doc, 1, get_user(c, "dez"), title="Anderer Titel")
    with db.read() as c:
        record = describe(c, doc, get_user(c, "bau"), "document")
        assert record["title"] == "Bescheid Carport" and record["row_version"] == 2
        assert search(c, get_user(c, "bau"), "titel:Bescheid").total == 1
        event = audit.events_of(c, "document", doc)[-1]
    assert event.details == {"title": {"from": "Entwurf", "to": "Bescheid Carport"}}


def test_concurrent_version_uploads_lose_nothing(
    db: Database, filer: Filer, filed: tuple[County, str]
) -> None:
    _, doc = filed
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def upload(login: str, body: str) -> None:
        prepared = filer.prepare_bytes(body.encode(), f"{login}.txt")
        barrier.wait()
        try:
            with db.write() as c:
                doc_versions.add_version(c, doc, 1, prepared, get_user(c, login))
            results[login] = "ok"
        except ConflictError:
            results[login] = "conflict"

    threads = [
        threading.Thread(target=upload, args=("bau", "Fassung von Maria")),
        threading.Thread(target=upload, args=("dez", "Fassung von Dirk")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["conflict", "ok"]
    with db.read() as c:
        numbers = c.execute(select(versions.c.number).order_by(versions.c.number)).scalars()
        assert list(numbers) == [1, 2]


def test_changes_need_write_rights_and_an_open_case(
    db: Database, filer: Filer, filed: tuple[County, str]
) -> None:
    county, doc = filed
    with db.write() as c, pytest.raises(NotFoundError):
        doc_versions.edit_document(c, doc, 1, get_user(c, "bau1"), title="x")  # BAU-1: no
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
    with db.write() as c, pytest.raises(PermissionDeniedError):
        doc_versions.edit_document(c, doc, 1, get_user(c, "ja"), title="x")  # reads only
    with db.write() as c:
        dossiers.close_case(c, county.bau_case.reference, "bau")
    with db.write() as c, pytest.raises(ClosedError):
        doc_versions.edit_document(c, doc, 1, get_user(c, "bau"), document_date=date(2020, 1, 1))
    prepared = filer.prepare_bytes(b"neu", "neu.txt")
    with db.write() as c, pytest.raises(ClosedError):
        doc_versions.add_version(c, doc, 1, prepared, get_user(c, "bau"))
    with db.read() as c:
        assert describe(c, doc, None, "document")["row_version"] == 1
