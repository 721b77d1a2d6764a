"""Shared helpers of the benchmark scripts: corpus access, scratch folder, org setup, bulk loading.

Nothing here is part of eakte. The scripts import this module from their own folder
(``python bench/<name>.py`` puts ``bench/`` first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import shutil
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from eakte.core.fileplan import parse_plan_csv
from eakte.core.query import parse_query
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.schema import documents, org_units, versions
from eakte.errors import NotFoundError, QueryError
from eakte.records import dossiers, fileplan, organisation
from eakte.records.common import new_uuid, now
from eakte.records.dossiers import Case, Dossier
from eakte.records.organisation import User
from eakte.search.analyzer import STOPWORDS
from eakte.search.indexer import IndexSource, analyse, write_index
from eakte.search.terms import match_terms
from eakte.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_WORK = REPO / ".bench-work"
ACTOR = "bench"
ROOT_UNIT = "BENCH"
ALL_READER = "bench-all"
PART_READER = "bench-part"
MARKER = ".unpacked"

# Words and phrases of the query language: \w runs joined by inner hyphens (MRE-Ambulanz).
QUERY_WORD = re.compile(r"\w+(?:-\w+)*")
PLAIN_WORD = re.compile(r"\w+")
PARAGRAPH_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n")


# --------------------------------------------------------------------------- output


def log(message: str) -> None:
    """Progress and information go to stderr; stdout carries only the JSON result."""
    print(message, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def rnd(value: float, digits: int = 3) -> float:
    return round(value, digits)


def safe_ratio(numerator: float, denominator: float) -> float | None:
    return rnd(numerator / denominator, 3) if denominator else None


class Progress:
    """Prints ``label: done/total`` to stderr at most every ``every`` seconds."""

    def __init__(self, label: str, total: int, every: float = 5.0) -> None:
        self.label, self.total, self.every = label, total, every
        self.start = self.last = time.perf_counter()

    def update(self, done: int, force: bool = False) -> None:
        current = time.perf_counter()
        if force or current - self.last >= self.every:
            self.last = current
            elapsed = current - self.start
            rate = done / elapsed if elapsed else 0.0
            log(f"{self.label}: {done:,}/{self.total:,} ({rate:,.0f}/s, {elapsed:,.0f} s)")


# --------------------------------------------------------------------------- options


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"scratch folder for unpacked corpora and databases (default {DEFAULT_WORK})",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of an (empty) PostgreSQL database; default: SQLite in --work",
    )


def make_settings(data: Path, database_url: str | None, **overrides: Any) -> Settings:
    """Settings for one benchmark installation; SQLite in ``data`` unless a URL is given."""
    data.mkdir(parents=True, exist_ok=True)
    return load_settings(data=data, database_url=database_url, **overrides)


# --------------------------------------------------------------------------- corpus


def corpus_root() -> Path:
    if not (CORPUS / "README.md").is_file():
        fail(
            f"corpus not found at {CORPUS}: the benchmarks read ../shared/corpus next to the "
            "repository (see its README.md); nothing to measure without it."
        )
    return CORPUS


def unpack(name: str, work: Path) -> Path:
    """Unpack ``large/<name>.tar.xz`` into ``work/corpus/<name>`` once; return that folder."""
    target = work / "corpus" / name
    if (target / MARKER).is_file():
        return target
    tarball = corpus_root() / "large" / f"{name}.tar.xz"
    if not tarball.is_file():
        fail(f"{tarball} is missing from the corpus.")
    partial = work / "corpus" / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    partial.mkdir(parents=True)
    log(f"unpacking {tarball.name} into {target} (once) …")
    started = time.perf_counter()
    with tarfile.open(tarball, "r:xz") as archive:
        archive.extractall(partial, filter="data")
    (partial / MARKER).write_text(f"unpacked from {tarball}\n", encoding="utf-8")
    partial.rename(target)
    log(f"unpacked {tarball.name} in {time.perf_counter() - started:.1f} s")
    return target


def load_dev_queries(work: Path) -> list[dict[str, Any]]:
    """``queries_dev.json`` of the Karlsruhe corpus: paper, query (a title), relevant_files."""
    path = unpack("karlsruhe_text", work) / "queries_dev.json"
    with open(path, encoding="utf-8") as handle:
        loaded: list[dict[str, Any]] = json.load(handle)
    return loaded


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace").replace("\x00", "")


def paragraphs(text_value: str, min_chars: int = 40) -> Iterator[str]:
    """Paragraphs of ``text_value``: split on blank lines, shorter ones skipped."""
    for part in PARAGRAPH_SPLIT.split(text_value):
        part = part.strip()
        if len(part) >= min_chars:
            yield part


def short_title(text_value: str, limit: int = 80) -> str:
    """The first non-empty line, whitespace collapsed, cut at a word boundary."""
    for line in text_value.splitlines():
        line = " ".join(line.split())
        if line:
            if len(line) <= limit:
                return line
            cut = line[:limit].rsplit(" ", 1)[0]
            return cut or line[:limit]
    return ""


# --------------------------------------------------------------------------- queries


def query_words(value: str) -> list[str]:
    return QUERY_WORD.findall(value)


def sanitised_query(value: str) -> str:
    """The words of ``value`` (hyphenated compounds kept) without any query syntax."""
    return " ".join(query_words(value))


def query_compiles(value: str, max_length: int) -> bool:
    """Whether eakte reads ``value`` as plain search words (no error, no filter like ``az:``)."""
    try:
        parsed = parse_query(value, max_length=max_length)
        terms = match_terms(parsed)
    except QueryError:
        return False
    return bool(terms) and not parsed.filters_used and not any(t.negated for t in terms)


def as_eakte_query(title: str, max_length: int = 500) -> tuple[str, bool]:
    """The title as a user would paste it; if eakte rejects it, its plain words instead.

    Returns the query and whether the raw title was rejected."""
    title = " ".join(title.split())
    if query_compiles(title, max_length):
        return title, False
    plain = sanitised_query(title)
    if len(plain) > max_length:
        plain = plain[:max_length].rsplit(" ", 1)[0]
    return plain, True


def is_content_word(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 3 and word.lower() not in STOPWORDS


def topic_part(title: str) -> str:
    """The title without a leading label such as ``Anfrage KULT:`` when enough words follow."""
    head, colon, rest = title.partition(":")
    if colon and len(head) <= 60 and sum(is_content_word(w) for w in query_words(rest)) >= 3:
        return rest
    return title


def content_words(title: str) -> list[str]:
    return [w for w in query_words(topic_part(title)) if is_content_word(w)]


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (``share`` in 0..1)."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in seconds)
    return {
        "p50": rnd(percentile(values, 0.50)),
        "p95": rnd(percentile(values, 0.95)),
        "p99": rnd(percentile(values, 0.99)),
        "mean": rnd(sum(values) / len(values)) if values else math.nan,
        "max": rnd(values[-1]) if values else math.nan,
    }


# --------------------------------------------------------------------------- organisation


@dataclass(frozen=True)
class Org:
    """Units, users and the cases documents are filed into (one per dossier)."""

    unit_codes: list[str]  # leaf units below the root
    cases: list[Case]  # round-robin over these spreads documents over the units
    dossiers: dict[int, Dossier]  # by id


def unit_code(number: int) -> str:
    return f"{ROOT_UNIT}-{number:02d}"


def _ensure_unit(connection: Connection, code: str, name: str, parent: str | None) -> None:
    try:
        organisation.get_unit(connection, code)
    except NotFoundError:
        organisation.add_unit(connection, code, name, parent, ACTOR)


def _ensure_user(connection: Connection, login: str, name: str, units: list[str]) -> None:
    try:
        organisation.get_user(connection, login)
    except NotFoundError:
        organisation.add_user(connection, login, name, units, ACTOR)


def setup_org(
    db: Database,
    settings: Settings,
    units: int,
    dossiers_per_unit: int = 1,
    part_reader_units: int = 1,
    label: str = "Benchmark",
) -> Org:
    """Create (or reuse) a root unit with ``units`` leaf units, a plan item per unit, and new
    dossiers with one case each. ``bench-all`` reads everything (member of the root unit);
    ``bench-part`` reads the first ``part_reader_units`` leaf units."""
    codes = [unit_code(n) for n in range(1, units + 1)]
    plan_lines = ["code,title,retention_years,disposition,lead_unit", f"99,{label},,,{ROOT_UNIT}"]
    plan_lines += [f"99.{n},{label} {code},10,V,{code}" for n, code in enumerate(codes, 1)]
    with db.write() as connection:
        _ensure_unit(connection, ROOT_UNIT, f"{label} Landratsamt", None)
        for code in codes:
            _ensure_unit(connection, code, f"{label} Amt {code}", ROOT_UNIT)
        _ensure_user(connection, ALL_READER, "Bench Alle", [ROOT_UNIT])
        _ensure_user(connection, PART_READER, "Bench Teil", codes[:part_reader_units])
        fileplan.import_plan(connection, parse_plan_csv("\n".join(plan_lines) + "\n"), ACTOR)
    d_rule = dossier_rule(settings.dossier_reference_rule)
    c_rule = case_rule(settings.case_reference_rule)
    cases: list[Case] = []
    by_id: dict[int, Dossier] = {}
    with db.write() as connection:
        # Dossier-major order, so that consecutive documents go to different units.
        for round_number in range(dossiers_per_unit):
            for n, code in enumerate(codes, 1):
                subject = f"{label}akte {code} Nr. {round_number + 1}"
                dossier = dossiers.create_dossier(
                    connection, d_rule, f"99.{n}", subject, None, ACTOR
                )
                case = dossiers.create_case(
                    connection, c_rule, dossier.reference, f"{label}vorgang {code}", ACTOR
                )
                cases.append(case)
                by_id[dossier.id] = dossier
    return Org(codes, cases, by_id)


def load_org(connection: Connection, label: str = "Benchmark") -> Org:
    """The org a previous ``setup_org`` with this ``label`` created (for a reused database)."""
    rows = connection.execute(
        text("SELECT uuid FROM cases WHERE subject LIKE :subject ORDER BY id"),
        {"subject": f"{label}vorgang {ROOT_UNIT}-%"},
    ).all()
    cases = [dossiers.get_case(connection, row.uuid) for row in rows]
    by_id = {c.dossier_id: dossiers.get_dossier_by_id(connection, c.dossier_id) for c in cases}
    codes = list(
        connection.execute(
            select(org_units.c.code).where(org_units.c.code.like(f"{ROOT_UNIT}-%"))
        ).scalars()
    )
    return Org(sorted(codes), cases, by_id)


def get_user(db: Database, login: str) -> User:
    with db.read() as connection:
        return organisation.get_user(connection, login)


# --------------------------------------------------------------------------- bulk loading


@dataclass(frozen=True)
class BulkDoc:
    title: str
    body: str
    filename: str
    document_date: date


class BulkLoader:
    """Writes documents straight into ``documents``/``versions``/``contents``/
    ``document_texts`` and the search index, one transaction per batch (no blob files, no
    audit events). The rows match what ``Filer._insert`` writes for a plain text file."""

    def __init__(self, db: Database, org: Org) -> None:
        self.db = db
        self.org = org
        self.loaded = 0

    def add(self, batch: Sequence[BulkDoc]) -> list[int]:
        """Insert ``batch``; document number ``i`` (counted over all batches) goes into case
        ``i mod len(cases)``. Returns the new document ids in order."""
        stamp = now()
        placed: list[tuple[BulkDoc, Case, Dossier]] = []
        for offset, doc in enumerate(batch):
            case = self.org.cases[(self.loaded + offset) % len(self.org.cases)]
            placed.append((doc, case, self.org.dossiers[case.dossier_id]))
        encoded = [doc.body.encode("utf-8") for doc in batch]
        shas = [hashlib.sha256(data).hexdigest() for data in encoded]
        # Analyse outside the write transaction, as ingest does; ids are filled in below.
        analysed = [
            analyse(
                IndexSource(
                    0,
                    dossier.lead_unit_id,
                    dossier.confidentiality,
                    doc.title,
                    f"{case.subject} {dossier.subject}",
                    f"{case.reference} {dossier.reference}",
                    doc.body,
                )
            )
            for doc, case, dossier in placed
        ]
        doc_rows = [
            {
                "uuid": new_uuid(),
                "case_id": case.id,
                "dossier_id": dossier.id,
                "unit_id": dossier.lead_unit_id,
                "parent_id": None,
                "title": doc.title[:500] or doc.filename,
                "kind": "text",
                "media_type": "text/plain",
                "state": "ready",
                "extraction_error": None,
                "document_date": doc.document_date,
                "created_at": stamp,
                "created_by": ACTOR,
                "current_version": 1,
                "row_version": 1,
            }
            for doc, case, dossier in placed
        ]
        with self.db.write() as connection:
            connection.execute(
                text(
                    "INSERT INTO contents (sha256, size, created_at) VALUES (:sha, :size, :at) "
                    "ON CONFLICT (sha256) DO NOTHING"
                ),
                [
                    {"sha": sha, "size": len(data), "at": stamp}
                    for sha, data in zip(shas, encoded, strict=True)
                ],
            )
            ids = list(
                connection.execute(
                    documents.insert().returning(documents.c.id, sort_by_parameter_order=True),
                    doc_rows,
                ).scalars()
            )
            connection.execute(
                versions.insert(),
                [
                    {
                        "document_id": doc_id,
                        "number": 1,
                        "content_sha256": sha,
                        "filename": doc.filename,
                        "media_type": "text/plain",
                        "size": len(data),
                        "created_at": stamp,
                        "created_by": ACTOR,
                    }
                    for doc_id, doc, sha, data in zip(ids, batch, shas, encoded, strict=True)
                ],
            )
            connection.execute(
                text("INSERT INTO document_texts (document_id, version, text) VALUES (:id, 1, :t)"),
                [{"id": doc_id, "t": doc.body} for doc_id, doc in zip(ids, batch, strict=True)],
            )
            write_index(
                connection,
                [replace(row, document_id=i) for row, i in zip(analysed, ids, strict=True)],
            )
        self.loaded += len(batch)
        return ids


def document_count(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(documents)).scalar_one())


def spread_date(number: int) -> date:
    return date(2015, 1, 1) + timedelta(days=number % 3650)


# --------------------------------------------------------------------------- storage sizes


def checkpoint(db: Database) -> None:
    """Fold the WAL into the database file (SQLite), outside any transaction."""
    if db.is_sqlite:
        raw = db.write_engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def sqlite_file(db: Database) -> Path:
    return Path(str(make_url(db.url).database))


def storage_sizes(db: Database) -> dict[str, Any]:
    """Database size and full-text index size on disk, in bytes."""
    with db.read() as connection:
        if not db.is_sqlite:
            return {
                "database_bytes": int(
                    connection.execute(
                        text("SELECT pg_database_size(current_database())")
                    ).scalar_one()
                ),
                "index_bytes": int(
                    connection.execute(
                        text("SELECT pg_total_relation_size('search_index')")
                    ).scalar_one()
                ),
                "index_size_method": "pg_total_relation_size('search_index')",
            }
        path = sqlite_file(db)
        wal = path.with_name(path.name + "-wal")
        sizes: dict[str, Any] = {
            "database_bytes": path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        }
        try:
            sizes["index_bytes"] = int(
                connection.execute(
                    text("SELECT sum(pgsize) FROM dbstat WHERE substr(name, 1, 10) = 'search_fts'")
                ).scalar_one()
                or 0
            )
            sizes["index_size_method"] = "dbstat: sum(pgsize) of search_fts*"
        except OperationalError:  # dbstat not compiled in: sum the shadow tables' payload
            sizes["index_bytes"] = int(
                connection.execute(
                    text(
                        "SELECT (SELECT coalesce(sum(length(block)), 0) FROM search_fts_data) + "
                        "(SELECT coalesce(sum(length(c0) + length(c1) + length(c2) + "
                        "length(c3)), 0) FROM search_fts_content) + "
                        "(SELECT coalesce(sum(length(sz)), 0) FROM search_fts_docsize)"
                    )
                ).scalar_one()
            )
            sizes["index_size_method"] = "estimate: payload bytes of the search_fts shadow tables"
        return sizes
