"""Appending to the audit chain and reading it back (verifying: ``audit.verify``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects import postgresql, sqlite

from eakte.audit.chain import GENESIS, details_text, event_text, utc_text
from eakte.db.schema import audit_actor_months, audit_events, audit_log

# Any constant works; it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 0x4541_4B54
# The actor's month, unless it is noted already.
_NOTE_ACTIVE = {
    "sqlite": sqlite.insert(audit_actor_months).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(audit_actor_months).on_conflict_do_nothing(),
}


@dataclass(frozen=True)
class AuditEvent:
    id: int
    occurred_at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]


def _last(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


NewEvent = tuple[datetime, str, str, str, str, dict[str, Any]]
"""``(at, actor, action, object_type, object_id, details)`` of an event to append."""


def chain_rows(last_id: int, prev_hash: str, events: Iterable[NewEvent]) -> list[dict[str, Any]]:
    """Rows of ``audit_log`` that continue a chain ending with event ``last_id`` whose hash is
    ``prev_hash``: each event's body is its canonical JSON, the hash covers ``prev_hash ‖ body``."""
    rows = []
    for seq, (at, actor, action, object_type, object_id, details) in enumerate(
        events, start=last_id + 1
    ):
        body = event_text(
            seq, utc_text(at), actor, action, object_type, object_id, details_text(details)
        )
        digest = hashlib.sha256((prev_hash + body).encode()).hexdigest()
        rows.append({"id": seq, "body": body, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    return rows


def record(
    connection: Connection,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event in the caller's transaction."""
    record_many(connection, actor, [(action, object_type, object_id, details or {})])


def record_many(
    connection: Connection,
    actor: str,
    events: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    """Append events ``(action, object_type, object_id, details)`` in one statement."""
    if not events:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})
    last_id, prev_hash = _last(connection)
    at = datetime.now(UTC)
    rows = chain_rows(last_id, prev_hash, ((at, actor, *event) for event in events))
    connection.execute(audit_log.insert(), rows)
    connection.execute(
        _NOTE_ACTIVE[connection.dialect.name], {"month": at.date().replace(day=1), "actor": actor}
    )


def head(connection: Connection) -> tuple[int, str]:
    """Number and hash of the newest event (to be kept outside eakte and given to ``verify``)."""
    return _last(connection)


def events_of(connection: Connection, object_type: str, object_id: str) -> list[AuditEvent]:
    """Every event of one object, oldest first."""
    rows = connection.execute(
        select(audit_events)
        .where(audit_events.c.object_type == object_type, audit_events.c.object_id == object_id)
        .order_by(audit_events.c.id)
    ).all()
    return [
        AuditEvent(
            r.id,
            utc_text(r.occurred_at),
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            json.loads(r.details),
        )
        for r in rows
    ]
