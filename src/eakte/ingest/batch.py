"""``eakte add``: file files and whole folders in batches; running it again files nothing twice.

Files are walked lazily (memory stays flat), each batch is prepared outside the database
transaction and committed in one. A re-run recognises what is filed by the bytes' SHA-256 in the
target case and skips it without extracting again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from eakte.db.engine import Database
from eakte.errors import EakteError, NotFoundError, ValidationError
from eakte.ingest.filing import Filer, PreparedFile, find_in_case
from eakte.records.dossiers import Case, ensure_case_writable, get_case

MAX_REPORTED_FAILURES = 10_000


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


def _prepare_batch(
    db: Database,
    filer: Filer,
    case: Case,
    batch: list[Path | tuple[Path, str]],
    summary: AddSummary,
) -> list[tuple[Path, PreparedFile]]:
    prepared: list[tuple[Path, PreparedFile]] = []
    with db.read() as connection:

        def is_known(sha: str) -> bool:
            return find_in_case(connection, case.id, sha) is not None

        for item in batch:
            if isinstance(item, tuple):
                summary.fail(*item)
                continue
            try:
                prepared.append((item, filer.prepare(item, is_known=is_known)))
            except (OSError, ValidationError) as exc:
                message = exc.message if isinstance(exc, EakteError) else (exc.strerror or str(exc))
                summary.fail(item, message)
    return prepared


def _commit_batch(
    connection: Connection,
    filer: Filer,
    case_ref: str,
    prepared: list[tuple[Path, PreparedFile]],
    actor: str,
    summary: AddSummary,
) -> None:
    case = get_case(connection, case_ref)
    dossier = ensure_case_writable(connection, case)
    for path, item in prepared:
        if item.duplicate_hint:
            summary.duplicates += 1
            continue
        filed = filer.commit(connection, case, dossier, item, actor)
        if filed.duplicate:
            summary.duplicates += 1
            continue
        summary.added += 1
        summary.attachments += filed.attachments
        if filed.error:
            summary.extraction_errors.append({"path": str(path), "error": filed.error})


def add_paths(
    db: Database,
    filer: Filer,
    case_ref: str,
    paths: list[Path],
    actor: str,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> AddSummary:
    """File every file below ``paths`` into the case ``case_ref``."""
    with db.read() as connection:
        case = get_case(connection, case_ref)
        ensure_case_writable(connection, case)
    if not paths:
        raise NotFoundError("Keine Dateien angegeben.")
    summary = AddSummary()
    for batch in _batches(iter_files(paths), batch_size):
        prepared = _prepare_batch(db, filer, case, batch, summary)
        with db.write() as connection:
            _commit_batch(connection, filer, case_ref, prepared, actor, summary)
        if progress:
            progress(len(batch))
    return summary
