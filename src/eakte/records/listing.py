"""Lists for the desk and the file plan, filtered by what the user may read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnClause,
    Connection,
    Integer,
    String,
    TextualSelect,
    bindparam,
    column,
    func,
    select,
    text,
)

from eakte.audit.history import HistoryEntry, entries
from eakte.db.schema import TS, cases, documents, dossiers
from eakte.records.access import CASE_FILTER, DOSSIER_FILTER, expanding_params, read_scope
from eakte.records.organisation import User


def _scope(connection: Connection, user: User) -> dict[str, Any]:
    return read_scope(connection, user).params()


_READABLE = DOSSIER_FILTER


def _rows(connection: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    statement = text(sql).bindparams(*expanding_params(sql))
    return list(connection.execute(statement, params).all())


def open_cases(
    connection: Connection, user: User, limit: int = 20, mine: bool = False
) -> list[Any]:
    """Open cases of dossiers the user may read, newest first; with ``mine``, only those the
    user works (assignee)."""
    assigned = "AND c.assignee_id = :me " if mine else ""
    return _rows(
        connection,
        (
            "SELECT c.uuid, c.reference, c.subject, c.created_at, dz.subject AS dossier_subject, "
            "(SELECT count(*) FROM documents d WHERE d.case_id = c.id) AS documents, "
            "(SELECT u.name FROM users u WHERE u.id = c.assignee_id) AS assignee "
            "FROM cases c JOIN dossiers dz ON dz.id = c.dossier_id "
            f"WHERE c.closed_at IS NULL AND dz.closed_at IS NULL AND {CASE_FILTER} {assigned}"
            "ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"
        ),
        {**_scope(connection, user), "limit": limit, "me": user.id},
    )


def recent_documents(connection: Connection, user: User, limit: int = 10) -> list[Any]:
    return _rows(
        connection,
        (
            "SELECT d.uuid, d.title, d.kind, d.state, d.created_at, c.reference "
            "FROM documents d JOIN cases c ON c.id = d.case_id "
            "JOIN dossiers dz ON dz.id = d.dossier_id "
            f"WHERE {CASE_FILTER} ORDER BY d.id DESC LIMIT :limit"
        ),
        {**_scope(connection, user), "limit": limit},
    )


def dossier_counts(connection: Connection, user: User) -> dict[int, int]:
    """Readable dossiers per plan item."""
    rows = _rows(
        connection,
        (
            "SELECT dz.plan_item_id, count(*) FROM dossiers dz "
            f"WHERE {_READABLE} GROUP BY dz.plan_item_id"
        ),
        _scope(connection, user),
    )
    return {row[0]: int(row[1]) for row in rows}


def dossiers_on(connection: Connection, user: User, plan_item_id: int) -> list[Any]:
    return _rows(
        connection,
        (
            "SELECT dz.uuid, dz.reference, dz.subject, dz.created_at, dz.closed_at, "
            "dz.confidentiality FROM dossiers dz "
            f"WHERE dz.plan_item_id = :item AND {_READABLE} ORDER BY dz.reference"
        ),
        {**_scope(connection, user), "item": plan_item_id},
    )


CASE_PAGE = 50


@dataclass(frozen=True)
class CasePage:
    """One page of a dossier's cases, in the order they were opened."""

    cases: list[dict[str, Any]]  # as ``describe`` lists them: id, reference, subject, …
    total: int  # cases in the dossier
    first: int  # the position of the first case shown (1 on the first page)
    after: int | None  # the cursor this page starts after (None: the first page)
    next_after: int | None  # the cursor of the next page, None on the last

    @property
    def last(self) -> int:
        return self.first + len(self.cases) - 1


def _case_statements() -> tuple[Any, Any]:
    """The counts and the page of ``dossier_cases``, built once (parameters ``dossier``, its
    uuid, and ``after``)."""
    dossier = select(dossiers.c.id).where(dossiers.c.uuid == bindparam("dossier")).scalar_subquery()
    after = bindparam("after", type_=Integer)
    counts = select(func.count(), func.count().filter(cases.c.id <= after)).where(
        cases.c.dossier_id == dossier
    )
    held = (
        select(func.count())
        .select_from(documents)
        .where(documents.c.case_id == cases.c.id)
        .scalar_subquery()
    )
    page = (
        select(
            cases.c.id,
            cases.c.uuid,
            cases.c.reference,
            cases.c.subject,
            cases.c.closed_at,
            held.label("documents"),
        )
        .where(cases.c.dossier_id == dossier, cases.c.id > after)
        .order_by(cases.c.id)
    )
    return counts, page


_CASE_COUNTS, _CASE_PAGE = _case_statements()
_CASE_PAGE_OF = _CASE_PAGE.limit(bindparam("rows", type_=Integer))


def dossier_cases(
    connection: Connection,
    dossier_uuid: str,
    after: int | None = None,
    limit: int | None = CASE_PAGE,
) -> CasePage:
    """The cases of a dossier (already checked as readable), ``limit`` at a time (``None``: all
    of them): those opened after case ``after`` (a case number from ``CasePage.next_after``),
    each with its number of documents. The page is read from the cursor on along
    ix_cases_dossier_id_id (dossier, case); the counts read that index only, not the cases (nor
    their documents)."""
    params = {"dossier": dossier_uuid, "after": after or 0}
    total, before = connection.execute(_CASE_COUNTS, params).one()
    if limit is None:
        rows = connection.execute(_CASE_PAGE, params).all()
    else:
        rows = connection.execute(_CASE_PAGE_OF, params | {"rows": limit + 1}).all()
    shown = rows if limit is None else rows[:limit]
    return CasePage(
        cases=[
            {
                "id": row.uuid,
                "reference": row.reference,
                "subject": row.subject,
                "closed_at": row.closed_at.isoformat() if row.closed_at is not None else None,
                "documents": row.documents,
            }
            for row in shown
        ],
        total=int(total),
        first=int(before) + 1,
        after=after,
        next_after=shown[-1].id if len(rows) > len(shown) else None,
    )


HISTORY_PAGE = 50
_EVENT = "e.id, e.occurred_at, e.actor, e.action, e.object_type, e.object_id, e.details, e.hash"
# One branch per kind of object; each finds its events through ix_audit_log_object (the
# body's object type and id, which the view audit_events reads with the same expressions),
# record by record (CROSS JOIN keeps SQLite from starting at the audit log instead). The
# branches take only the event number, which that index holds, so that a record with many
# events costs index entries, not event bodies; the page's rows are read afterwards.
# ``{scope}`` narrows the records, ``{older}`` pages back.
_BRANCHES = {
    "dossier": (
        "SELECT e.id AS id, dz.reference AS reference, dz.subject AS label FROM dossiers dz "
        "CROSS JOIN audit_events e WHERE e.object_type = 'dossier' AND e.object_id = dz.uuid "
        "AND {scope}{older}"
    ),
    "case": (
        "SELECT e.id AS id, c.reference AS reference, c.subject AS label FROM cases c "
        "CROSS JOIN audit_events e WHERE e.object_type = 'case' AND e.object_id = c.uuid "
        "AND {scope}{older}"
    ),
    "document": (
        "SELECT e.id AS id, c.reference AS reference, d.title AS label FROM documents d "
        "JOIN cases c ON c.id = d.case_id CROSS JOIN audit_events e "
        "WHERE e.object_type = 'document' AND e.object_id = d.uuid AND {scope}{older}"
    ),
}
_DOSSIER = "(SELECT id FROM dossiers WHERE uuid = :record)"
_CASE = "(SELECT id FROM cases WHERE uuid = :record)"
# What the history of each kind of record covers: (branch, scope) pairs.
_SCOPES = {
    "dossier": (
        ("dossier", "dz.uuid = :record"),
        ("case", f"c.dossier_id = {_DOSSIER}"),
        ("document", f"d.dossier_id = {_DOSSIER}"),
    ),
    "case": (("case", "c.uuid = :record"), ("document", f"d.case_id = {_CASE}")),
    "document": (("document", "d.uuid = :record"),),
}
_TEXT_COLUMNS = ("actor", "action", "object_type", "object_id", "details", "hash")
_HISTORY_COLUMNS: list[ColumnClause[Any]] = [
    column("id", Integer),
    column("occurred_at", TS),
    *(column(name, String) for name in (*_TEXT_COLUMNS, "reference", "label", "actor_name")),
]


@cache
def _history_statement(kind: str, paged: bool, documents: bool) -> TextualSelect:
    """``history``'s statement for one kind of record, built once per shape."""
    older = " AND e.id < :before" if paged else ""
    branches = [
        _BRANCHES[branch].format(scope=scope, older=older)
        for branch, scope in _SCOPES[kind]
        if documents or branch != "document"
    ]
    return text(
        f"SELECT {_EVENT}, h.reference, h.label, u.name AS actor_name FROM ("
        + " UNION ALL ".join(branches)
        + " ORDER BY id DESC LIMIT :limit) h CROSS JOIN audit_events e "
        "LEFT JOIN users u ON u.login = e.actor WHERE e.id = h.id ORDER BY e.id DESC"
    ).columns(*_HISTORY_COLUMNS)


def history(
    connection: Connection,
    kind: str,
    record_id: str,
    limit: int = HISTORY_PAGE,
    before: int | None = None,
    documents: bool = True,
) -> list[HistoryEntry]:
    """Audit events of a dossier, case or document (``record_id``: its uuid) and of what it
    holds, newest first: a dossier's cases and documents, a case's documents. ``before`` (an
    event number) pages back; ``documents=False`` leaves a dossier's documents out (its page
    shows them on the cases' pages)."""
    statement = _history_statement(kind, before is not None, documents or kind == "document")
    params: dict[str, Any] = {"record": record_id, "limit": limit}
    if before is not None:
        params["before"] = before
    return entries(connection, connection.execute(statement, params).all())


def history_pages(
    connection_for: Callable[[], AbstractContextManager[Connection]],
    kind: str,
    record_id: str,
    page: int = 2000,
) -> Iterator[list[HistoryEntry]]:
    """The whole history in pages, newest first, each page read in its own short transaction
    from ``connection_for()`` (events are only ever appended, so the pages fit together)."""
    before: int | None = None
    while True:
        with connection_for() as connection:
            found = history(connection, kind, record_id, page, before)
        if not found:
            return
        yield found
        before = found[-1].id
