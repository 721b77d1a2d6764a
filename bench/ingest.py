"""Ingest throughput (documents/s): eakte's ``add_paths`` against the raw extraction pipeline.

Datasets: the first ``--karlsruhe N`` Karlsruhe text files, and all text-layer PDFs of the small
corpus. Baseline ("raw"): read the bytes, SHA-256 them and run ``extract_file`` on every file, no
database and no blob store. eakte: a fresh installation, ``add_paths`` into one case (blob store,
extraction, analysis, records, index and audit chain). Both run with a warm page cache.

    .venv/bin/python bench/ingest.py [--karlsruhe 2000] [--batch-size N] [--repeat 3]
                                     [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from benchlib import (
    ACTOR,
    add_common_options,
    corpus_root,
    emit,
    fail,
    log,
    make_settings,
    rnd,
    safe_ratio,
    setup_org,
    unpack,
)
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.extract import extract_file
from eakte.ingest import add_paths
from eakte.ingest.batch import iter_files
from eakte.ingest.filing import Filer
from eakte.search.analyzer import analyze_to_string


class TimedDatabase(Database):
    """A ``Database`` that adds up the wall time of its write transactions (incl. COMMIT)."""

    write_seconds = 0.0

    @contextmanager
    def write(self) -> Iterator[Connection]:
        start = time.perf_counter()
        try:
            with super().write() as connection:
                yield connection
        finally:
            self.write_seconds += time.perf_counter() - start


def karlsruhe_input(work: Path, count: int) -> Path:
    """A folder holding (hard links to) the first ``count`` Karlsruhe text files by name."""
    source = unpack("karlsruhe_text", work) / "text"
    names = sorted(p.name for p in source.glob("*.txt"))
    if count > len(names):
        fail(f"--karlsruhe {count}: the corpus has only {len(names)} text files.")
    target = work / "ingest" / f"karlsruhe-{count}"
    if target.is_dir() and len(list(target.iterdir())) == count:
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in names[:count]:
        try:
            os.link(source / name, target / name)
        except OSError:
            shutil.copyfile(source / name, target / name)
    return target


def list_files(folder: Path) -> list[Path]:
    return [item for item in iter_files([folder]) if isinstance(item, Path)]


def warm(files: list[Path]) -> int:
    """Read every file once so both pipelines start from a warm page cache."""
    return sum(len(path.read_bytes()) for path in files)


def run_raw(files: list[Path], analyse: bool = False) -> dict[str, Any]:
    """read + SHA-256 + extract; with ``analyse`` also the German text analysis that any
    stemmed index needs (the second baseline)."""
    errors = 0
    start = time.perf_counter()
    for path in files:
        hashlib.sha256(path.read_bytes()).hexdigest()
        extraction = extract_file(path)
        if extraction.error:
            errors += 1
        if analyse:
            analyze_to_string(extraction.text)
    seconds = time.perf_counter() - start
    return {
        "docs": len(files),
        "seconds": rnd(seconds),
        "docs_per_s": rnd(len(files) / seconds, 1),
        "extraction_errors": errors,
    }


def run_eakte(
    name: str,
    folder: Path,
    work: Path,
    database_url: str | None,
    batch_size: int | None,
    workers: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    data = work / "ingest" / f"{name}-data"
    shutil.rmtree(data, ignore_errors=True)
    settings = make_settings(data, database_url)
    batch = batch_size or settings.ingest_batch_size
    db = TimedDatabase(settings)
    try:
        upgrade(db)
        org = setup_org(db, settings, units=1, label="Ingest")
        case_ref = org.cases[0].reference
        blobs = FolderBlobStore(settings.resolved_blob_dir)
        blobs.ensure()
        filer = Filer(blobs, settings.max_file_size)
        files = len(list_files(folder))
        db.write_seconds = 0.0
        start = time.perf_counter()
        summary = add_paths(db, filer, case_ref, [folder], ACTOR, batch_size=batch, workers=workers)
        seconds = time.perf_counter() - start
    finally:
        db.dispose()
    measured = {
        "docs": files,
        "seconds": rnd(seconds),
        "docs_per_s": rnd(files / seconds, 1),
        "added": summary.added,
        "duplicates": summary.duplicates,
        "attachments": summary.attachments,
        "failed": summary.failed_count,
        "extraction_errors": len(summary.extraction_errors),
        "batch_size": batch,
        "workers": workers,
    }
    # Preparing (blob + fsync, extraction, analysis) runs in worker processes, overlapping the
    # write transactions; what is not spent in a write transaction is waiting for preparation.
    split = {
        "write_transactions_s": rnd(db.write_seconds),
        "outside_write_s": rnd(seconds - db.write_seconds),
        "write_share": safe_ratio(db.write_seconds, seconds),
    }
    return measured, split


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time, with every run's time beside it."""
    ordered = sorted(runs, key=lambda run: float(run["seconds"]))
    return {**ordered[len(ordered) // 2], "runs_seconds": [run["seconds"] for run in runs]}


def measure(
    name: str,
    folder: Path,
    work: Path,
    database_url: str | None,
    batch_size: int | None,
    repeat: int,
    workers: int,
) -> dict[str, Any]:
    files = list_files(folder)
    if not files:
        fail(f"no files in {folder}")
    size = warm(files)
    log(f"{name}: {len(files)} files, {size / 1e6:.1f} MB; raw pipeline × {repeat} …")
    raw = median_run([run_raw(files) for _ in range(repeat)])
    analysed = median_run([run_raw(files, analyse=True) for _ in range(repeat)])
    result: dict[str, Any] = {
        "files": len(files),
        "bytes": size,
        "raw": raw,
        "raw_with_analysis": analysed,
    }
    # One process (comparable with the single-process raw pipeline) and the worker pool.
    for label, count in (("eakte_1_process", 1), (f"eakte_{workers}_workers", workers)):
        if label in result:
            continue
        log(f"{name}: raw {raw['docs_per_s']} docs/s; {label} × {repeat} …")
        runs = []
        for _ in range(repeat):
            warm(files)
            measured, split = run_eakte(name, folder, work, database_url, batch_size, count)
            runs.append({**measured, "split": split})
        eakte = median_run(runs)
        log(f"{name}: {label} {eakte['docs_per_s']} docs/s")
        result[label] = eakte
        result[f"ratio_{label}_to_raw"] = safe_ratio(eakte["docs_per_s"], raw["docs_per_s"])
        result[f"ratio_{label}_to_raw_with_analysis"] = safe_ratio(
            eakte["docs_per_s"], analysed["docs_per_s"]
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--karlsruhe", type=int, default=2000, help="Karlsruhe text files to ingest (default 2000)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="files per transaction (default: the setting ingest_batch_size)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per pipeline; the median run is reported"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="worker processes for the second eakte run (default: cores, at most 4)",
    )
    add_common_options(parser)
    args = parser.parse_args()
    if args.karlsruhe < 1 or args.repeat < 1:
        fail("--karlsruhe and --repeat must be at least 1")
    work: Path = args.work.resolve()
    pdf_folder = corpus_root() / "small" / "pdf" / "text_layer"
    if not pdf_folder.is_dir():
        fail(f"{pdf_folder} is missing from the corpus.")
    datasets = {
        f"karlsruhe_text_{args.karlsruhe}": karlsruhe_input(work, args.karlsruhe),
        "pdf_text_layer": pdf_folder,
    }
    results = {
        name: measure(
            name, folder, work, args.database_url, args.batch_size, args.repeat, args.workers
        )
        for name, folder in datasets.items()
    }
    emit(
        {
            "benchmark": "ingest",
            "backend": "postgresql" if args.database_url else "sqlite",
            "unit": "documents per second; ratio_eakte_to_raw = eakte docs/s ÷ raw docs/s",
            "repeat": args.repeat,
            "datasets": results,
        }
    )


if __name__ == "__main__":
    main()
