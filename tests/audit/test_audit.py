"""Every change leaves a hash-chained audit event; tampering is found."""

from typing import Any

from sqlalchemy import text

from eakte import audit
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from tests.helpers import file_text, make_county


def test_changes_are_audited_and_chain_verifies(db: Database, rules: Any, filer: Filer) -> None:
    county = make_county(db, rules)
    filed = file_text(db, filer, county.bau_case, "a.txt", "Inhalt")
    with db.read() as c:
        report = audit.verify(c)
        actions = c.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars().all()
        doc_event = c.execute(
            text("SELECT details FROM audit_events WHERE object_id = :id"), {"id": filed.uuid}
        ).scalar_one()
    assert report.ok and report.events == len(actions)
    assert {
        "unit.create",
        "user.create",
        "plan.import",
        "dossier.create",
        "case.create",
        "document.file",
    } <= set(actions)
    assert "sha256" in doc_event


def test_tampering_is_named(db: Database, rules: Any) -> None:
    make_county(db, rules)
    with db.write() as c:
        c.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = 3"))
    with db.read() as c:
        report = audit.verify(c)
    assert not report.ok and report.broken_at == 3 and "verändert" in (report.problem or "")
    with db.write() as c:
        c.execute(text("DELETE FROM audit_events WHERE id = 3"))
    with db.read() as c:
        report = audit.verify(c)
    assert report.broken_at == 3 and "fehlt" in (report.problem or "")
