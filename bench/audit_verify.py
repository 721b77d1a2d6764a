"""Audit chain verification (events/s, memory): ``audit.verify`` against plain SHA-256 over the
same canonical bytes, measured in the same run.

The chains (``--sizes``, default 100,000 and 1,000,000 events) are built once with the real
chain function (``audit.service.chain_rows``) and bulk-inserted into ``--work``/audit-N/ (reused
while ``build.json`` matches). Per size and repetition: plain SHA-256 of every event's
``prev_hash ‖ body`` (the body is the event's canonical JSON as ``audit_log`` stores it; the
bytes prepared beforehand, only the hashing timed), the bare read of the rows (the same query,
nothing done with them), and ``verify``. Memory: the peak of
Python allocations (tracemalloc) during ``verify``, and in a child process the peak anonymous
resident memory (RssAnon, sampled) — file pages SQLite maps in are page cache, not counted.

    .venv/bin/python bench/audit_verify.py [--sizes 100000,1000000] [--repeat 3]
                                           [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, select

from benchlib import Progress, add_common_options, emit, fail, log, make_settings, rnd
from eakte import audit
from eakte.audit.chain import GENESIS
from eakte.audit.service import NewEvent, chain_rows
from eakte.audit.verification import (
    EVENTS_PER_PROCESS,
    available_processes,
    event_rows,
)
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.db.schema import audit_log

TARGET_RATIO = 3.0
INSERT_BATCH = 10_000
CHUNK = (
    50_000  # events whose bytes are held at once for the hashing baseline (and fetched per batch)
)
FIRST_NAMES = ["Maria", "Jürgen", "Özlem", "Stefan", "Tarek", "Jana", "Dirk", "Ännchen", "Luca"]
LAST_NAMES = ["Wagner", "Müller", "Yılmaz", "Keller", "Berg", "Fischer", "Weiß", "Schäfer"]
TITLES = [
    "Bescheid über die Baugenehmigung",
    "Stellungnahme Untere Naturschutzbehörde",
    "Antrag auf Hilfe zur Erziehung",
    "Vermerk Ortstermin Lindenstraße",
    "Widerspruch gegen Gebührenbescheid",
    "Anhörung nach § 28 VwVfG",
]


# --------------------------------------------------------------------------- building


def synthetic_events(count: int, seed: int = 2026) -> Iterator[NewEvent]:
    """Events shaped like the real ones (filing, downloads, cases, grants, routing, logins)."""
    rng = random.Random(seed)
    logins = [
        f"{f[0].lower()}.{n.lower()}{i}"
        for i, (f, n) in enumerate(
            (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(200)
        )
    ]
    moment = datetime(2024, 1, 2, 7, 30, tzinfo=UTC)
    documents: list[str] = []
    for number in range(count):
        moment += timedelta(seconds=rng.randint(0, 20), microseconds=rng.randint(0, 999_999))
        actor = rng.choice(logins)
        pick = rng.random()
        reference = f"63.1.{rng.randint(1, 9)}-{rng.randint(1, 9999):04d}/2024"
        if pick < 0.4 or not documents:
            object_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            documents.append(object_id)
            title = f"{rng.choice(TITLES)} Nr. {number}"
            yield (
                moment,
                actor,
                "document.file",
                "document",
                object_id,
                {
                    "case": f"{reference}-{rng.randint(1, 99):03d}",
                    "title": title,
                    "filename": f"{title}.pdf",
                    "sha256": hashlib.sha256(title.encode()).hexdigest(),
                    "size": rng.randint(2_000, 5_000_000),
                    "state": "ready",
                },
            )
        elif pick < 0.75:
            yield (
                moment,
                actor,
                "document.download",
                "document",
                rng.choice(documents),
                {
                    "version": 1,
                    "sha256": hashlib.sha256(str(number).encode()).hexdigest(),
                },
            )
        elif pick < 0.82:
            object_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            yield (
                moment,
                actor,
                "case.create",
                "case",
                object_id,
                {
                    "reference": f"{reference}-001",
                    "subject": f"Bauantrag Grundstück Flur {rng.randint(1, 40)}",
                    "dossier": reference,
                },
            )
        elif pick < 0.86:
            yield (
                moment,
                actor,
                "dossier.grant",
                "dossier",
                rng.choice(documents),
                {
                    "reference": reference,
                    "unit": "JA",
                    "user": None,
                    "access": rng.choice(["read", "write"]),
                },
            )
        elif pick < 0.92:
            yield (
                moment,
                actor,
                "routing.act",
                "case",
                rng.choice(documents),
                {
                    "reference": f"{reference}-002",
                    "kind": "cosign",
                    "outcome": "approved_with_remarks",
                    "remarks": "Bitte die Frist für die Anhörung prüfen – danke!",
                    "acted_for": rng.choice(logins),
                },
            )
        else:
            yield (moment, actor, "login", "user", actor, {"method": "password"})


def open_chain(args: argparse.Namespace, size: int) -> tuple[Database, dict[str, Any]]:
    """The database holding a chain of ``size`` events, built unless a matching one exists."""
    data = args.work / f"audit-{size}"
    marker = data / "build.json"
    settings = make_settings(data, args.database_url)
    db = Database(settings)
    upgrade(db)
    with db.read() as connection:
        present = connection.execute(select(func.count()).select_from(audit_log)).scalar_one()
    if marker.exists() and present == size:
        built: dict[str, Any] = json.loads(marker.read_text())
        return db, built | {"reused": True}
    if present:
        fail(f"{db.url} holds {present:,} audit events, not {size:,}: please use an empty one.")
    started = time.perf_counter()
    progress = Progress(f"building {size:,} events", size)
    last_id, prev_hash, batch = 0, GENESIS, []
    for event in synthetic_events(size):
        batch.append(event)
        if len(batch) == INSERT_BATCH:
            last_id, prev_hash = _insert(db, last_id, prev_hash, batch)
            batch = []
            progress.update(last_id)
    if batch:
        last_id, prev_hash = _insert(db, last_id, prev_hash, batch)
    seconds = time.perf_counter() - started
    built = {"events": size, "build_seconds": rnd(seconds, 1), "head": prev_hash}
    marker.write_text(json.dumps(built))
    return db, built | {"reused": False}


def _insert(db: Database, last_id: int, prev_hash: str, events: list[NewEvent]) -> tuple[int, str]:
    rows = chain_rows(last_id, prev_hash, events)
    with db.write() as connection:
        connection.execute(audit_log.insert(), rows)
    return rows[-1]["id"], rows[-1]["hash"]


# --------------------------------------------------------------------------- measuring


def _messages(db: Database) -> Iterator[list[bytes]]:
    """``prev_hash ‖ body`` of every event, in chunks: the bytes verify hashes."""
    chunk: list[bytes] = []
    with db.read() as connection:
        rows = connection.execution_options(yield_per=CHUNK).execute(
            select(audit_log.c.prev_hash, audit_log.c.body).order_by(audit_log.c.id)
        )
        for prev_hash, body in rows:
            chunk.append((prev_hash + body).encode())
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def time_hashing(db: Database) -> tuple[float, float, int]:
    """Seconds for one SHA-256 per event, seconds for one SHA-256 over all bytes, bytes."""
    per_event = stream = 0.0
    total = 0
    sha256 = hashlib.sha256
    whole = sha256()
    for chunk in _messages(db):
        started = time.perf_counter()
        for message in chunk:
            sha256(message).hexdigest()
        per_event += time.perf_counter() - started
        started = time.perf_counter()
        for message in chunk:
            whole.update(message)
        stream += time.perf_counter() - started
        total += sum(len(m) for m in chunk)
    return per_event, stream, total


def time_read(db: Database, size: int) -> float:
    """The bare read verify makes: the same rows and query, nothing done with them."""
    with db.read() as connection:
        started = time.perf_counter()
        with event_rows(connection, 1, size) as rows:
            for _ in rows:
                pass
        return time.perf_counter() - started


def time_verify(db: Database, size: int, processes: int | None = None) -> float:
    """``eakte audit verify``: ``verify_database`` (a long chain in parallel ranges);
    ``processes=1`` is one walk in one process."""
    started = time.perf_counter()
    report = audit.verify_database(db, processes=processes)
    seconds = time.perf_counter() - started
    if not report.ok or report.events != size:
        fail(f"verify found a problem in the benchmark chain: {report}")
    return seconds


def traced_peak(db: Database) -> int:
    """Peak bytes of Python allocations while ``verify`` runs."""
    with db.read() as connection:
        tracemalloc.start()
        tracemalloc.reset_peak()
        audit.verify(connection)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _rss_anon() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def child_memory(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """Anonymous resident memory of a fresh process before and at the peak of ``verify``."""
    command = [sys.executable, __file__, "--child", str(size), "--work", str(args.work)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_child(args: argparse.Namespace, size: int) -> None:
    db = Database(make_settings(args.work / f"audit-{size}", args.database_url))
    with db.read() as connection:  # connect and import everything before measuring
        connection.execute(select(func.count()).select_from(audit_log)).scalar_one()
    before = peak = _rss_anon()
    running = True

    def sample() -> None:
        nonlocal peak
        while running:
            peak = max(peak, _rss_anon())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    time_verify(db, size, processes=1)
    running = False
    sampler.join()
    print(json.dumps({"rss_anon_before_bytes": before, "rss_anon_peak_bytes": peak}))


def measure(args: argparse.Namespace, size: int) -> dict[str, Any]:
    db, built = open_chain(args, size)
    log(f"{size:,} events: warm-up verify")
    time_verify(db, size)
    verify_runs, single_runs, hash_runs, stream_runs, read_runs = [], [], [], [], []
    total_bytes = 0
    for repetition in range(args.repeat):
        per_event, stream, total_bytes = time_hashing(db)
        hash_runs.append(per_event)
        stream_runs.append(stream)
        read_runs.append(time_read(db, size))
        verify_runs.append(time_verify(db, size))
        single_runs.append(time_verify(db, size, processes=1))
        log(
            f"{size:,} events, run {repetition + 1}/{args.repeat}: verify "
            f"{verify_runs[-1]:.2f} s (one process {single_runs[-1]:.2f} s), read "
            f"{read_runs[-1]:.2f} s, SHA-256 per event {per_event:.2f} s"
        )
    verify_s, single_s, hash_s = median(verify_runs), median(single_runs), median(hash_runs)
    stream_s, read_s = median(stream_runs), median(read_runs)
    memory = {"tracemalloc_peak_bytes": traced_peak(db)} | child_memory(args, size)
    db.dispose()
    ratio = verify_s / hash_s
    return {
        "events": size,
        "canonical_bytes": total_bytes,
        "build": built,
        "verify": {
            "seconds": rnd(verify_s),
            "events_per_s": round(size / verify_s),
            "runs_seconds": [rnd(s) for s in verify_runs],
        },
        "sha256_per_event": {
            "seconds": rnd(hash_s),
            "events_per_s": round(size / hash_s),
            "runs_seconds": [rnd(s) for s in hash_runs],
        },
        "sha256_stream": {
            "seconds": rnd(stream_s),
            "mb_per_s": rnd(total_bytes / stream_s / 1e6, 1),
        },
        "verify_one_process": {
            "seconds": rnd(single_s),
            "events_per_s": round(size / single_s),
            "runs_seconds": [rnd(s) for s in single_runs],
        },
        "read_only": {"seconds": rnd(read_s), "events_per_s": round(size / read_s)},
        "processes": min(available_processes(), max(1, size // EVENTS_PER_PROCESS)),
        "ratio_verify_to_sha256": rnd(ratio),
        "ratio_one_process_to_sha256": rnd(single_s / hash_s),
        "ratio_read_to_sha256": rnd(read_s / hash_s),
        "ratio_one_process_to_read": rnd(single_s / read_s),
        "meets_target": ratio <= TARGET_RATIO,
        "memory": memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_options(parser)
    parser.add_argument("--sizes", default="100000,1000000", help="chain lengths, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (median)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args, args.child)
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.database_url and len(sizes) > 1:
        fail("with --database-url one database holds one chain: give a single --sizes value.")
    load_before = os.getloadavg()
    results = [measure(args, size) for size in sizes]
    load_after = os.getloadavg()
    peaks = [r["memory"]["tracemalloc_peak_bytes"] for r in results]
    emit(
        {
            "benchmark": "audit_verify",
            "backend": "postgresql" if args.database_url else "sqlite",
            "target": f"verify within {TARGET_RATIO:g}x of SHA-256 per event; memory flat",
            "sizes": results,
            "memory_growth_largest_to_smallest": rnd(max(peaks) / min(peaks)) if peaks else None,
            "machine": {
                "cpus": os.cpu_count(),
                "loadavg_before": [rnd(x, 2) for x in load_before],
                "loadavg_after": [rnd(x, 2) for x in load_after],
                "python": sys.version.split()[0],
            },
        }
    )


if __name__ == "__main__":
    main()
