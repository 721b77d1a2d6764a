"""Appending to and verifying the audit chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text

from eakte.audit.chain import GENESIS, event_hash
from eakte.db.schema import audit_events

# Any constant works; it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 0x4541_4B54


@dataclass(frozen=True)
class AuditEvent:
    id: int
    occurred_at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]


def _hashed_fields(
    seq: int, at: str, actor: str, action: str, obj_type: str, obj_id: str, details: dict[str, Any]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": obj_type,
        "object_id": obj_id,
        "details": details,
    }


def _last(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        select(audit_events.c.id, audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


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
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    stamp = datetime.fromisoformat(at)
    rows = []
    for offset, (action, object_type, object_id, details) in enumerate(events, start=1):
        seq = last_id + offset
        fields = _hashed_fields(seq, at, actor, action, object_type, object_id, details)
        digest = event_hash(prev_hash, fields)
        rows.append(
            {
                "id": seq,
                "occurred_at": stamp,
                "actor": actor,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "details": json.dumps(details, sort_keys=True, ensure_ascii=False),
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    connection.execute(audit_events.insert(), rows)


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    broken_at: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _iter_rows(connection: Connection, batch: int = 5000) -> Iterator[Any]:
    after = 0
    while True:
        rows = connection.execute(
            select(audit_events)
            .where(audit_events.c.id > after)
            .order_by(audit_events.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def _stored_at(row: Any) -> str:
    stored = row.occurred_at
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return str(stored.astimezone(UTC).isoformat(timespec="microseconds"))


def verify(connection: Connection) -> ChainReport:
    """Recompute every hash; report the first event that is altered, missing or out of order."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for row in _iter_rows(connection):
        count += 1
        if row.id != expected_seq:
            return ChainReport(
                count,
                prev_hash,
                expected_seq,
                f"Ereignis {expected_seq} fehlt (nächstes vorhandenes: {row.id}).",
            )
        if row.prev_hash != prev_hash:
            return ChainReport(
                count, prev_hash, row.id, f"Ereignis {row.id} verweist nicht auf seinen Vorgänger."
            )
        fields = _hashed_fields(
            row.id,
            _stored_at(row),
            row.actor,
            row.action,
            row.object_type,
            row.object_id,
            json.loads(row.details),
        )
        if event_hash(prev_hash, fields) != row.hash:
            return ChainReport(count, prev_hash, row.id, f"Ereignis {row.id} wurde verändert.")
        prev_hash, expected_seq = row.hash, expected_seq + 1
    return ChainReport(count, prev_hash, None, None)


def head(connection: Connection) -> tuple[int, str]:
    """Number and hash of the newest event."""
    count = connection.execute(select(func.count()).select_from(audit_events)).scalar_one()
    return int(count), _last(connection)[1]


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
            _stored_at(r),
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            json.loads(r.details),
        )
        for r in rows
    ]
