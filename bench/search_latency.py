"""Search latency at scale: ``eakte.search.search`` against the bare full-text query.

Documents are paragraphs of the large corpus texts (Karlsruhe, then federal laws, then Debian
help texts) bulk-loaded into ``--work``/search-N/ once and reused. Queries are Karlsruhe paper
titles, shortened titles, single common words and prefixes, run as a user who may read 1/5 of
the units. The baseline is the bare FTS5 (or tsquery) query on the same index, same match
expression, without permission filter, counting, details or snippets.

    .venv/bin/python bench/search_latency.py [--docs 100000] [--queries 200] [--rounds 3]
                                             [--seed 2026] [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from benchlib import (
    PART_READER,
    BulkDoc,
    BulkLoader,
    Progress,
    add_common_options,
    as_eakte_query,
    checkpoint,
    content_words,
    document_count,
    emit,
    fail,
    get_user,
    latency_stats,
    load_dev_queries,
    log,
    make_settings,
    paragraphs,
    read_text,
    rnd,
    safe_ratio,
    setup_org,
    short_title,
    spread_date,
    storage_sizes,
    unpack,
)
from eakte.core.query import parse_query
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.db.search_backends import PostgresSearch, SqliteSearch
from eakte.errors import QueryError
from eakte.records.access import read_scope
from eakte.records.organisation import User
from eakte.search import search
from eakte.search.terms import match_terms
from eakte.settings import Settings

SOURCES = ("karlsruhe_text", "gesetze_text", "debian_de_text")
UNITS = 10
DOSSIERS_PER_UNIT = 2
PART_READER_UNITS = 2  # of 10: the reader sees about 1/5 of the documents
BATCH = 5000
COMMON_WORDS = (
    "Stadt",
    "Gemeinderat",
    "Antrag",
    "Verwaltung",
    "Gesetz",
    "Verordnung",
    "Straße",
    "Kosten",
    "Schule",
    "Datei",
)
PREFIXES = ("Bau*", "Schul*", "Verkehr*", "Antr*", "Förder*")
BARE_SQLITE = "SELECT rowid FROM search_fts WHERE search_fts MATCH :m ORDER BY rank LIMIT 10"
BARE_POSTGRES = (
    "SELECT document_id FROM search_index WHERE tsv @@ to_tsquery('simple', :m) "
    "ORDER BY ts_rank(tsv, to_tsquery('simple', :m)) DESC LIMIT 10"
)
COUNT_SQLITE = "SELECT count(*) FROM search_fts WHERE search_fts MATCH :m"
COUNT_POSTGRES = "SELECT count(*) FROM search_index WHERE tsv @@ to_tsquery('simple', :m)"


# --------------------------------------------------------------------------- build


def iter_paragraph_docs(work: Path) -> Iterator[BulkDoc]:
    """Paragraphs of the large corpus texts, in a fixed order (source, file name, position)."""
    number = 0
    for source in SOURCES:
        root = unpack(source, work) / "text"
        for path in sorted(root.rglob("*.txt")):
            relative = path.relative_to(root).as_posix()
            for position, paragraph in enumerate(paragraphs(read_text(path)), 1):
                yield BulkDoc(
                    title=short_title(paragraph),
                    body=paragraph,
                    filename=f"{source}/{relative}#{position}",
                    document_date=spread_date(number),
                )
                number += 1


def build(db: Database, settings: Settings, work: Path, docs: int) -> dict[str, Any]:
    upgrade(db)
    org = setup_org(db, settings, UNITS, DOSSIERS_PER_UNIT, PART_READER_UNITS)
    loader = BulkLoader(db, org)
    progress = Progress("loading paragraphs", docs)
    start = time.perf_counter()
    batch: list[BulkDoc] = []
    for doc in iter_paragraph_docs(work):
        batch.append(doc)
        if len(batch) == BATCH or loader.loaded + len(batch) == docs:
            loader.add(batch)
            batch = []
            progress.update(loader.loaded, force=loader.loaded == docs)
            if loader.loaded == docs:
                break
    if loader.loaded < docs:
        fail(f"--docs {docs}: the corpora hold only {loader.loaded} paragraphs of 40+ chars.")
    seconds = time.perf_counter() - start
    checkpoint(db)
    return {
        "docs": docs,
        "seconds": rnd(seconds, 1),
        "docs_per_s": rnd(docs / seconds, 1),
        "batch_rows": BATCH,
        "units": UNITS,
        "cases": len(org.cases),
    }


def open_database(args: argparse.Namespace, work: Path) -> tuple[Database, dict[str, Any]]:
    """The benchmark database with ``--docs`` documents: reused if complete, else built."""
    folder = work / f"search-{args.docs}"
    marker = folder / "build.json"
    url = args.database_url
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("database_url") == url and info.get("docs") == args.docs:
            db = Database(make_settings(folder / "data", url))
            if document_count(db) == args.docs:
                log(f"reusing {folder} ({args.docs:,} documents)")
                return db, {**info["build"], "reused": True}
            db.dispose()
    if url is None:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    settings = make_settings(folder / "data", url)
    db = Database(settings)
    if url is not None:
        upgrade(db)
        if document_count(db):
            fail(
                "the PostgreSQL database already holds documents that this benchmark did not "
                "load for this --docs; please give an empty database."
            )
    log(f"building {folder} with {args.docs:,} paragraph documents …")
    built = build(db, settings, work, args.docs)
    marker.write_text(
        json.dumps({"database_url": url, "docs": args.docs, "build": built}, indent=2),
        encoding="utf-8",
    )
    return db, {**built, "reused": False}


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    kind: str  # title, short, word, prefix
    text: str


def loaded_karlsruhe_files(db: Database) -> set[str]:
    """Karlsruhe file names (without .txt) with at least one paragraph in the database."""
    with db.read() as connection:
        rows = connection.execute(
            text("SELECT DISTINCT filename FROM versions WHERE filename LIKE 'karlsruhe_text/%'")
        ).scalars()
        return {name.split("/", 1)[1].split("#", 1)[0].removesuffix(".txt") for name in rows}


def make_queries(
    work: Path, count: int, seed: int, loaded: set[str]
) -> tuple[list[Query], dict[str, Any]]:
    """``count`` queries: about 5 % single words, 2.5 % prefixes, the rest titles and shortened
    titles in equal parts. Titles come from papers with a relevant file among the loaded
    documents (from all papers if there are too few)."""
    rng = random.Random(seed)
    words = min(max(1, count // 20), len(COMMON_WORDS))
    prefixes = min(max(1, count // 40), len(PREFIXES))
    titles_needed = count - words - prefixes
    papers = [q for q in load_dev_queries(work) if len(content_words(q["query"])) >= 2]
    pool = [q for q in papers if loaded.intersection(q["relevant_files"])]
    if len(pool) < titles_needed:
        pool = papers
    picked = rng.sample([q["query"] for q in pool], titles_needed)
    queries: list[Query] = []
    rejected = 0
    for number, title in enumerate(picked):
        if number % 2 == 0:
            query, was_rejected = as_eakte_query(title)
            rejected += was_rejected
            queries.append(Query("title", query))
        else:
            content = content_words(title)
            queries.append(Query("short", " ".join(content[: rng.choice((2, 3))])))
    queries += [Query("word", w) for w in rng.sample(COMMON_WORDS, words)]
    queries += [Query("prefix", p) for p in rng.sample(PREFIXES, prefixes)]
    rng.shuffle(queries)
    info = {
        "title_pool": len(pool),
        "title_pool_restricted_to_loaded_papers": pool is not papers,
        "raw_titles_rejected_by_parser": rejected,
    }
    return queries, info


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    query: Query
    match: str
    eakte: list[float]
    bare: list[float]
    readable_hits: int = 0
    all_hits: int = 0


def compile_match(connection: Connection, query: str) -> str:
    backend = SqliteSearch() if connection.dialect.name == "sqlite" else PostgresSearch()
    return backend.compile(match_terms(parse_query(query)))


def run_eakte(connection: Connection, user: User, query: str) -> tuple[float, int]:
    start = time.perf_counter()
    result = search(connection, user, query, limit=10)
    return time.perf_counter() - start, result.total


def run_bare(connection: Connection, sql: str, match: str) -> float:
    start = time.perf_counter()
    connection.execute(text(sql), {"m": match}).all()
    return time.perf_counter() - start


def measure(
    db: Database, user: User, queries: list[Query], rounds: int
) -> tuple[list[Sample], list[str]]:
    bare_sql = BARE_SQLITE if db.is_sqlite else BARE_POSTGRES
    count_sql = COUNT_SQLITE if db.is_sqlite else COUNT_POSTGRES
    samples: list[Sample] = []
    errors: list[str] = []
    with db.read() as connection:
        for query in queries:
            try:
                match = compile_match(connection, query.text)
                _, total = run_eakte(connection, user, query.text)  # warm-up pass
            except QueryError as exc:
                errors.append(f"{query.text!r}: {exc.message}")
                continue
            run_bare(connection, bare_sql, match)
            all_hits = int(connection.execute(text(count_sql), {"m": match}).scalar_one())
            samples.append(Sample(query, match, [], [], total, all_hits))
        log(f"warm-up done; measuring {len(samples)} queries × {rounds} rounds …")
        for _ in range(rounds):
            for sample in samples:  # alternate so that both see the same machine state
                seconds, _ = run_eakte(connection, user, sample.query.text)
                sample.eakte.append(seconds)
                sample.bare.append(run_bare(connection, bare_sql, sample.match))
    return samples, errors


def summarise(samples: list[Sample]) -> dict[str, Any]:
    eakte = latency_stats([s for sample in samples for s in sample.eakte])
    bare = latency_stats([s for sample in samples for s in sample.bare])
    return {
        "queries": len(samples),
        "eakte_ms": eakte,
        "bare_ms": bare,
        "ratio_eakte_to_bare": {k: safe_ratio(eakte[k], bare[k]) for k in eakte},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="paragraph documents")
    parser.add_argument("--queries", type=int, default=200, help="queries to sample")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes after the warm-up")
    parser.add_argument("--seed", type=int, default=2026, help="sampling seed")
    add_common_options(parser)
    args = parser.parse_args()
    if args.docs < 1 or args.queries < 10 or args.rounds < 1:
        fail("--docs must be ≥ 1, --queries ≥ 10 and --rounds ≥ 1")
    work: Path = args.work.resolve()
    db, built = open_database(args, work)
    try:
        queries, query_info = make_queries(
            work, args.queries, args.seed, loaded_karlsruhe_files(db)
        )
        user = get_user(db, PART_READER)
        with db.read() as connection:
            readable = read_scope(connection, user).units
            per_unit = connection.execute(
                text("SELECT unit_id, count(*) AS n FROM documents GROUP BY unit_id")
            ).all()
        share = sum(r.n for r in per_unit if r.unit_id in readable) / args.docs
        samples, errors = measure(db, user, queries, args.rounds)
        sizes = storage_sizes(db)
    finally:
        db.dispose()
    overall = summarise(samples)
    by_kind = {
        kind: summarise([s for s in samples if s.query.kind == kind])
        for kind in ("title", "short", "word", "prefix")
    }
    readable_hits = [s.readable_hits for s in samples]
    all_hits = [s.all_hits for s in samples]
    emit(
        {
            "benchmark": "search_latency",
            "backend": "sqlite" if args.database_url is None else "postgresql",
            "docs": args.docs,
            "build": built,
            "user": {
                "login": PART_READER,
                "readable_units": len(readable),
                "readable_doc_share": rnd(share),
            },
            "queries": {
                "count": len(samples),
                "rounds": args.rounds,
                "timed_samples_each": len(samples) * args.rounds,
                "seed": args.seed,
                "by_kind": {k: v["queries"] for k, v in by_kind.items()},
                **query_info,
                "errors": errors,
            },
            "eakte_ms": overall["eakte_ms"],
            "bare_ms": overall["bare_ms"],
            "ratio_eakte_to_bare": overall["ratio_eakte_to_bare"],
            "by_kind": {
                kind: {
                    "eakte_p50_ms": v["eakte_ms"]["p50"],
                    "bare_p50_ms": v["bare_ms"]["p50"],
                    "eakte_p95_ms": v["eakte_ms"]["p95"],
                    "bare_p95_ms": v["bare_ms"]["p95"],
                }
                for kind, v in by_kind.items()
                if v["queries"]
            },
            "hits": {
                "readable_total_median": statistics.median(readable_hits) if samples else 0,
                "readable_total_max": max(readable_hits, default=0),
                "all_units_total_median": statistics.median(all_hits) if samples else 0,
                "all_units_total_max": max(all_hits, default=0),
                "queries_without_readable_hit": sum(1 for n in readable_hits if n == 0),
                "queries_without_any_hit": sum(1 for n in all_hits if n == 0),
            },
            **sizes,
        }
    )


if __name__ == "__main__":
    main()
