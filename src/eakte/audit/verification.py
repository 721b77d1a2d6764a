"""Recomputing the audit chain: the first altered, removed or reordered event, by name.

One walk does the work (``_walk``): it reads the events in order as they are stored in
``audit_log`` (number, body, hash), hashes each body after the hash before it and compares that
with the stored hash; the body must also carry the event's own number. The body is the event
(the view ``audit_events`` reads every field out of it), so an intact chain is an intact log,
provided the view is still the one eakte made (``storage.view_intact``, checked after the walk).

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
import multiprocessing
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, func, select

from eakte.audit.chain import GENESIS
from eakte.audit.storage import VIEW, view_intact
from eakte.db.engine import Database
from eakte.db.schema import audit_log
from eakte.db.streaming import range_rows

# Below this many events per process, starting processes costs more than it saves.
EVENTS_PER_PROCESS = 50_000

# The stored events, the body as bytes (what is hashed): SQLite casts it, on PostgreSQL
# ``db.streaming`` hands ``text`` over as bytes.
_EVENTS_SQL = {
    "sqlite": (
        "SELECT id, CAST(body AS BLOB), hash FROM audit_log WHERE id BETWEEN {lo} AND {hi} "
        "ORDER BY id"
    ),
    "postgresql": "SELECT id, body, hash FROM audit_log WHERE id BETWEEN {lo} AND {hi} ORDER BY id",
}
EventRow = tuple[int, bytes, str]
# How every body ends: with the event's number.
_SEQ_END = b',"seq":%d}'


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found. ``broken_at`` is the number of the first event that is altered,
    missing or out of place; ``kind`` says which: ``altered``, ``removed``, ``reordered``,
    ``relinked`` (it points to an event that no longer exists), ``truncated`` or ``rewritten``
    (both found against a kept head). ``view``: the events are intact, but the view that shows
    them was changed (``broken_at`` is then empty)."""

    events: int
    head: str
    broken_at: int | None
    problem: str | None
    kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Position:
    """Where a walk stands: the number the next event must have, the hash it must continue
    from, and how many events were walked before."""

    expected: int
    prev_hash: str
    count: int


_START = _Position(1, GENESIS, 0)


def _diagnose(connection: Connection, seq: int, count: int, prev_hash: str) -> ChainReport:
    """Name what happened to event ``seq``, the first that does not continue the chain."""
    stored_prev = connection.execute(
        select(audit_log.c.prev_hash).where(audit_log.c.id == seq)
    ).scalar_one()
    if stored_prev == prev_hash:
        return ChainReport(count, prev_hash, seq, f"Ereignis {seq} wurde verändert.", "altered")
    origin = (
        0
        if stored_prev == GENESIS
        else connection.execute(
            select(audit_log.c.id).where(audit_log.c.hash == stored_prev).limit(1)
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


@contextmanager
def event_rows(connection: Connection, first: int, last: int) -> Iterator[Iterator[EventRow]]:
    """Events ``first``‥``last`` as ``(number, body as UTF-8 bytes, hash)``: what the walk
    reads, straight from the driver. Nothing else runs on ``connection`` inside the block."""
    with range_rows(connection, _EVENTS_SQL[connection.dialect.name], first, last) as rows:
        yield rows


def _walk(
    connection: Connection,
    last: int,
    kept: tuple[int, str] | None,
    start: _Position,
) -> tuple[ChainReport, _Position]:
    """Walk the events from ``start`` up to ``last``: the report (``events`` counted from the
    chain's start, ``head`` the last hash walked) and where the walk stopped. A broken event is
    looked into once the rows are closed."""
    with event_rows(connection, start.expected, last) as rows:
        broken, position = _walk_rows(rows, kept, start)
    if broken is None:
        return ChainReport(position.count, position.prev_hash, None, None), position
    if isinstance(broken, ChainReport):
        return broken, position
    return _diagnose(connection, broken, position.count, position.prev_hash), position


def _walk_rows(
    rows: Iterator[EventRow], kept: tuple[int, str] | None, start: _Position
) -> tuple[ChainReport | int | None, _Position]:
    """The walk itself: ``None`` when every row continues the chain; the report of a missing
    event or a rewritten one (against ``kept``); or the number of the first event whose body
    does not continue the chain (``_diagnose`` names what happened to it)."""
    expected, prev_hash, count = start.expected, start.prev_hash, start.count
    prev = prev_hash.encode()
    sha256, seq_end = hashlib.sha256, _SEQ_END
    for seq, body, digest in rows:
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
        if sha256(prev + body).hexdigest() != digest or not body.endswith(seq_end % seq):
            return seq, _Position(expected, prev_hash, count)
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
    return None, _Position(expected, prev_hash, count)


def _finish(
    connection: Connection, report: ChainReport, kept: tuple[int, str] | None
) -> ChainReport:
    """Against a kept head, an intact chain must reach it; and the view must show it as it is."""
    if report.ok and kept is not None and kept[0] > report.events:
        return ChainReport(
            report.events,
            report.head,
            report.events + 1,
            f"Das Protokoll endet mit Ereignis {report.events}, der aufbewahrte Kopf nennt "
            f"Ereignis {kept[0]}: Ereignisse am Ende wurden entfernt.",
            "truncated",
        )
    if report.ok and not view_intact(connection):
        return ChainReport(
            report.events,
            report.head,
            None,
            f"Die Ereignisse sind unverändert, aber die Sicht »{VIEW}«, durch die eakte sie "
            "liest, wurde verändert: Seiten und Exporte zeigen womöglich anderes, als "
            "gespeichert ist. Bitte die Datenbank prüfen lassen.",
            "view",
        )
    return report


def _last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.max(audit_log.c.id))).scalar() or 0)


def verify(connection: Connection, kept: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash in this transaction; report the first event that is altered,
    missing or out of order.

    ``kept`` is a head exported earlier (``head``: number and hash): the chain must still
    contain that event with that hash, which also finds events removed from the end and a
    chain rewritten with fresh hashes. Rows stream, so memory stays flat."""
    report, _ = _walk(connection, _last_id(connection), kept, _START)
    return _finish(connection, report, kept)


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
            select(audit_log.c.id, audit_log.c.prev_hash)
            .where(audit_log.c.id >= first, audit_log.c.id <= last)
            .order_by(audit_log.c.id)
            .limit(1)
        ).first()
        if head_row is None:
            return _Range(None, "", ChainReport(0, "", None, None), _Position(first, "", 0))
        start = _Position(head_row[0], head_row[1], 0)
        report, end = _walk(connection, last, kept, start)
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
                report, _ = _walk(connection, last, kept, position)
                return _finish(connection, report, kept)
        position = _Position(
            found.end.expected, found.end.prev_hash, position.count + found.report.events
        )
    with database.read() as connection:
        report = ChainReport(position.count, position.prev_hash, None, None)
        return _finish(connection, report, kept)
