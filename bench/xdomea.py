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

Then the package exported goes back in:

* **unzip** (baseline): ``zipfile.ZipFile(package).extractall`` into an empty folder;
* **eakte**: ``import_package`` (as the registry would run ``eakte import xdomea``) into an
  empty installation (a new SQLite folder, or a new PostgreSQL database next to
  ``--database-url``, migrated, with the same units and plan item, no records): unpacking with
  the limits checked, parsing and validating the XML, checking each file's size and SHA-256,
  storing and extracting each file, writing the records, texts, search index and foreign
  history in one transaction, keeping the message as proof.

Each of the four runs three times: timed; with ``tracemalloc`` (``peak_mib``: the peak of
Python allocations); and in a fresh child process (``peak_rss_growth_mib``: how far the resident
memory rose above what the process held before the run, from ``/proc/self/status`` VmHWM after
resetting it). Both memory figures are given because they disagree where code asks Python for a
large buffer it never fills: ``tracemalloc`` counts the whole request, RSS only the pages
touched. Each import run goes into an installation of its own. The ratios are eakte ÷ baseline.

    .venv/bin/python bench/xdomea.py [--docs 10000] [--version 3.0.0] [--work DIR]
                                     [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import re
import shutil
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from benchlib import (
    ACTOR,
    REPO,
    ROOT_UNIT,
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
    unit_code,
    unpack,
)
from eakte.blobs.store import FolderBlobStore
from eakte.core.fileplan import parse_plan_csv
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.interchange.export import Exported, export_handover
from eakte.interchange.import_rows import ImportResult
from eakte.interchange.importer import import_package
from eakte.interchange.model import DEFAULT_VERSION, VERSIONS, Party
from eakte.interchange.package import compression_for
from eakte.records import fileplan, organisation
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


# --------------------------------------------------------------------------- measuring
#
# Each task is a module-level function ``(number, **params)``: ``number`` counts the runs (0
# timed, 1 traced, 2 in a child process), so each run writes to its own place; being at module
# level, a spawned child process can run it too.


def task_zip(number: int, blob_dir: Path, hashes: list[str], out: Path) -> None:
    blobs = FolderBlobStore(blob_dir)
    target = out / f"baseline-{number}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for sha in hashes:
            name = f"{sha}.txt"
            archive.write(blobs.path(sha), name, compress_type=compression_for(name))


def task_export(
    number: int, settings: Settings, reference: str, version: str, out: Path
) -> Exported:
    db = Database(settings)
    try:
        blobs = FolderBlobStore(settings.resolved_blob_dir)
        target = out / f"export-{number}"
        return export_handover(db, blobs, settings, ACTOR, [reference], target, RECEIVER, version)
    finally:
        db.dispose()


def task_unzip(number: int, package: Path, out: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(out / f"unzip-{number}")


def task_import(number: int, instances: list[Settings], package: Path) -> ImportResult:
    settings = instances[number]
    db = Database(settings)
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    done = [0]

    def progress(step: int) -> None:
        done[0] += step
        if done[0] % 2000 == 0:
            log(f"imported {done[0]:,} files")

    try:
        return import_package(db, blobs, settings, package, "99.1", ACTOR, progress=progress)
    finally:
        db.dispose()


TASKS: dict[str, Callable[..., Any]] = {
    "zip": task_zip,
    "export": task_export,
    "unzip": task_unzip,
    "import": task_import,
}
RUNS = 3  # timed, traced, child process


def _status_mib(field: str) -> float:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(task: str, params: dict[str, Any], answer: Any) -> None:
    """Run ``task`` once in this (spawned) process; report how far its resident memory rose
    above what it was before (the interpreter and imports excluded)."""
    before = _status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    TASKS[task](RUNS - 1, **params)
    answer.put(_status_mib("VmHWM") - before)


def _rss_growth(task: str, params: dict[str, Any]) -> float | None:
    """Peak RSS growth (MiB) of one run in a fresh child process; None where /proc is lacking."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(target=_child, args=(task, params, answer))
    child.start()
    child.join()
    if child.exitcode != 0:
        fail(f"{task}: the child process for the RSS run failed ({child.exitcode}).")
    growth: float = answer.get(timeout=5)
    return growth


def _measured(task: str, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The first run's result and its seconds, the tracemalloc peak (MiB) of a second run, and
    the peak RSS growth (MiB) of a third run in a child process."""
    work = TASKS[task]
    started = time.perf_counter()
    result = work(0, **params)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    work(1, **params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = _rss_growth(task, params)
    figures = {
        "seconds": rnd(seconds),
        "peak_mib": rnd(peak / 2**20),
        "peak_rss_growth_mib": rnd(rss) if rss is not None else None,
    }
    return result, figures


def phase_baseline(settings: Settings, out: Path) -> dict[str, Any]:
    """Zip every blob of the installation with ``zipfile`` (names as the export gives them)."""
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    hashes = list(blobs.iter_hashes())
    total = sum(blobs.path(h).stat().st_size for h in hashes)
    params = {"blob_dir": settings.resolved_blob_dir, "hashes": hashes, "out": out}
    _, figures = _measured("zip", params)
    return {"files": len(hashes), "bytes": total, **figures}


def phase_export(
    settings: Settings, reference: str, version: str, out: Path
) -> tuple[dict[str, Any], Path]:
    """The 0401 of the whole dossier, as the registry would run it; and the first package."""
    params = {"settings": settings, "reference": reference, "version": version, "out": out}
    done, figures = _measured("export", params)
    result = {
        "files": done.files,
        "bytes": done.bytes,
        "zip_bytes": done.path.stat().st_size,
        **figures,
    }
    return result, done.path


def phase_unzip(package: Path, out: Path) -> dict[str, Any]:
    """Unpack the exported package with ``zipfile`` into an empty folder."""
    _, figures = _measured("unzip", {"package": package, "out": out})
    with zipfile.ZipFile(package) as archive:
        entries = len(archive.infolist())
    return {"entries": entries, **figures}


def _other_database(database_url: str, name: str, create: bool) -> str:
    """The database ``<the URL's database>_<name>`` on the same PostgreSQL server, dropped
    (it may be left from an earlier run) and, with ``create``, made anew and empty."""
    url = make_url(database_url)
    base = url.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", base):
        fail(f"database name {base!r}: only letters, digits and _ are supported here")
    target = f"{base}_{name}"
    admin = create_engine(
        url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{target}"'))
    finally:
        admin.dispose()
    return url.set(database=target).render_as_string(hide_password=False)


def _empty_database(database_url: str | None, name: str) -> str | None:
    """``None`` for SQLite (a new file in the data folder); for PostgreSQL a new database."""
    return _other_database(database_url, name, create=True) if database_url else None


def empty_instance(folder: Path, database_url: str | None, name: str) -> Settings:
    """A migrated installation without records: the units and the plan item of the source
    (so the dossier keeps its lead unit and can go under 99.1), nothing else."""
    shutil.rmtree(folder, ignore_errors=True)
    url = _empty_database(database_url, name)
    settings = make_settings(folder, url, xdomea_schemas=SCHEMAS)
    db = Database(settings)
    upgrade(db)
    unit = unit_code(1)
    plan = (
        "code,title,retention_years,disposition,lead_unit\n"
        f"99,Xdomea,,,{ROOT_UNIT}\n99.1,Xdomea {unit},10,V,{unit}\n"
    )
    with db.write() as connection:
        organisation.add_unit(connection, ROOT_UNIT, "Xdomea Landratsamt", None, ACTOR)
        organisation.add_unit(connection, unit, f"Xdomea Amt {unit}", ROOT_UNIT, ACTOR)
        fileplan.import_plan(connection, parse_plan_csv(plan), ACTOR)
    db.dispose()
    FolderBlobStore(settings.resolved_blob_dir).ensure()
    return settings


def phase_import(package: Path, work: Path, database_url: str | None, docs: int) -> dict[str, Any]:
    """``import_package`` of the exported 0401 into an empty installation (one per run, all
    made beforehand, so that neither time nor memory counts their making)."""
    instances = [
        empty_instance(work / f"xdomea-{docs}-import-{n}", database_url, f"import_{n}")
        for n in range(RUNS)
    ]
    done, figures = _measured("import", {"instances": instances, "package": package})
    return {
        "dossiers": len(done.dossiers),
        "cases": done.cases,
        "documents": done.documents,
        "files": done.files,
        **figures,
    }


def _ratio(eakte: dict[str, Any], baseline: dict[str, Any]) -> float | None:
    key = "peak_rss_growth_mib"
    if eakte[key] is None or baseline[key] is None:
        return None
    return safe_ratio(eakte[key], baseline[key])


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
    eakte, package = phase_export(settings, reference, args.version, out)
    log(f"export: {eakte['seconds']} s")
    for result in (baseline, eakte):
        result["mb_per_s"] = (
            rnd(result["bytes"] / 1e6 / result["seconds"]) if result["seconds"] else None
        )
    with tempfile.TemporaryDirectory(prefix="unzip-", dir=out) as scratch:
        unzipped = phase_unzip(package, Path(scratch))
    log(f"unzip: {unzipped['seconds']} s")
    imported = phase_import(package, args.work, args.database_url, args.docs)
    log(f"import: {imported['seconds']} s")
    for result in (unzipped, imported):
        result["mb_per_s"] = (
            rnd(eakte["bytes"] / 1e6 / result["seconds"]) if result["seconds"] else None
        )
    emit(
        {
            "docs": args.docs,
            "version": args.version,
            "backend": "postgresql" if args.database_url else "sqlite",
            "memory": {
                "peak_mib": "tracemalloc peak of Python allocations (MiB), in a second run",
                "peak_rss_growth_mib": "peak resident memory (VmHWM) above the RSS before the "
                "run (MiB), in a third run in a fresh child process",
            },
            "zipfile": baseline,
            "eakte_export": eakte,
            "ratio_time_eakte_to_zipfile": safe_ratio(eakte["seconds"], baseline["seconds"]),
            "ratio_peak_memory_eakte_to_zipfile": safe_ratio(
                eakte["peak_mib"], baseline["peak_mib"]
            ),
            "ratio_peak_rss_growth_eakte_to_zipfile": _ratio(eakte, baseline),
            "unzip": unzipped,
            "eakte_import": imported,
            "ratio_time_import_to_unzip": safe_ratio(imported["seconds"], unzipped["seconds"]),
            "ratio_peak_memory_import_to_unzip": safe_ratio(
                imported["peak_mib"], unzipped["peak_mib"]
            ),
            "ratio_peak_rss_growth_import_to_unzip": _ratio(imported, unzipped),
        }
    )
    shutil.rmtree(out, ignore_errors=True)
    for number in range(RUNS):
        shutil.rmtree(args.work / f"xdomea-{args.docs}-import-{number}", ignore_errors=True)
        if args.database_url:
            _other_database(args.database_url, f"import_{number}", create=False)


if __name__ == "__main__":
    main()
