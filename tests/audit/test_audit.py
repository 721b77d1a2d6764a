"""Every change leaves a hash-chained audit event; tampering is found and named."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from eakte import audit
from eakte.audit import storage
from eakte.audit.chain import GENESIS, canonical, utc_text
from eakte.audit.service import chain_rows
from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.db.schema import audit_events, audit_log
from eakte.ingest.filing import Filer
from eakte.records import grants
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
    assert report.ok and report.events == len(actions) and report.kind is None
    assert {
        "unit.create",
        "user.create",
        "plan.import",
        "dossier.create",
        "case.create",
        "document.file",
    } <= set(actions)
    assert json.loads(doc_event)["sha256"]


def test_permission_changes_are_audited(db: Database, rules: Any) -> None:
    county = make_county(db, rules)
    with db.write() as c:
        auth.set_password(c, "bau", "ein-langes-passwort", "admin1")
        auth.create_token(c, "bau", "Fachverfahren", "admin1")
        auth.revoke_tokens(c, "bau", "Fachverfahren", "admin1")
        grant = grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
        grants.revoke_grant(c, county.bau_dossier.reference, grant.id, "bau")
        grants.set_policy(c, "superior_units_read", "off", "admin1")
    with db.read() as c:
        rows = c.execute(
            text(
                "SELECT action, actor, object_type, object_id, details FROM audit_events "
                "WHERE actor IN ('admin1', 'bau') ORDER BY id"
            )
        ).all()
        assert audit.verify(c).ok
    seen = [(r.action, r.object_type, r.object_id, json.loads(r.details)) for r in rows]
    dossier = county.bau_dossier
    assert seen == [
        ("user.password", "user", "bau", {}),
        ("token.create", "user", "bau", {"name": "Fachverfahren"}),
        ("token.revoke", "user", "bau", {"name": "Fachverfahren"}),
        (
            "dossier.grant",
            "dossier",
            dossier.uuid,
            {"reference": dossier.reference, "unit": "JA", "user": None, "access": "read"},
        ),
        (
            "dossier.revoke",
            "dossier",
            dossier.uuid,
            {"reference": dossier.reference, "unit": "JA", "user": None, "access": "read"},
        ),
        ("policy.set", "policy", "superior_units_read", {"from": "on", "to": "off"}),
    ]


def _run(c: Any, sql: str, **params: Any) -> None:
    c.execute(text(sql), params)


def _edit(c: Any, number: int, **changes: Any) -> None:
    """Change fields in the stored body of event ``number`` (written canonically again, as
    someone who knows the format would), leaving its hashes as they are."""
    row = audit_log.c.id == number
    body = json.loads(c.execute(select(audit_log.c.body).where(row)).scalar())
    body.update(changes)
    c.execute(audit_log.update().where(row).values(body=canonical(body).decode()))


def _renumber_body_and_rehash(c: Any) -> None:
    """Event 5's body gets another number and every hash from there on is recomputed: the
    hashes agree, but the body no longer belongs at its place."""
    rows = c.execute(select(audit_log).order_by(audit_log.c.id)).all()
    prev = rows[3].hash
    for row in rows[4:]:
        body = json.loads(row.body)
        if row.id == 5:
            body["seq"] = 50
        stored = canonical(body).decode()
        digest = hashlib.sha256((prev + stored).encode()).hexdigest()
        c.execute(
            audit_log.update()
            .where(audit_log.c.id == row.id)
            .values(body=stored, prev_hash=prev, hash=digest)
        )
        prev = digest


def _alter_time(c: Any) -> None:
    at = json.loads(c.execute(select(audit_log.c.body).where(audit_log.c.id == 4)).scalar())["at"]
    _edit(c, 4, at=utc_text(datetime.fromisoformat(at) - timedelta(days=1)))


def _swap_7_and_8(c: Any) -> None:
    _run(c, "UPDATE audit_log SET id = -1 WHERE id = 7")
    _run(c, "UPDATE audit_log SET id = 7 WHERE id = 8")
    _run(c, "UPDATE audit_log SET id = 8 WHERE id = -1")


def _remove_6_and_renumber(c: Any) -> None:
    _run(c, "DELETE FROM audit_log WHERE id = 6")
    last = c.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    for old in range(7, last + 1):  # upwards, so that no two rows share an id on the way
        _run(c, "UPDATE audit_log SET id = :new WHERE id = :old", new=old - 1, old=old)


# How the database is tampered with → the event verify names, and what it says happened.
TAMPERING: dict[str, tuple[Callable[[Any], None], int, str, str]] = {
    "update actor": (lambda c: _edit(c, 5, actor="mallory"), 5, "altered", "verändert"),
    "update details": (lambda c: _edit(c, 3, details={"name": "Süd"}), 3, "altered", "verändert"),
    "update time": (_alter_time, 4, "altered", "verändert"),
    "update number": (lambda c: _edit(c, 5, seq=50), 5, "altered", "verändert"),
    "renumber body, rehash": (_renumber_body_and_rehash, 5, "altered", "verändert"),
    "update bytes only": (
        lambda c: _run(c, "UPDATE audit_log SET body = body || ' ' WHERE id = 2"),
        2,
        "altered",
        "verändert",
    ),
    "delete": (lambda c: _run(c, "DELETE FROM audit_log WHERE id = 6"), 6, "removed", "fehlt"),
    "delete and renumber": (_remove_6_and_renumber, 6, "relinked", "entfernt"),
    "reorder": (_swap_7_and_8, 7, "reordered", "Reihenfolge wurde verändert"),
}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL reads the events in chunks of three ids, so that chunks end inside, before and
    after the tampered events (SQLite reads in one pass either way)."""
    monkeypatch.setattr("eakte.db.streaming.PG_CHUNK", 3)


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_named(db: Database, rules: Any, how: str, small_chunks: None) -> None:
    make_county(db, rules)
    tamper, broken_at, kind, wording = TAMPERING[how]
    with db.write() as c:
        tamper(c)
    with db.read() as c:
        report = audit.verify(c)
    assert not report.ok
    assert (report.broken_at, report.kind) == (broken_at, kind), report
    assert f"Ereignis {broken_at}" in (report.problem or "") and wording in (report.problem or "")


def _rewrite_with(c: Any, actor_of_2: str) -> None:
    """Alter event 2 and recompute every hash after it, as someone with the code could."""
    old = c.execute(audit_events.select().order_by(audit_events.c.id)).all()
    c.execute(audit_log.delete())
    events = [
        (
            r.occurred_at,
            actor_of_2 if r.id == 2 else r.actor,
            r.action,
            r.object_type,
            r.object_id,
            json.loads(r.details),
        )
        for r in old
    ]
    c.execute(audit_log.insert(), chain_rows(0, GENESIS, events))


def test_a_kept_head_finds_removals_at_the_end_and_a_rewritten_chain(
    db: Database, rules: Any
) -> None:
    make_county(db, rules)
    with db.read() as c:
        kept = audit.head(c)
        assert audit.verify(c, kept).ok
    number = kept[0]
    with db.write() as c:
        _run(c, "DELETE FROM audit_log WHERE id = :n", n=number)
    with db.read() as c:
        assert audit.verify(c).ok  # without the kept head, a shorter chain looks intact
        report = audit.verify(c, kept)
    assert (report.broken_at, report.kind) == (number, "truncated")
    assert "Ereignisse am Ende wurden entfernt" in (report.problem or "")

    with db.read() as c:
        kept = audit.head(c)
        assert kept[0] == number - 1 and audit.verify(c, kept).ok
    with db.write() as c:
        _rewrite_with(c, "mallory")
    with db.read() as c:
        assert audit.verify(c).ok
        report = audit.verify(c, kept)
    assert (report.broken_at, report.kind) == (kept[0], "rewritten")
    assert kept[1] in (report.problem or "")


TRICKY = 'Ärger mit „Anführungszeichen“ "x" \\ y\tz\n\u2028 ✓ 𝄞 \x7f'


def test_what_the_log_shows_is_what_was_hashed(db: Database) -> None:
    """Quotes, backslashes, control characters, umlauts and characters beyond the BMP come back
    from the view exactly as recorded, details of every JSON type too, and the chain over the
    stored bytes verifies."""
    details = {
        "title": TRICKY,
        TRICKY: [1, -2.5, True, False, None, {"nested": TRICKY}],
        "size": 12_345_678_901,
        "empty": {},
    }
    with db.write() as c:
        audit.record(c, f"actor {TRICKY}", "test.tricky", "document", f"id {TRICKY}", details)
        audit.record(c, "plain", "test.plain", "document", f"id {TRICKY}")
    with db.read() as c:
        events = audit.events_of(c, "document", f"id {TRICKY}")
        assert audit.verify(c).ok
    assert [(e.actor, e.action, e.details) for e in events] == [
        (f"actor {TRICKY}", "test.tricky", details),
        ("plain", "test.plain", {}),
    ]
    assert events[0].occurred_at <= events[1].occurred_at


# The view's expression for the actor, per backend (``audit.storage.VIEW_SELECT``).
ACTOR = {"sqlite": "json_extract(body, '$.actor')", "postgresql": "(body::json) ->> 'actor'"}


def test_a_changed_view_is_reported(db: Database, rules: Any) -> None:
    """Someone who cannot alter the events without being found could make the view show other
    values instead: verify compares the view with the one eakte made."""
    make_county(db, rules)
    backend = db.backend
    assert ACTOR[backend] in storage.VIEW_SELECT[backend]
    lying = storage.VIEW_SELECT[backend].replace(
        ACTOR[backend], f"CASE WHEN id = 5 THEN 'mallory' ELSE {ACTOR[backend]} END", 1
    )
    with db.write() as c:
        _run(c, "DROP VIEW audit_events")
        _run(c, f"CREATE VIEW audit_events AS {lying}")
    with db.read() as c:
        assert c.execute(text("SELECT actor FROM audit_events WHERE id = 5")).scalar() == "mallory"
        report = audit.verify(c)
    assert not report.ok and report.kind == "view" and report.broken_at is None
    assert "Sicht »audit_events«" in (report.problem or "")
    assert _parallel(db).kind == "view"


# Parallel verification: ranges of six events, so that the tampering above (events 3 to 8)
# falls inside a range, on its last event and on the first event of the next.
RANGE = 6


def _parallel(db: Database, kept: tuple[int, str] | None = None) -> audit.ChainReport:
    with db.read() as c:
        last = audit.head(c)[0]
    return audit.verify_database(db, kept, processes=-(-last // RANGE))


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("eakte.audit.verification.EVENTS_PER_PROCESS", 1)


@pytest.mark.parametrize("how", list(TAMPERING))
def test_parallel_ranges_name_the_same_event(
    db: Database, rules: Any, how: str, small_ranges: None, small_chunks: None
) -> None:
    make_county(db, rules)
    assert _parallel(db).ok
    tamper, broken_at, kind, _ = TAMPERING[how]
    with db.write() as c:
        tamper(c)
    with db.read() as c:
        alone = audit.verify(c)
    parallel = _parallel(db)
    assert (parallel.broken_at, parallel.kind) == (broken_at, kind)
    assert parallel == alone


def test_parallel_ranges_with_a_kept_head(db: Database, rules: Any, small_ranges: None) -> None:
    make_county(db, rules)
    with db.read() as c:
        kept = audit.head(c)
    intact = _parallel(db, kept)
    assert intact.ok and (intact.events, intact.head) == kept
    with db.write() as c:
        _run(c, "DELETE FROM audit_log WHERE id >= :n", n=kept[0] - 1)
    report = _parallel(db, kept)
    assert (report.broken_at, report.kind) == (kept[0] - 1, "truncated")
    with db.write() as c:
        _rewrite_with(c, "mallory")
    with db.read() as c:
        kept = audit.head(c)
    with db.write() as c:
        _rewrite_with(c, "eve")
    report = _parallel(db, kept)
    assert (report.broken_at, report.kind) == (kept[0], "rewritten")
