"""Recomputing the audit chain: the first altered, removed or reordered event, by name.

One walk does the work (``_walk``): it reads the events in order as the bytes they are stored as
(the time as text, the details as canonical JSON), puts each event's ``prev_hash ‖ canonical
JSON`` together by byte formatting (``chain.STORED_EVENT``) and compares its SHA-256 with the
stored hash. A row that does not match that way (a time or details in an earlier layout) is read
again and recomputed from parsed fields before it counts as altered.

The chain is defined by the hashes: each one covers the hash before it. The ``prev_hash`` column
is a copy of that, read only to say what happened to a broken event (moved, or its predecessor
removed).

``verify_database`` splits a long chain into ranges walked by parallel processes, one per core;
each range starts from the stored predecessor hash of its first event. When the ranges join up
and each is intact, the chain is; otherwise the walk is repeated in this process from the first
range that does not join or is broken, so the report is the one a single walk gives.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, func, select

from eakte.audit.chain import GENESIS, STORED_EVENT, _quote, event_hash, quoted, utc_text
from eakte.db.engine import Database
from eakte.db.schema import audit_events
from eakte.db.streaming import plain_rows

# Rows fetched per round trip from PostgreSQL (memory stays flat whatever the chain's length).
VERIFY_BATCH = 5000
# Below this many events per process, starting processes costs more than it saves.
EVENTS_PER_PROCESS = 50_000

# The columns as stored, as bytes where the event text is built from them. PostgreSQL gives the
# time as SQLite stores it (UTC, to the microsecond) so one walk serves both.
_FAST_SQL = {
    "sqlite": (
        "SELECT id, CAST(occurred_at AS BLOB), actor, action, object_type, object_id, "
        "CAST(details AS BLOB), hash FROM audit_events WHERE id BETWEEN {first} AND {last} "
        "ORDER BY id"
    ),
    "postgresql": (
        "SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), actor, "
        "action, object_type, object_id, details, hash FROM audit_events "
        "WHERE id BETWEEN {first} AND {last} ORDER BY id"
    ),
}


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


@dataclass(frozen=True)
class _Position:
    """Where a walk stands: the number the next event must have, the hash it must continue
    from, and how many events were walked before."""

    expected: int
    prev_hash: str
    count: int


_START = _Position(1, GENESIS, 0)


class _QuotedOnce(dict[str, bytes]):
    """JSON string literals of strings (actions, actors, object types recur), each built once."""

    def __missing__(self, key: str) -> bytes:
        value = self[key] = quoted(key)
        return value


def _full_row(connection: Connection, seq: int) -> Any:
    return connection.execute(
        select(
            audit_events.c.id,
            audit_events.c.occurred_at,
            audit_events.c.actor,
            audit_events.c.action,
            audit_events.c.object_type,
            audit_events.c.object_id,
            audit_events.c.details,
            audit_events.c.prev_hash,
            audit_events.c.hash,
        ).where(audit_events.c.id == seq)
    ).one()


def _slow_hash(row: Any, prev_hash: str) -> str | None:
    """The hash of a stored row after ``prev_hash``, recomputed from parsed fields (details
    stored in any JSON layout, times in any ISO form); ``None`` when a field cannot be read."""
    try:
        at = row[1] if isinstance(row[1], datetime) else datetime.fromisoformat(row[1])
        details = json.loads(row[6])
    except (TypeError, ValueError):
        return None
    fields = {
        "seq": row[0],
        "at": utc_text(at),
        "actor": row[2],
        "action": row[3],
        "object_type": row[4],
        "object_id": row[5],
        "details": details,
    }
    return event_hash(prev_hash, fields)


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


def event_rows(connection: Connection, first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """Events ``first``‥``last`` as ``(id, time, actor, action, object type, object id,
    details, hash)`` with the time and the details as UTF-8 bytes: what the walk reads."""
    backend = connection.dialect.name
    sql = _FAST_SQL[backend].format(first=int(first), last=int(last))
    with plain_rows(connection, sql, VERIFY_BATCH) as rows:
        if backend == "sqlite":
            yield from rows
        else:
            for seq, at, actor, action, kind, object_id, details, digest in rows:
                yield seq, at.encode(), actor, action, kind, object_id, details.encode(), digest


def _walk(
    connection: Connection,
    rows: Iterator[tuple[Any, ...]],
    kept: tuple[int, str] | None,
    start: _Position,
) -> tuple[ChainReport, _Position]:
    """Walk ``rows`` on from ``start``: the report (``events`` counted from the chain's start,
    ``head`` the last hash walked) and where the walk stopped."""
    expected, prev_hash, count = start.expected, start.prev_hash, start.count
    prev = prev_hash.encode()
    sha256, template, quote = hashlib.sha256, STORED_EVENT, _quote
    literal = _QuotedOnce()
    for seq, at, actor, action, object_type, object_id, details, digest in rows:
        count += 1
        if seq != expected:
            report = ChainReport(
                count,
                prev_hash,
                expected,
                f"Ereignis {expected} fehlt (nächstes vorhandenes: {seq}).",
                "removed",
            )
            return report, _Position(expected, prev_hash, count)
        # ``chain.stored_event`` written out: this runs once per event of the whole chain. A
        # time of another shape cannot match and is recomputed from the parsed row below.
        message = template % (
            prev,
            literal[action],
            literal[actor],
            at[:10],
            at[11:] if len(at) == 26 and at[10] == 32 else b"",
            details,
            quote(object_id).encode(),
            literal[object_type],
            seq,
        )
        if sha256(message).hexdigest() != digest:
            row = _full_row(connection, seq)
            if _slow_hash(row, prev_hash) != digest:
                return _diagnose(connection, row, count, prev_hash), _Position(
                    expected, prev_hash, count
                )
        if kept is not None and seq == kept[0] and digest != kept[1]:
            report = ChainReport(
                count,
                prev_hash,
                seq,
                f"Ereignis {seq} hat nicht mehr den aufbewahrten Hash {kept[1]}: das Protokoll "
                "wurde bis dorthin neu geschrieben.",
                "rewritten",
            )
            return report, _Position(expected, prev_hash, count)
        prev_hash, expected = digest, expected + 1
        prev = digest.encode()
    return ChainReport(count, prev_hash, None, None), _Position(expected, prev_hash, count)


def _finish(report: ChainReport, kept: tuple[int, str] | None) -> ChainReport:
    """Against a kept head, an intact chain must reach it."""
    if report.ok and kept is not None and kept[0] > report.events:
        return ChainReport(
            report.events,
            report.head,
            report.events + 1,
            f"Das Protokoll endet mit Ereignis {report.events}, der aufbewahrte Kopf nennt "
            f"Ereignis {kept[0]}: Ereignisse am Ende wurden entfernt.",
            "truncated",
        )
    return report


def _last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.max(audit_events.c.id))).scalar() or 0)


def verify(connection: Connection, kept: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash in this transaction; report the first event that is altered,
    missing or out of order.

    ``kept`` is a head exported earlier (``head``: number and hash): the chain must still
    contain that event with that hash, which also finds events removed from the end and a
    chain rewritten with fresh hashes. Rows stream, so memory stays flat."""
    report, _ = _walk(connection, event_rows(connection, 1, _last_id(connection)), kept, _START)
    return _finish(report, kept)


# --------------------------------------------------------------------------- in parallel


@dataclass(frozen=True)
class _Range:
    """What one process found in events ``first``‥``last``."""

    first_id: int | None  # the first event present in the range (None: none is)
    first_prev: str  # the hash that event says it follows
    report: ChainReport  # counted from the range's start
    end: _Position


def available_processes() -> int:
    return len(os.sched_getaffinity(0))


def _walk_range(database: Database, first: int, last: int, kept: tuple[int, str] | None) -> _Range:
    with database.read() as connection:
        head_row = connection.execute(
            select(audit_events.c.id, audit_events.c.prev_hash)
            .where(audit_events.c.id >= first, audit_events.c.id <= last)
            .order_by(audit_events.c.id)
            .limit(1)
        ).first()
        if head_row is None:
            return _Range(None, "", ChainReport(0, "", None, None), _Position(first, "", 0))
        start = _Position(head_row[0], head_row[1], 0)
        report, end = _walk(connection, event_rows(connection, head_row[0], last), kept, start)
        return _Range(head_row[0], head_row[1], report, end)


def _child(database: Database, first: int, last: int, kept: Any, pipe: Pipe) -> None:
    """A forked process: its own connections (none of the parent's are touched)."""
    own = Database(database.settings)
    try:
        pipe.send(("ok", _walk_range(own, first, last, kept)))
    except BaseException:  # every failure goes back to the parent, as text
        pipe.send(("error", traceback.format_exc()))
    finally:
        own.dispose()
        pipe.close()


def _ranges(last: int, parts: int) -> list[tuple[int, int]]:
    size = -(-last // parts)
    return [(lo, min(lo + size - 1, last)) for lo in range(1, last + 1, size)]


def _in_parallel(
    database: Database, bounds: list[tuple[int, int]], kept: tuple[int, str] | None
) -> list[_Range]:
    context = multiprocessing.get_context("fork")
    children = []
    for first, last in bounds:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_child, args=(database, first, last, kept, send), daemon=True
        )
        process.start()
        send.close()
        children.append((process, receive))
    results: list[_Range] = []
    failure = None
    for process, receive in children:
        try:
            status, value = receive.recv()
        except EOFError:
            status, value = "error", f"Prüfprozess {process.pid} endete ohne Ergebnis."
        finally:
            receive.close()
        process.join()
        if status == "ok":
            results.append(value)
        elif failure is None:
            failure = value
    if failure is not None:
        raise RuntimeError(f"Die Prüfung eines Abschnitts der Audit-Kette schlug fehl:\n{failure}")
    return results


def verify_database(
    database: Database, kept: tuple[int, str] | None = None, processes: int | None = None
) -> ChainReport:
    """``verify`` over the whole chain, a long one in ``processes`` parallel ranges (default:
    one per core this process may use). The report is the same as ``verify``'s."""
    with database.read() as connection:
        last = _last_id(connection)
    parts = min(processes or available_processes(), max(1, last // EVENTS_PER_PROCESS))
    if parts <= 1:
        with database.read() as connection:
            return verify(connection, kept)
    position = _START
    for found in _in_parallel(database, _ranges(last, parts), kept):
        if found.first_id is None:
            continue
        joins = found.first_id == position.expected and found.first_prev == position.prev_hash
        if not (joins and found.report.ok):
            # Walk again from here in this process: the first break, named as ``verify`` would.
            with database.read() as connection:
                rows = event_rows(connection, position.expected, last)
                report, _ = _walk(connection, rows, kept, position)
            return _finish(report, kept)
        position = _Position(
            found.end.expected, found.end.prev_hash, position.count + found.report.events
        )
    return _finish(ChainReport(position.count, position.prev_hash, None, None), kept)
