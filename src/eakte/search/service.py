"""Running a search as a user: one ranked SQL query joined with the permission filter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, text

from eakte.core.access import ReadScope
from eakte.core.query import ParsedQuery, parse_query
from eakte.core.units import descendants
from eakte.db.search_backends import backend_for
from eakte.errors import QueryError
from eakte.records.access import (
    DOCUMENT_FILTER,
    expanding_params,
    read_scope,
    unit_parents,
)
from eakte.records.organisation import User, get_unit
from eakte.search.snippets import highlight
from eakte.search.terms import highlight_targets, match_terms

MAX_LIMIT = 200
# What the user may read, as SQL on ``documents d`` (see eakte.records.access).
PERMISSION_SQL = (DOCUMENT_FILTER,)
SNIPPET_TEXT_CHARS = 200_000
TYPE_ALIASES = {
    "pdf": "pdf",
    "word": "docx",
    "docx": "docx",
    "odt": "odt",
    "text": "text",
    "txt": "text",
    "html": "html",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "eml": "email",
    "msg": "msg",
    "outlook": "msg",
    "bild": "image",
    "image": "image",
    "scan": "image",
    "sonstige": "other",
    "other": "other",
}


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    reference: str  # the case reference
    dossier_reference: str
    title: str
    snippet: str  # HTML-escaped text with <mark> around matches
    score: float
    kind: str
    state: str
    document_date: date


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    # Counts over every readable match: {"type": [(kind, n), …], "unit": [(code, n), …]}
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _filters(
    connection: Connection, query: ParsedQuery, scope: ReadScope
) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = scope.params()
    if query.unit:
        unit = get_unit(connection, query.unit)
        where.append("d.unit_id IN :unit_filter")
        params["unit_filter"] = sorted(descendants([unit.id], unit_parents(connection)))
    if query.doc_type:
        kind = TYPE_ALIASES.get(query.doc_type)
        if kind is None:
            raise QueryError(
                f"Dokumenttyp {query.doc_type!r} ist unbekannt; erlaubt sind etwa typ:pdf, "
                "typ:word, typ:odt, typ:email, typ:text, typ:bild."
            )
        where.append("d.kind = :kind")
        params["kind"] = kind
    if query.dates:
        if query.dates.start:
            where.append("d.document_date >= :date_from")
            params["date_from"] = query.dates.start
        if query.dates.end:
            where.append("d.document_date <= :date_to")
            params["date_to"] = query.dates.end
    if query.reference:
        escaped = query.reference.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(
            "d.case_id IN (SELECT c.id FROM cases c JOIN dossiers dz ON dz.id = c.dossier_id "
            "WHERE c.reference LIKE :ref ESCAPE '\\' OR dz.reference LIKE :ref ESCAPE '\\')"
        )
        params["ref"] = escaped + "%"
    return where, params


def _execute(connection: Connection, sql: str, params: dict[str, Any]) -> Any:
    expanding = expanding_params(sql)
    if ":unit_filter" in sql:
        expanding.append(bindparam("unit_filter", expanding=True))
    return connection.execute(text(sql).bindparams(*expanding), params)


def _ranked(
    connection: Connection,
    query: ParsedQuery,
    where: list[str],
    params: dict[str, Any],
    scope: ReadScope,
    count_capped: bool = True,
) -> tuple[list[tuple[int, float]], int | None, tuple[set[str], tuple[str, ...]]]:
    """Ranked ids of one page and the exact total.

    Ranking joins each match with the permission filter (cheap for selective queries, bounded
    by the backend's ranking cap otherwise). Only when the cap is reached is the total counted
    separately, with the permission filter inside the index where the backend has one — or,
    without ``count_capped``, left to the caller (None), who counts the matches anyway."""
    terms = match_terms(query)
    if terms and all(t.negated for t in terms):
        raise QueryError("Ausschlüsse mit „-“ brauchen mindestens einen Suchbegriff dazu.")
    backend = backend_for(connection)
    readable = " AND ".join([*PERMISSION_SQL, *where])
    if terms:
        params["match"] = backend.compile(terms)
        params["cap"] = backend.RANK_CAP
        sql = backend.ranked_sql(readable)
    else:
        sql = (
            f"SELECT d.id AS id, 0.0 AS score, count(*) OVER () AS total FROM documents d "
            f"WHERE {readable} ORDER BY d.document_date DESC, d.id DESC "
            "LIMIT :limit OFFSET :offset"
        )
    rows = _execute(connection, sql, params).all()
    total = int(rows[0].total) if rows else 0
    count_params = {k: v for k, v in params.items() if k not in ("limit", "offset", "cap")}
    if terms and total >= backend.RANK_CAP and not count_capped:
        return [(r.id, float(r.score)) for r in rows], None, highlight_targets(terms)
    if terms and total >= backend.RANK_CAP:
        count_params["match"], needs_sql = backend.restrict(params["match"], scope)
        clause = readable if needs_sql else (" AND ".join(where) or None)
        total = int(_execute(connection, backend.count_sql(clause), count_params).scalar_one())
    elif not rows and params["offset"] > 0:  # past the last page: count what there is
        count_sql = (
            backend.count_sql(readable)
            if terms
            else f"SELECT count(*) FROM documents d WHERE {readable}"
        )
        total = int(_execute(connection, count_sql, count_params).scalar_one())
    return [(r.id, float(r.score)) for r in rows], total, highlight_targets(terms)


def _details(connection: Connection, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = connection.execute(
        text(
            "SELECT d.id, d.uuid, d.title, d.kind, d.state, d.document_date, "
            "c.reference AS case_reference, dz.reference AS dossier_reference, "
            f"substr(t.text, 1, {SNIPPET_TEXT_CHARS}) AS body "
            "FROM documents d JOIN cases c ON c.id = d.case_id "
            "JOIN dossiers dz ON dz.id = d.dossier_id "
            "LEFT JOIN document_texts t ON t.document_id = d.id WHERE d.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": ids},
    ).all()
    return {row.id: row for row in rows}


def _facets(
    connection: Connection, query: ParsedQuery, where: list[str], params: dict[str, Any]
) -> dict[str, list[tuple[str, int]]]:
    """Counts by document type and lead unit over every readable match (never a count of
    something the user may not read: the same permission filter applies). One pass over the
    matches counts each (type, unit) pair; the two facets are its sums."""
    readable = " AND ".join([*PERMISSION_SQL, *where])
    if match_terms(query):
        matched = backend_for(connection).matched_sql(readable)
    else:
        matched = f"FROM documents d WHERE {readable}"
    statement = (
        "SELECT d.kind, (SELECT u.code FROM org_units u WHERE u.id = d.unit_id), count(*) "
        f"{matched} GROUP BY d.kind, d.unit_id"
    )
    by_type: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    for kind, unit, count in _execute(connection, statement, params):
        by_type[kind] += int(count)
        by_unit[unit] += int(count)
    return {
        name: sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        for name, counts in (("type", by_type), ("unit", by_unit))
    }


def search(
    connection: Connection,
    user: User,
    query_text: str,
    limit: int = 10,
    offset: int = 0,
    max_length: int = 500,
    facets: bool = False,
) -> SearchResult:
    """Search as ``user``: only documents the user may read are matched, counted or shown.
    With ``facets``, counts by type and unit over all readable matches come along."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"Die Trefferzahl pro Seite muss zwischen 1 und {MAX_LIMIT} liegen.")
    if offset < 0:
        raise QueryError("Der Versatz darf nicht negativ sein.")
    query = parse_query(query_text, max_length=max_length)
    scope = read_scope(connection, user)
    where, params = _filters(connection, query, scope)
    params.update(limit=limit, offset=offset)
    ranked, counted, (exact, prefixes) = _ranked(
        connection, query, where, params, scope, count_capped=not facets
    )
    counts = _facets(connection, query, where, params) if facets and counted != 0 else {}
    # Past the ranking cap the facets have counted every readable match: their sum is the total.
    total = counted if counted is not None else sum(n for _, n in counts["type"])
    details = _details(connection, [doc_id for doc_id, _ in ranked])
    hits = []
    for doc_id, score in ranked:
        row = details[doc_id]
        date_value = row.document_date
        if isinstance(date_value, str):
            date_value = date.fromisoformat(date_value)
        hits.append(
            SearchHit(
                document_id=row.uuid,
                reference=row.case_reference,
                dossier_reference=row.dossier_reference,
                title=row.title,
                snippet=highlight(row.body or "", exact, prefixes),
                score=round(score, 6),
                kind=row.kind,
                state=row.state,
                document_date=date_value,
            )
        )
    return SearchResult(total=total, hits=hits, facets=counts)
