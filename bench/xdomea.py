"""xdomea export of one large dossier (time, MB/s, peak memory) against zipping the same files
with Python's ``zipfile``, measured in the same run.

A fresh installation in ``--work``/xdomea-N/ gets one dossier with ``--docs N`` documents
(default 10,000), the first N Karlsruhe texts of ../shared/corpus: each text goes into the blob
store (as ingest would) and its rows in bulk (``benchlib.BulkLoader``). Then:

* **zipfile** (baseline): the same blob files into one ZIP, same names and the same
  store/deflate choice per file (``package.compression_for``), nothing else;
* **eakte**: ``export_handover`` (0401): reading the records, streaming the XML, validating it
  against the official schema, copying every file with its SHA-256 checked, recording the
  process and the audit events.

Each is timed once without and once with ``tracemalloc`` (the peak of Python allocations; the
timed run is the one without). The import phase is added by the import work (``phase_*``).

    .venv/bin/python bench/xdomea.py [--docs 10000] [--version 3.0.0] [--work DIR]
                                     [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import shutil
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import (
    REPO,
    BulkDoc,
    BulkLoader,
    add_common_options,
    emit,
    fail,
    log,
    make_settings,
    read_text,
    rnd,
    safe_ratio,
    setup_org,
    spread_date,
    unpack,
)
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.interchange.export import export_handover
from eakte.interchange.model import DEFAULT_VERSION, VERSIONS, Party
from eakte.interchange.package import compression_for
from eakte.settings import Settings

SCHEMAS = REPO.parent / "shared" / "xdomea" / "schema"
BATCH = 1000
RECEIVER = Party("LK-NACHBAR", "Landkreis Nachbarland")


def phase_build(work: Path, docs: int, database_url: str | None) -> tuple[Settings, str]:
    """A fresh installation with one dossier of ``docs`` corpus texts; its reference."""
    if not (SCHEMAS / "3.0.0" / "xdomea.xsd").is_file():
        fail(f"xdomea schemas not found at {SCHEMAS} (../shared/xdomea); nothing to validate.")
    texts = sorted((unpack("karlsruhe_text", work) / "text").glob("*.txt"))[:docs]
    if len(texts) < docs:
        fail(f"--docs {docs}: the corpus has only {len(texts)} Karlsruhe texts.")
    data = work / f"xdomea-{docs}"
    shutil.rmtree(data, ignore_errors=True)
    settings = make_settings(data, database_url, xdomea_schemas=SCHEMAS)
    db = Database(settings)
    upgrade(db)
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    org = setup_org(db, settings, units=1, label="Xdomea")
    loader = BulkLoader(db, org)
    started = time.perf_counter()
    for first in range(0, docs, BATCH):
        batch = []
        for number, path in enumerate(texts[first : first + BATCH], start=first):
            body = read_text(path)
            blobs.put(io.BytesIO(body.encode("utf-8")), durable=False)
            batch.append(BulkDoc(path.stem[:200], body, path.name, spread_date(number)))
        loader.add(batch)
        log(f"built {min(first + BATCH, docs):,}/{docs:,}")
    log(f"database and blobs ready in {time.perf_counter() - started:.1f} s")
    reference = next(iter(org.dossiers.values())).reference
    db.dispose()
    return settings, reference


def _measured(work: Callable[[], Any]) -> tuple[float, float]:
    """Seconds of one plain run, and the tracemalloc peak (MiB) of a second run."""
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20


def phase_baseline(settings: Settings, out: Path) -> dict[str, Any]:
    """Zip every blob of the installation with ``zipfile`` (names as the export gives them)."""
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    hashes = list(blobs.iter_hashes())
    total = sum(blobs.path(h).stat().st_size for h in hashes)
    counter = iter(range(10**9))

    def run() -> None:
        target = out / f"baseline-{next(counter)}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for sha in hashes:
                name = f"{sha}.txt"
                archive.write(blobs.path(sha), name, compress_type=compression_for(name))

    seconds, peak = _measured(run)
    return {"files": len(hashes), "bytes": total, "seconds": rnd(seconds), "peak_mib": rnd(peak)}


def phase_export(settings: Settings, reference: str, version: str, out: Path) -> dict[str, Any]:
    """The 0401 of the whole dossier, as the registry would run it."""
    db = Database(settings)
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    results: list[Any] = []
    counter = iter(range(10**9))

    def run() -> None:
        target = out / f"export-{next(counter)}"
        results.append(
            export_handover(db, blobs, settings, "bench", [reference], target, RECEIVER, version)
        )

    seconds, peak = _measured(run)
    db.dispose()
    done = results[0]
    return {
        "files": done.files,
        "bytes": done.bytes,
        "zip_bytes": done.path.stat().st_size,
        "seconds": rnd(seconds),
        "peak_mib": rnd(peak),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the dossier")
    parser.add_argument("--version", choices=VERSIONS, default=DEFAULT_VERSION)
    add_common_options(parser)
    args = parser.parse_args()
    if args.docs < 1:
        fail("--docs must be at least 1.")
    settings, reference = phase_build(args.work, args.docs, args.database_url)
    out = args.work / f"xdomea-{args.docs}" / "out"
    out.mkdir(parents=True, exist_ok=True)
    baseline = phase_baseline(settings, out)
    log(f"zipfile: {baseline['seconds']} s")
    eakte = phase_export(settings, reference, args.version, out)
    log(f"export: {eakte['seconds']} s")
    for result in (baseline, eakte):
        result["mb_per_s"] = (
            rnd(result["bytes"] / 1e6 / result["seconds"]) if result["seconds"] else None
        )
    emit(
        {
            "docs": args.docs,
            "version": args.version,
            "backend": "postgresql" if args.database_url else "sqlite",
            "zipfile": baseline,
            "eakte_export": eakte,
            "ratio_time_eakte_to_zipfile": safe_ratio(eakte["seconds"], baseline["seconds"]),
            "ratio_peak_memory_eakte_to_zipfile": safe_ratio(
                eakte["peak_mib"], baseline["peak_mib"]
            ),
        }
    )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
