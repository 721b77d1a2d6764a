"""Migration 0011 moves the audit chain into ``audit_log`` (the hashed bytes) behind the view
``audit_events``: an intact chain stays intact, an altered event stays found, and the way back
restores the old table."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from eakte import audit
from eakte.audit.chain import GENESIS, canonical, utc_text
from eakte.db.engine import Database
from eakte.db.migrate import downgrade, upgrade
from eakte.settings import Settings

_names = itertools.count()

# The table as revision 0010 has it.
OLD = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("details", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
START = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
DETAILS: list[dict[str, Any]] = [
    {"reference": "63.1-0001/2026", "subject": "Bauantrag „Lindenstraße 4“"},
    {"sha256": "ab" * 32, "size": 4711, "title": 'Vermerk "vor Ort"', "tags": [1, None, True]},
    {},
    {"note": "Zeile 1\nZeile 2 \\ Ende"},
]


@pytest.fixture
def blank(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database without any schema yet, on each backend."""
    if backend == "sqlite":
        database = Database(Settings(data=tmp_path))
        yield database
        database.dispose()
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"eakte_blank_{next(_names)}"
    admin = sa.create_engine(
        cluster.url("postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    database = Database(Settings(data=tmp_path, database_url=cluster.url(name)))
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _old_chain(database: Database, spaced: bool) -> list[dict[str, Any]]:
    """Events as revision 0010 wrote them (hash over the canonical JSON, the details in the
    stored layout: compact, or with spaces as before they were stored compactly)."""
    rows, prev = [], GENESIS
    for number, details in enumerate(DETAILS, start=1):
        at = START + timedelta(minutes=number)
        fields = {
            "seq": number,
            "at": utc_text(at),
            "actor": "m.müller",
            "action": "document.file",
            "object_type": "document",
            "object_id": f"doc-{number % 2}",
            "details": details,
        }
        digest = hashlib.sha256(prev.encode() + canonical(fields)).hexdigest()
        stored = canonical(details).decode()
        if spaced:
            stored = stored.replace('":', '": ').replace(',"', ', "')
        rows.append(
            {
                "id": number,
                "occurred_at": at,
                "actor": "m.müller",
                "action": "document.file",
                "object_type": "document",
                "object_id": f"doc-{number % 2}",
                "details": stored,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    with database.write() as connection:
        connection.execute(OLD.insert(), rows)
    return rows


def _shown(database: Database) -> list[tuple[Any, ...]]:
    with database.read() as connection:
        return [
            (e.id, e.occurred_at, e.actor, e.action, e.object_type, e.object_id, e.details)
            for object_id in ("doc-0", "doc-1")
            for e in audit.events_of(connection, "document", object_id)
        ]


@pytest.mark.parametrize("spaced", [False, True], ids=["compact", "spaced"])
def test_an_intact_chain_stays_intact_and_reads_the_same(blank: Database, spaced: bool) -> None:
    upgrade(blank, "0010")
    rows = _old_chain(blank, spaced)
    upgrade(blank)
    with blank.read() as connection:
        report = audit.verify(connection)
        assert report.ok and (report.events, report.head) == (4, rows[-1]["hash"])
    expected = sorted(
        (
            r["id"],
            utc_text(r["occurred_at"]),
            "m.müller",
            "document.file",
            "document",
            r["object_id"],
            DETAILS[r["id"] - 1],
        )
        for r in rows
    )
    assert sorted(_shown(blank)) == expected
    with blank.write() as connection:  # the chain goes on from the migrated head
        audit.record(connection, "admin", "test.after", "document", "doc-1", {"n": 5})
    with blank.read() as connection:
        assert audit.verify(connection).events == 5 and audit.verify(connection).ok


def test_an_event_altered_before_the_migration_is_still_found(blank: Database) -> None:
    upgrade(blank, "0010")
    _old_chain(blank, spaced=False)
    with blank.write() as connection:
        connection.execute(OLD.update().where(OLD.c.id == 2).values(actor="mallory"))
        connection.execute(OLD.update().where(OLD.c.id == 3).values(details="kein JSON"))
    upgrade(blank)
    with blank.read() as connection:
        report = audit.verify(connection)
        shown = {e.id: e for e in audit.events_of(connection, "document", "doc-1")}
    assert (report.broken_at, report.kind) == (2, "altered")
    # The view stays readable: details that were not JSON come back as the text they were.
    assert shown[3].details == "kein JSON"


def test_the_way_back_restores_the_table(blank: Database) -> None:
    upgrade(blank, "0010")
    rows = _old_chain(blank, spaced=False)
    upgrade(blank)
    downgrade(blank, "0010")
    with blank.read() as connection:
        back = connection.execute(sa.select(OLD).order_by(OLD.c.id)).all()
    assert [(r.id, r.actor, r.details, r.prev_hash, r.hash) for r in back] == [
        (r["id"], r["actor"], r["details"], r["prev_hash"], r["hash"]) for r in rows
    ]
    assert [utc_text(r.occurred_at) for r in back] == [utc_text(r["occurred_at"]) for r in rows]
    upgrade(blank)
    with blank.read() as connection:
        assert audit.verify(connection).ok
