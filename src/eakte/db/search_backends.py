"""The full-text index, one implementation per database backend.

Both index text that ``eakte.search.analyzer`` has already analysed; they differ only in how
the index is stored, matched and ranked:

* SQLite: FTS5 table ``search_fts`` (rowid = document id), ranked by BM25 with column weights.
* PostgreSQL: ``search_index.tsv`` (``simple`` configuration over the analysed text, weights
  A title, B subject, C reference, D body) with a GIN index, ranked by ``ts_rank``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from sqlalchemy import Connection, bindparam, text

from eakte.search.terms import MatchTerm

if TYPE_CHECKING:
    from eakte.core.access import ReadScope

# PostgreSQL refuses a tsvector over 1 MB; positions above 16383 are clamped anyway. Very long
# bodies are indexed up to this many analysed characters on PostgreSQL (documented limit).
PG_MAX_BODY_CHARS = 600_000


@dataclass(frozen=True)
class IndexRow:
    document_id: int
    title: str  # analysed
    subject: str
    reference: str
    body: str
    acl: str = ""  # reading-right tokens (SQLite only)


class SearchBackend(Protocol):
    def write(self, connection: Connection, rows: Sequence[IndexRow]) -> None: ...

    def delete(self, connection: Connection, document_ids: Sequence[int]) -> None: ...

    def purge(self, connection: Connection) -> None:
        """Rewrite the index so that nothing of deleted rows stays readable in its pages
        (after documents were destroyed)."""
        ...

    def compile(self, terms: Sequence[MatchTerm]) -> str: ...

    def restrict(self, match: str, scope: ReadScope) -> tuple[str, bool]:
        """Add the permission filter (readable units, confidentiality up to the clearance) to
        ``match`` where the index can apply it; the flag says whether the SQL filter is still
        needed (always when the scope holds grants, which the index does not know)."""
        ...

    def ranked_sql(self, where: str | None) -> str: ...

    def count_sql(self, where: str | None) -> str: ...

    def matched_sql(self, where: str) -> str: ...

    RANK_CAP: int


def _quote_fts(stem: str) -> str:
    return '"' + stem.replace('"', '""') + '"'


class SqliteSearch:
    """FTS5 over analysed text."""

    # User words never match the acl column.
    COLUMNS: ClassVar[dict[str | None, str]] = {
        None: "{title subject reference body} : ",
        "title": "title : ",
        "subject": "subject : ",
    }
    WEIGHTS = "4.0, 3.0, 2.0, 1.0, 0.0"  # title, subject, reference, body, acl
    # Queries with more readable hits than this rank the most recent ones (highest document
    # ids) by BM25; scoring each of 100,000 matches would take a tenth of a second.
    RANK_CAP = 2000

    def write(self, connection: Connection, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        self.delete(connection, [r.document_id for r in rows])
        connection.execute(
            text(
                "INSERT INTO search_fts (rowid, title, subject, reference, body, acl) "
                "VALUES (:document_id, :title, :subject, :reference, :body, :acl)"
            ),
            [row.__dict__ for row in rows],
        )

    def delete(self, connection: Connection, document_ids: Sequence[int]) -> None:
        connection.execute(
            text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(document_ids)},
        )

    def purge(self, connection: Connection) -> None:
        # FTS5 only marks deleted rows in new segments; the old segments keep their terms until
        # merged. 'optimize' merges every segment into one (with secure_delete on, the freed
        # pages are zeroed). SQLite 3.42's 'secure-delete' option would make this unnecessary.
        connection.execute(text("INSERT INTO search_fts(search_fts) VALUES('optimize')"))

    def _term(self, term: MatchTerm) -> str:
        body = _quote_fts(" ".join(term.stems)) + ("*" if term.prefix else "")
        return self.COLUMNS[term.field] + body

    def compile(self, terms: Sequence[MatchTerm]) -> str:
        positive = " ".join(self._term(t) for t in terms if not t.negated)
        negative = "".join(f" NOT {self._term(t)}" for t in terms if t.negated)
        return f"({positive}){negative}" if negative else positive

    def restrict(self, match: str, scope: ReadScope) -> tuple[str, bool]:
        if scope.has_grants:  # granted dossiers and routed cases are not in the acl column
            return match, True
        # Units ids start at 1, so "u0" (no readable unit) matches nothing.
        tokens = " OR ".join(f'"u{unit}"' for unit in sorted(scope.units) if unit > 0) or '"u0"'
        restricted = f"({match}) AND acl : ({tokens})"
        above = [f'"c{level:03d}"' for level in range(int(scope.clearance) + 1, 6)]
        if above:
            restricted += f" NOT acl : ({' OR '.join(above)})"
        return restricted, False

    def ranked_sql(self, where: str | None) -> str:
        # bm25() may not appear beside a window function, so rank in a materialised CTE first.
        # FTS5 walks the matches newest first and stops after RANK_CAP of them.
        join, condition = _documents_join(where)
        return (
            "WITH matched AS MATERIALIZED ("
            f"SELECT search_fts.rowid AS id, -bm25(search_fts, {self.WEIGHTS}) AS score "
            f"FROM search_fts{join} WHERE search_fts MATCH :match{condition} "
            "ORDER BY search_fts.rowid DESC LIMIT :cap) "
            "SELECT id, score, count(*) OVER () AS total FROM matched "
            "ORDER BY score DESC, id LIMIT :limit OFFSET :offset"
        )

    def count_sql(self, where: str | None) -> str:
        join, condition = _documents_join(where)
        return f"SELECT count(*) FROM search_fts{join} WHERE search_fts MATCH :match{condition}"

    def matched_sql(self, where: str) -> str:
        """``FROM … WHERE …`` of every readable match, with documents as ``d``."""
        return (
            "FROM search_fts JOIN documents d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH :match AND {where}"
        )


def _documents_join(where: str | None) -> tuple[str, str]:
    if where is None:
        return "", ""
    return " JOIN documents d ON d.id = search_fts.rowid", f" AND {where}"


def _quote_ts(stem: str) -> str:
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresSearch:
    """tsvector/tsquery over analysed text, ``simple`` configuration."""

    WEIGHT: ClassVar[dict[str | None, str]] = {None: "", "title": "A", "subject": "B"}
    # As on SQLite: the newest 2,000 readable matches are ranked (ts_rank reads each one's
    # whole tsvector, which made common words cost 100-200 ms at 100k documents).
    RANK_CAP = 2000

    def write(self, connection: Connection, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        connection.execute(
            text(
                "INSERT INTO search_index (document_id, tsv) VALUES (:document_id, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :subject), 'B') || "
                "setweight(to_tsvector('simple', :reference), 'C') || "
                "setweight(to_tsvector('simple', :body), 'D')) "
                "ON CONFLICT (document_id) DO UPDATE SET tsv = EXCLUDED.tsv"
            ),
            [{**row.__dict__, "body": row.body[:PG_MAX_BODY_CHARS]} for row in rows],
        )

    def delete(self, connection: Connection, document_ids: Sequence[int]) -> None:
        connection.execute(
            text("DELETE FROM search_index WHERE document_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(document_ids)},
        )

    def purge(self, connection: Connection) -> None:
        """Nothing to do in the transaction: deleted rows are dead tuples that (auto)vacuum
        removes; VACUUM cannot run inside a transaction."""

    def _term(self, term: MatchTerm) -> str:
        weight = self.WEIGHT[term.field]
        parts = []
        for number, stem in enumerate(term.stems, start=1):
            is_last = number == len(term.stems)
            marks = ("*" if term.prefix and is_last else "") + weight
            parts.append(_quote_ts(stem) + (":" + marks if marks else ""))
        body = " <-> ".join(parts)
        body = f"({body})" if len(parts) > 1 else body
        return f"!{body}" if term.negated else body

    def compile(self, terms: Sequence[MatchTerm]) -> str:
        return " & ".join(self._term(t) for t in terms)

    def restrict(self, match: str, scope: ReadScope) -> tuple[str, bool]:
        return match, True  # the GIN match and the join on documents combine well

    def ranked_sql(self, where: str | None) -> str:
        # ``d.id + 0`` keeps the planner from walking the primary key backwards and testing
        # every row's tsvector until RANK_CAP match, which for a rare word (or a generic plan
        # of a prepared statement) reads the whole index; the GIN scan finds the matches, only
        # their ids are sorted, and only the capped ones are ranked.
        where = where or "TRUE"
        return (
            "WITH q AS MATERIALIZED (SELECT to_tsquery('simple', :match) AS query), "
            "matched AS MATERIALIZED (SELECT d.id AS id FROM search_index s "
            "JOIN documents d ON d.id = s.document_id CROSS JOIN q "
            f"WHERE s.tsv @@ q.query AND {where} ORDER BY d.id + 0 DESC LIMIT :cap) "
            "SELECT m.id AS id, ts_rank(s.tsv, q.query) AS score, count(*) OVER () AS total "
            "FROM matched m JOIN search_index s ON s.document_id = m.id CROSS JOIN q "
            "ORDER BY score DESC, m.id LIMIT :limit OFFSET :offset"
        )

    def matched_sql(self, where: str) -> str:
        return (
            "FROM search_index s JOIN documents d ON d.id = s.document_id "
            f"WHERE s.tsv @@ to_tsquery('simple', :match) AND {where}"
        )

    def count_sql(self, where: str | None) -> str:
        where = where or "TRUE"
        return (
            "SELECT count(*) FROM search_index s JOIN documents d ON d.id = s.document_id "
            f"WHERE s.tsv @@ to_tsquery('simple', :match) AND {where}"
        )


def backend_for(connection: Connection) -> SearchBackend:
    return SqliteSearch() if connection.dialect.name == "sqlite" else PostgresSearch()
