"""Search quality on the Karlsruhe queries (queries_dev.json): recall@10 and MRR@10.

The Karlsruhe texts (all, or ``--docs N`` including the relevant ones of the sampled queries) are
bulk-loaded as one document per file. Each sampled query is asked in three variants: the full
title, a short form (3 content words) and an inflected short form. eakte's search (as a user who
may read everything) is compared with a plain FTS5 table (``tokenize='unicode61'``, lower-cased
raw text, no stemming) queried with the words ANDed, built in the same run.

    .venv/bin/python bench/search_quality.py [--docs N] [--queries 500] [--seed 2026]
                                             [--rebuild] [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchlib import (
    ALL_READER,
    PLAIN_WORD,
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
    load_dev_queries,
    log,
    make_settings,
    read_text,
    rnd,
    setup_org,
    short_title,
    spread_date,
    unpack,
)
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.errors import QueryError
from eakte.records.organisation import User
from eakte.search import search

UNITS = 5
BATCH = 500  # whole council papers are long; 500 per transaction keeps memory flat
TOP = 10
VARIANTS = ("full", "short", "inflected")
SHORT_WORDS = 3

# --------------------------------------------------------------------------- inflection

_DEUMLAUT = str.maketrans("äöüÄÖÜ", "aouAOU")
_UMLAUT = {"a": "ä", "o": "ö", "u": "ü", "A": "Ä", "O": "Ö", "U": "Ü"}
_PLURAL_EN = ("ungen", "heiten", "keiten", "schaften", "ionen", "täten")
_SINGULAR_EN = ("ung", "heit", "keit", "schaft", "ion", "tät")
_VOWELS = "aeiouäöüy"


def _deumlaut_last(word: str) -> str:
    for index in range(len(word) - 1, -1, -1):
        if word[index] in "äöüÄÖÜ":
            return word[:index] + word[index].translate(_DEUMLAUT) + word[index + 1 :]
    return word


def _umlaut_last_vowel(word: str) -> str | None:
    """``Antrag`` → ``Anträg``: umlaut the last vowel if it is a, o or u (au → äu)."""
    for index in range(len(word) - 1, -1, -1):
        char = word[index]
        if char.lower() in _VOWELS:
            if char not in _UMLAUT:
                return None
            if char.lower() == "u" and index > 0 and word[index - 1].lower() == "a":
                index -= 1  # au → äu
                char = word[index]
            return word[:index] + _UMLAUT[char] + word[index + 1 :]
    return None


# (endings, change) tried in order; the first ending that fits decides.
Rules = tuple[tuple[tuple[str, ...], Callable[[str], str]], ...]
_ENDING_RULES: Rules = (
    (("innen",), lambda w: w[:-3]),  # Arbeitnehmerinnen → Arbeitnehmerin
    (("erin",), lambda w: w + "nen"),  # Bürgermeisterin → Bürgermeisterinnen
    (("eln",), lambda w: w[:-1]),  # Ampeln → Ampel
    (_PLURAL_EN, lambda w: w[:-2]),  # Verbindungen → Verbindung
    (_SINGULAR_EN, lambda w: w + "en"),  # Erweiterung → Erweiterungen
    (("nisse",), lambda w: w[:-2]),  # Ergebnisse → Ergebnis
    (("nis",), lambda w: w + "se"),  # Ergebnis → Ergebnisse
)
_PLAIN_RULES: Rules = (
    (("en",), lambda w: w[:-1]),  # Schulen → Schule, öffentlichen → öffentliche
    (("e",), lambda w: w + "n"),  # Schule → Schulen, neue → neuen
    (("er", "el"), lambda w: w + "n"),  # Bürger → Bürgern
    (("es",), lambda w: w[:-1]),  # neues → neue
)


def _apply(rules: Rules, word: str) -> str | None:
    lower = word.lower()
    for endings, change in rules:
        if lower.endswith(endings):
            return change(word)
    return None


def _inflect_core(word: str) -> str:
    lower = word.lower()
    changed = _apply(_ENDING_RULES, word)
    if changed is not None:
        return changed
    if lower.endswith("e") and any(c in "äöü" for c in lower):
        return _deumlaut_last(word[:-1])  # Anträge → Antrag, Städte → Stadt
    if word.islower() and lower.endswith(("er", "em", "es")) and len(word) > 5:
        return word[:-1] + "n"  # weiterer → weiteren, großem → großen (adjective endings)
    changed = _apply(_PLAIN_RULES, word)
    if changed is not None:
        return changed
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is", "os", "as")):
        return word[:-1]  # Verkehrs → Verkehr
    if lower.endswith("au"):
        return word + "en"  # Frau → Frauen
    if lower[-1] in _VOWELS:
        return word + ("e" if word.islower() else "s")  # neu → neue, Kita → Kitas
    umlauted = _umlaut_last_vowel(word) if word[0].isupper() else None
    if umlauted is not None:
        return umlauted + "e"  # Antrag → Anträge, Platz → Plätze
    return word + "e"  # sozial → soziale, Projekt → Projekte


def _keeps_form(word: str) -> bool:
    """Short words, numbers and abbreviations (``StR``, ``bzw``, ``KULT``) stay as they are."""
    return (
        len(word) < 3
        or any(c.isdigit() for c in word)
        or any(c.isupper() for c in word[1:])
        or not any(c in _VOWELS for c in word.lower())
    )


def inflect(word: str) -> str:
    """Another inflection form of a German word, deterministically (see README): plural and
    singular swaps, -e/-en/-n/-s/-se endings added or removed, umlaut alternation, then ß → ss.
    Abbreviations, words with digits and words under 3 letters stay as they are; in a
    hyphenated compound only the last part changes. The result is not always a real word."""
    head, hyphen, tail = word.rpartition("-")
    if hyphen:
        return f"{head}-{inflect(tail)}" if tail else word
    if _keeps_form(word):
        return word
    return _inflect_core(word).replace("ß", "ss")


# --------------------------------------------------------------------------- queries


@dataclass
class Query:
    paper: str
    title: str
    relevant: set[str]
    variants: dict[str, str] = field(default_factory=dict)


def sample_queries(work: Path, count: int, seed: int, available: set[str]) -> list[Query]:
    eligible = [
        q
        for q in load_dev_queries(work)
        if len(content_words(q["query"])) >= SHORT_WORDS
        and any(f in available for f in q["relevant_files"])
    ]
    if count > len(eligible):
        fail(f"--queries {count}: only {len(eligible)} queries have {SHORT_WORDS}+ content words.")
    picked = random.Random(seed).sample(eligible, count)
    queries = []
    for item in picked:
        title = " ".join(item["query"].split())
        short = content_words(title)[:SHORT_WORDS]
        queries.append(
            Query(
                item["paper"],
                title,
                {f for f in item["relevant_files"] if f in available},
                {"short": " ".join(short), "inflected": " ".join(inflect(w) for w in short)},
            )
        )
    return queries


# --------------------------------------------------------------------------- build


def choose_files(folder: Path, docs: int | None, queries: Sequence[Query], seed: int) -> list[Path]:
    """All text files, or ``docs`` of them: every relevant file plus a seeded sample."""
    files = {p.stem: p for p in folder.glob("*.txt")}
    if docs is None or docs >= len(files):
        return [files[name] for name in sorted(files)]
    needed = set().union(*(q.relevant for q in queries))
    if len(needed) > docs:
        log(f"--docs {docs} is below the {len(needed)} relevant files; using those.")
    others = sorted(set(files) - needed)
    fill = random.Random(seed).sample(others, max(0, docs - len(needed)))
    return [files[name] for name in sorted(needed | set(fill))]


def iter_docs(files: Sequence[Path]) -> Iterator[BulkDoc]:
    for number, path in enumerate(files):
        body = read_text(path)
        yield BulkDoc(short_title(body, 200) or path.stem, body, path.name, spread_date(number))


def fingerprint(files: Sequence[Path]) -> str:
    return hashlib.sha256("\n".join(p.name for p in files).encode()).hexdigest()


def build_eakte(db: Database, folder: Path, files: Sequence[Path], url: str | None) -> None:
    upgrade(db)
    org = setup_org(db, make_settings(folder / "data", url), UNITS)
    loader = BulkLoader(db, org)
    progress = Progress("eakte: loading texts", len(files))
    batch: list[BulkDoc] = []
    for doc in iter_docs(files):
        batch.append(doc)
        if len(batch) == BATCH:
            loader.add(batch)
            batch = []
            progress.update(loader.loaded)
    if batch:
        loader.add(batch)
    progress.update(loader.loaded, force=True)
    checkpoint(db)


def open_eakte(
    args: argparse.Namespace, work: Path, files: Sequence[Path]
) -> tuple[Database, dict[str, Any]]:
    """The eakte database for exactly ``files``: reused if an identical one exists."""
    label = "all" if args.docs is None else str(args.docs)
    folder = work / f"quality-{label}"
    marker = folder / "build.json"
    url = args.database_url
    wanted = {"database_url": url, "docs": len(files), "files_sha256": fingerprint(files)}
    if marker.is_file() and not args.rebuild:
        info = json.loads(marker.read_text(encoding="utf-8"))
        if {k: info.get(k) for k in wanted} == wanted:
            db = Database(make_settings(folder / "data", url))
            if document_count(db) == len(files):
                log(f"reusing {folder} ({len(files):,} documents)")
                return db, {**info["build"], "reused": True}
            db.dispose()
    if url is None:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(make_settings(folder / "data", url))
    if url is not None:
        upgrade(db)
        if document_count(db):
            fail("the PostgreSQL database already holds documents; please give an empty one.")
    start = time.perf_counter()
    build_eakte(db, folder, files, url)
    seconds = time.perf_counter() - start
    built = {
        "docs": len(files),
        "seconds": rnd(seconds, 1),
        "docs_per_s": rnd(len(files) / seconds),
    }
    marker.write_text(json.dumps({**wanted, "build": built}, indent=2), encoding="utf-8")
    return db, {**built, "reused": False}


def build_baseline(path: Path, files: Sequence[Path], ids: dict[str, int]) -> dict[str, Any]:
    """A plain FTS5 table over the same documents: raw lower-cased text, no stemming."""
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "CREATE VIRTUAL TABLE plain_fts USING fts5(title, body, tokenize='unicode61')"
        )
        progress = Progress("baseline: loading texts", len(files))
        rows: list[tuple[int, str, str]] = []
        for number, doc in enumerate(iter_docs(files), 1):
            rows.append((ids[doc.filename], doc.title.lower(), doc.body.lower()))
            if len(rows) == BATCH or number == len(files):
                with connection:
                    connection.executemany(
                        "INSERT INTO plain_fts (rowid, title, body) VALUES (?, ?, ?)", rows
                    )
                rows = []
                progress.update(number, force=number == len(files))
    finally:
        connection.close()
    seconds = time.perf_counter() - start
    return {"docs": len(files), "seconds": rnd(seconds, 1), "docs_per_s": rnd(len(files) / seconds)}


# --------------------------------------------------------------------------- measuring


def baseline_match(query: str) -> str:
    return " ".join(f'"{w}"' for w in PLAIN_WORD.findall(query.lower()))


@dataclass
class Scores:
    recall: list[float] = field(default_factory=list)
    reciprocal_rank: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)  # results returned (≤ 10)

    def add(self, ranked: Sequence[str], relevant: set[str]) -> None:
        top = list(ranked[:TOP])
        self.recall.append(len(relevant.intersection(top)) / len(relevant))
        rank = next((n for n, name in enumerate(top, 1) if name in relevant), None)
        self.reciprocal_rank.append(1 / rank if rank else 0.0)
        self.found.append(len(top))

    def summary(self) -> dict[str, float]:
        count = len(self.recall) or 1
        return {
            "recall_at_10": rnd(sum(self.recall) / count, 4),
            "mrr_at_10": rnd(sum(self.reciprocal_rank) / count, 4),
            "hit_rate_at_10": rnd(sum(1 for r in self.reciprocal_rank if r) / count, 4),
            "no_result_share": rnd(sum(1 for n in self.found if n == 0) / count, 4),
        }


def eakte_ranking(
    connection: Any, user: User, query: str, names: dict[str, str]
) -> tuple[list[str], int]:
    result = search(connection, user, query, limit=TOP)
    return [names[hit.document_id] for hit in result.hits], result.total


def measure(
    db: Database, baseline: Path, queries: Sequence[Query], user: User
) -> tuple[dict[str, Scores], dict[str, Scores], dict[str, Any]]:
    eakte = {v: Scores() for v in VARIANTS}
    plain = {v: Scores() for v in VARIANTS}
    notes: dict[str, Any] = {"raw_titles_rejected_by_parser": 0, "query_errors": []}
    totals: dict[str, list[int]] = {v: [] for v in VARIANTS}
    seconds = {"eakte": 0.0, "baseline": 0.0}
    base = sqlite3.connect(baseline)
    try:
        with db.read() as connection:
            by_uuid = {
                row.uuid: row.filename.removesuffix(".txt")
                for row in connection.execute(
                    text(
                        "SELECT d.uuid, v.filename FROM documents d "
                        "JOIN versions v ON v.document_id = d.id"
                    )
                )
            }
            by_id = {
                int(row.id): row.filename.removesuffix(".txt")
                for row in connection.execute(
                    text("SELECT document_id AS id, filename FROM versions")
                )
            }
            progress = Progress("queries", len(queries))
            for number, query in enumerate(queries, 1):
                full, rejected = as_eakte_query(query.title)
                notes["raw_titles_rejected_by_parser"] += rejected
                query.variants["full"] = full
                for variant in VARIANTS:
                    asked = query.variants[variant]
                    start = time.perf_counter()
                    try:
                        ranked, total = eakte_ranking(connection, user, asked, by_uuid)
                    except QueryError as exc:
                        notes["query_errors"].append(f"{asked!r}: {exc.message}")
                        ranked, total = [], 0
                    seconds["eakte"] += time.perf_counter() - start
                    eakte[variant].add(ranked, query.relevant)
                    totals[variant].append(total)
                    words = query.title if variant == "full" else asked
                    start = time.perf_counter()
                    rows = base.execute(
                        "SELECT rowid FROM plain_fts WHERE plain_fts MATCH ? "
                        f"ORDER BY rank LIMIT {TOP}",
                        (baseline_match(words),),
                    ).fetchall()
                    seconds["baseline"] += time.perf_counter() - start
                    plain[variant].add([by_id[r[0]] for r in rows], query.relevant)
                progress.update(number, force=number == len(queries))
    finally:
        base.close()
    notes["eakte_total_hits_median"] = {v: statistics.median(t) for v, t in totals.items()}
    notes["mean_query_ms"] = {k: rnd(v * 1000 / (len(queries) * 3)) for k, v in seconds.items()}
    return eakte, plain, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=None, help="texts to index (default: all)")
    parser.add_argument("--queries", type=int, default=500, help="queries to sample")
    parser.add_argument("--seed", type=int, default=2026, help="sampling seed")
    parser.add_argument("--rebuild", action="store_true", help="do not reuse the eakte database")
    add_common_options(parser)
    args = parser.parse_args()
    if (args.docs is not None and args.docs < 1) or args.queries < 1:
        fail("--docs and --queries must be at least 1")
    work: Path = args.work.resolve()
    folder = unpack("karlsruhe_text", work) / "text"
    available = {p.stem for p in folder.glob("*.txt")}
    queries = sample_queries(work, args.queries, args.seed, available)
    files = choose_files(folder, args.docs, queries, args.seed)
    db, built = open_eakte(args, work, files)
    try:
        with db.read() as connection:
            ids = {
                str(row.filename): int(row.document_id)
                for row in connection.execute(text("SELECT document_id, filename FROM versions"))
            }
        baseline_path = work / f"quality-{'all' if args.docs is None else args.docs}" / "plain.db"
        baseline_built = build_baseline(baseline_path, files, ids)
        eakte, plain, notes = measure(db, baseline_path, queries, get_user(db, ALL_READER))
    finally:
        db.dispose()
    metrics: dict[str, Any] = {}
    for variant in VARIANTS:
        ours, theirs = eakte[variant].summary(), plain[variant].summary()
        metrics[variant] = {
            "eakte": ours,
            "baseline": theirs,
            "difference": {k: rnd(ours[k] - theirs[k], 4) for k in ours},
        }
    changed = sum(1 for q in queries if q.variants["inflected"] != q.variants["short"])
    emit(
        {
            "benchmark": "search_quality",
            "backend": "sqlite" if args.database_url is None else "postgresql",
            "docs": len(files),
            "queries": len(queries),
            "seed": args.seed,
            "relevant_per_query_mean": rnd(statistics.mean(len(q.relevant) for q in queries), 2),
            "build": {"eakte": built, "baseline": baseline_built},
            "metrics": metrics,
            "notes": {**notes, "inflected_differs_from_short": changed},
            "examples": [
                {"paper": q.paper, "relevant": sorted(q.relevant), **q.variants}
                for q in queries[:5]
            ],
        }
    )


if __name__ == "__main__":
    main()
