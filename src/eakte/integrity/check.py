"""Consistency of database, blob store and search index, in constant memory.

Stored hashes and blob files are both walked in SHA-256 order and merged, so a million blobs
need no million-entry set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, exists, func, or_, select, text

from eakte.blobs.store import BlobStore, hash_stream
from eakte.core.records import DocumentState
from eakte.db.schema import CONTENT_TABLES, contents, documents

ORPHAN_GRACE_SECONDS = 3600.0


@dataclass
class CheckReport:
    contents_checked: int = 0
    damaged: list[str] = field(default_factory=list)  # one German line per problem
    orphans: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.damaged


def _stored_hashes(connection: Connection, batch: int = 2000) -> Iterator[tuple[str, int, bool]]:
    """Every content: hash, size, and whether a document still needs it. Contents that only
    destroyed documents point to are dead: their bytes were erased on purpose."""
    column = contents.c.sha256
    if connection.dialect.name == "postgresql":
        column = column.collate("C")  # type: ignore[assignment]
    live = [
        exists().where(
            table.c.content_sha256 == contents.c.sha256,
            table.c.document_id == documents.c.id,
            documents.c.state != DocumentState.DESTROYED.value,
        )
        for table in CONTENT_TABLES
    ]
    unused = and_(
        *[~exists().where(table.c.content_sha256 == contents.c.sha256) for table in CONTENT_TABLES]
    )
    after = ""
    while True:
        rows = connection.execute(
            select(contents.c.sha256, contents.c.size, or_(*live, unused))
            .where(column > after)
            .order_by(column)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from ((r[0], r[1], bool(r[2])) for r in rows)
        after = rows[-1][0]


def _check_blob(blobs: BlobStore, sha: str, size: int, report: CheckReport) -> None:
    try:
        with blobs.open(sha) as handle:
            actual, actual_size = hash_stream(handle)
    except OSError as exc:
        report.damaged.append(f"Inhalt {sha}: Datei nicht lesbar ({exc.strerror}).")
        return
    if actual != sha:
        report.damaged.append(f"Inhalt {sha}: Prüfsumme stimmt nicht (gelesen {actual}).")
    elif actual_size != size:
        report.damaged.append(f"Inhalt {sha}: Größe {actual_size} statt {size} Bytes.")


def _index_gaps(connection: Connection) -> int:
    if connection.dialect.name == "sqlite":
        sql = (
            "SELECT count(*) FROM documents d WHERE d.state <> :destroyed AND NOT EXISTS "
            "(SELECT 1 FROM search_fts f WHERE f.rowid = d.id)"
        )
    else:
        sql = (
            "SELECT count(*) FROM documents d WHERE d.state <> :destroyed AND NOT EXISTS "
            "(SELECT 1 FROM search_index s WHERE s.document_id = d.id)"
        )
    # Destroyed documents are left out of the index on purpose.
    return int(
        connection.execute(text(sql), {"destroyed": DocumentState.DESTROYED.value}).scalar_one()
    )


def check(
    connection: Connection,
    blobs: BlobStore,
    collect_orphans: bool = False,
    progress: Callable[[int], None] | None = None,
) -> CheckReport:
    """Verify every stored content against its blob; find blobs no row points to."""
    report = CheckReport()
    on_disk = iter(blobs.iter_hashes())
    pending = next(on_disk, None)
    for sha, size, live in _stored_hashes(connection):
        while pending is not None and pending < sha:
            report.orphans.append(pending)
            pending = next(on_disk, None)
        if pending == sha:
            if live:
                _check_blob(blobs, sha, size, report)
            else:  # destroyed, but the bytes are left over (a crash before their removal)
                report.orphans.append(sha)
            pending = next(on_disk, None)
        elif live:
            report.damaged.append(f"Inhalt {sha}: Datei fehlt im Ablageordner.")
        report.contents_checked += 1
        if progress:
            progress(1)
    while pending is not None:
        report.orphans.append(pending)
        pending = next(on_disk, None)
    missing_index = _index_gaps(connection)
    if missing_index:
        report.damaged.append(f"{missing_index} Dokument(e) fehlen im Suchindex.")
    if collect_orphans:
        # Only blobs untouched for the grace time: a younger one may belong to a filing that
        # has not committed yet (``put`` touches bytes it finds stored already).
        settled = time.time() - ORPHAN_GRACE_SECONDS
        for sha in report.orphans:
            if blobs.delete_unless_stored_since(sha, settled):
                report.collected.append(sha)
    return report


def count_contents(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(contents)).scalar_one())


def count_documents(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(documents)).scalar_one())
