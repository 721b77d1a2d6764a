"""``eakte add``: file files and whole folders in batches; running it again files nothing twice.

Files are walked lazily (memory stays flat: at most two batches are held). Each batch is
prepared outside the database transaction — bytes stored durably, text extracted and analysed —
by a pool of worker processes when there is enough work, while the previous batch is committed
in one transaction. A re-run recognises what is filed by the bytes' SHA-256 in the target case
and skips it without extracting again.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.errors import EakteError, NotFoundError, ValidationError
from eakte.ingest.filing import Filer
from eakte.ingest.prepared import PreparedFile
from eakte.ingest.writer import commit_many, filed_in_case
from eakte.records.dossiers import ensure_case_writable, get_case

MAX_REPORTED_FAILURES = 10_000
Outcome = PreparedFile | str  # a prepared file, or why the file could not be read

_worker_filer: Filer | None = None


@dataclass
class AddSummary:
    added: int = 0
    duplicates: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    extraction_errors: list[dict[str, str]] = field(default_factory=list)
    attachments: int = 0
    failed_count: int = 0

    def fail(self, path: Path | str, error: str) -> None:
        self.failed_count += 1
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append({"path": str(path), "error": error})


def iter_files(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Regular files below ``paths`` in a stable order. Hidden entries and symbolic links are
    skipped; a path that does not exist yields ``(path, error)``."""
    for path in paths:
        if path.is_symlink():
            yield path, "symbolische Verknüpfung wird nicht verfolgt"
        elif path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".") and not os.path.islink(os.path.join(root, d))
                )
                for name in sorted(files):
                    full = Path(root) / name
                    if not name.startswith(".") and full.is_file() and not full.is_symlink():
                        yield full
        else:
            yield path, "Datei oder Ordner nicht gefunden"


def count_files(paths: Iterable[Path]) -> int:
    return sum(1 for item in iter_files(paths) if isinstance(item, Path))


def _batches(
    items: Iterator[Path | tuple[Path, str]], size: int
) -> Iterator[list[Path | tuple[Path, str]]]:
    batch: list[Path | tuple[Path, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepare_one(filer: Filer, path: Path) -> Outcome:
    try:
        return filer.prepare(path, defer_if_stored=True)
    except (OSError, ValidationError) as exc:
        if isinstance(exc, EakteError):
            return exc.message
        return exc.strerror or str(exc)


def _init_worker(blob_root: str, max_file_size: int) -> None:
    global _worker_filer
    _worker_filer = Filer(FolderBlobStore(Path(blob_root)), max_file_size, durable=False)


def _prepare_in_worker(path: Path) -> Outcome:
    assert _worker_filer is not None
    return _prepare_one(_worker_filer, path)


class _Preparer:
    """Prepares batches inline or in worker processes; ``submit`` returns at once."""

    def __init__(self, filer: Filer, workers: int) -> None:
        # Bytes are flushed once per batch (``_make_durable``), not once per file.
        self.filer = Filer(filer.blobs, filer.max_file_size, durable=False)
        self.workers = workers
        self.pool: Executor | None = None

    def submit(self, batch: list[Path | tuple[Path, str]]) -> list[Future[Outcome] | Outcome]:
        paths = [item for item in batch if isinstance(item, Path)]
        if self.pool is None and self.workers > 1 and len(paths) >= 2 * self.workers:
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(str(self.filer.blobs.root), self.filer.max_file_size),
            )
        result: list[Future[Outcome] | Outcome] = []
        for item in batch:
            if isinstance(item, tuple):
                result.append(item[1])
            elif self.pool is not None:
                result.append(self.pool.submit(_prepare_in_worker, item))
            else:
                result.append(_prepare_one(self.filer, item))
        return result

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _collect(
    db: Database,
    filer: Filer,
    case_id: int,
    batch: list[Path | tuple[Path, str]],
    outcomes: list[Future[Outcome] | Outcome],
    summary: AddSummary,
) -> list[tuple[Path, PreparedFile]]:
    ready: list[tuple[Path, PreparedFile]] = []
    for item, outcome in zip(batch, outcomes, strict=True):
        path = item[0] if isinstance(item, tuple) else item
        value = outcome.result() if isinstance(outcome, Future) else outcome
        if isinstance(value, str):
            summary.fail(path, value)
        else:
            ready.append((path, value))
    pending = [p.blob.sha256 for _, p in ready if p.extraction_pending]
    if pending:
        with db.read() as connection:
            filed = filed_in_case(connection, case_id, pending)
        ready = [(path, p if p.blob.sha256 in filed else filer.finish(p)) for path, p in ready]
    return ready


def _hashes(items: Iterable[PreparedFile]) -> Iterator[str]:
    for item in items:
        yield item.blob.sha256
        yield from _hashes(item.attachments)


def _commit(
    db: Database,
    filer: Filer,
    case_ref: str,
    ready: list[tuple[Path, PreparedFile]],
    actor: str,
    summary: AddSummary,
) -> None:
    # The bytes must be on stable storage before the rows that point to them commit.
    filer.blobs.make_durable(list(_hashes(p for _, p in ready)))
    with db.write() as connection:
        case = get_case(connection, case_ref)
        dossier = ensure_case_writable(connection, case)
        filed = commit_many(connection, case, dossier, [p for _, p in ready], actor)
    for (path, _), document in zip(ready, filed, strict=True):
        if document.duplicate:
            summary.duplicates += 1
            continue
        summary.added += 1
        summary.attachments += document.attachments
        if document.error:
            summary.extraction_errors.append({"path": str(path), "error": document.error})


def add_paths(
    db: Database,
    filer: Filer,
    case_ref: str,
    paths: list[Path],
    actor: str,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> AddSummary:
    """File every file below ``paths`` into the case ``case_ref``."""
    if not paths:
        raise NotFoundError("Keine Dateien angegeben.")
    with db.read() as connection:
        case = get_case(connection, case_ref)
        ensure_case_writable(connection, case)
    summary = AddSummary()
    preparer = _Preparer(filer, workers)
    try:
        batches = _batches(iter_files(paths), batch_size)
        current = next(batches, None)
        outcomes = preparer.submit(current) if current else []
        while current is not None:
            following = next(batches, None)
            # Hand the next batch to the workers before committing this one.
            next_outcomes = preparer.submit(following) if following else []
            ready = _collect(db, preparer.filer, case.id, current, outcomes, summary)
            _commit(db, preparer.filer, case_ref, ready, actor, summary)
            if progress:
                progress(len(current))
            current, outcomes = following, next_outcomes
    finally:
        preparer.close()
    return summary
