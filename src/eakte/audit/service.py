"""Appending to and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text

from eakte.audit.chain import GENESIS, _quote, details_text, event_hash, event_text
from eakte.db.schema import audit_events
from eakte.db.streaming import plain_rows

# Any constant works; it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 0x4541_4B54
# Rows fetched per round trip while verifying (memory stays flat whatever the chain's length).
VERIFY_BATCH = 5000
CHAIN_ROWS = (
    "SELECT id, occurred_at, actor, action, object_type, object_id, details, prev_hash, hash "
    "FROM audit_events ORDER BY id"
)


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


def _utc_text(moment: datetime) -> str:
    """The time as hashed: UTC, ISO 8601 to the microsecond (stored times may lack a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


NewEvent = tuple[datetime, str, str, str, str, dict[str, Any]]
"""``(at, actor, action, object_type, object_id, details)`` of an event to append."""


def chain_rows(last_id: int, prev_hash: str, events: Iterable[NewEvent]) -> list[dict[str, Any]]:
    """Rows of ``audit_events`` that continue a chain ending with event ``last_id`` whose hash
    is ``prev_hash``."""
    rows = []
    for seq, (at, actor, action, object_type, object_id, details) in enumerate(
        events, start=last_id + 1
    ):
        stored = details_text(details)
        message = event_text(seq, _utc_text(at), actor, action, object_type, object_id, stored)
        digest = hashlib.sha256((prev_hash + message).encode()).hexdigest()
        rows.append(
            {
                "id": seq,
                "occurred_at": at,
                "actor": actor,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "details": stored,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
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
    connection.execute(audit_events.insert(), rows)


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found. ``broken_at`` is the number of the first event that is altered,
    missing or out of place; ``kind`` says which: ``altered``, ``removed``, ``reordered``,
    ``relinked`` (it points to an event that no longer exists), ``truncated`` or ``rewritten``
    (both found against a kept head)."""

    events: int
    head: str
    broken_at: int | None
    problem: str | None
    kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _slow_hash(row: Any) -> str | None:
    """The hash of a stored row recomputed from parsed fields (details stored in any JSON
    layout, times in any ISO form); ``None`` when a field cannot be read at all."""
    try:
        at = row[1] if isinstance(row[1], datetime) else datetime.fromisoformat(row[1])
        details = json.loads(row[6])
    except (TypeError, ValueError):
        return None
    fields = _hashed_fields(row[0], _utc_text(at), row[2], row[3], row[4], row[5], details)
    return event_hash(row[7], fields)


def _diagnose(connection: Connection, row: Any, count: int, prev_hash: str) -> ChainReport:
    """Name what happened to ``row``, the first event that does not continue the chain."""
    seq, stored_prev = row[0], row[7]
    if stored_prev == prev_hash:
        return ChainReport(count, prev_hash, seq, f"Ereignis {seq} wurde verändert.", "altered")
    origin = (
        0
        if stored_prev == GENESIS
        else connection.execute(
            select(audit_events.c.id).where(audit_events.c.hash == stored_prev).limit(1)
        ).scalar()
    )
    if origin is not None:
        after = f"auf Ereignis {origin}" if origin else "auf keines (es war das erste)"
        return ChainReport(
            count,
            prev_hash,
            seq,
            f"Ereignis {seq} steht an falscher Stelle: es folgte ursprünglich {after}. Die "
            "Reihenfolge wurde verändert.",
            "reordered",
        )
    return ChainReport(
        count,
        prev_hash,
        seq,
        f"Ereignis {seq} verweist auf ein Ereignis, das es nicht mehr gibt: davor wurde ein "
        f"Ereignis entfernt, oder Ereignis {seq - 1} wurde verändert und neu verkettet.",
        "relinked",
    )


def verify(connection: Connection, kept: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash; report the first event that is altered, missing or out of order.

    ``kept`` is a head exported earlier (``head``: number and hash): the chain must still
    contain that event with that hash, which also finds events removed from the end and a
    chain rewritten with fresh hashes. Rows stream in batches, so memory stays flat."""
    with plain_rows(connection, CHAIN_ROWS, VERIFY_BATCH) as rows:
        return _walk(connection, rows, kept)


class _QuotedOnce(dict[str, str]):
    """JSON string literals of strings, each computed once."""

    def __missing__(self, key: str) -> str:
        value = self[key] = _quote(key)
        return value


def _walk(
    connection: Connection, rows: Iterator[tuple[Any, ...]], kept: tuple[int, str] | None
) -> ChainReport:
    expected, prev_hash, count = 1, GENESIS, 0
    sha256, quote = hashlib.sha256, _quote
    quoted = _QuotedOnce()  # actions, actors and object types recur
    for row in rows:
        seq, at, actor, action, object_type, object_id, details, stored_prev, digest = row
        count += 1
        if seq != expected:
            return ChainReport(
                count,
                prev_hash,
                expected,
                f"Ereignis {expected} fehlt (nächstes vorhandenes: {seq}).",
                "removed",
            )
        # SQLite hands back the stored text 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), PostgreSQL a
        # datetime; anything else cannot match and takes the slow path.
        stamp = (
            f"{at[:10]}T{at[11:]}+00:00"
            if type(at) is str and len(at) == 26 and at[10] == " "
            else _utc_text(at)
            if isinstance(at, datetime)
            else ""
        )
        # ``event_text`` written out here: this loop runs once per event of the whole chain.
        message = (
            f'{stored_prev}{{"action":{quoted[action]},"actor":{quoted[actor]},'
            f'"at":{quote(stamp)},"details":{details},"object_id":{quote(object_id)},'
            f'"object_type":{quoted[object_type]},"seq":{seq}}}'
        )
        if stored_prev != prev_hash or (
            sha256(message.encode()).hexdigest() != digest and _slow_hash(row) != digest
        ):
            return _diagnose(connection, row, count, prev_hash)
        if kept is not None and seq == kept[0] and digest != kept[1]:
            return ChainReport(
                count,
                prev_hash,
                seq,
                f"Ereignis {seq} hat nicht mehr den aufbewahrten Hash {kept[1]}: das Protokoll "
                "wurde bis dorthin neu geschrieben.",
                "rewritten",
            )
        prev_hash, expected = digest, expected + 1
    if kept is not None and kept[0] > count:
        return ChainReport(
            count,
            prev_hash,
            count + 1,
            f"Das Protokoll endet mit Ereignis {count}, der aufbewahrte Kopf nennt Ereignis "
            f"{kept[0]}: Ereignisse am Ende wurden entfernt.",
            "truncated",
        )
    return ChainReport(count, prev_hash, None, None)


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
            _utc_text(r.occurred_at),
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            json.loads(r.details),
        )
        for r in rows
    ]
