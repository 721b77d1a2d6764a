"""Lists for the desk and the file plan, filtered by what the user may read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, text

from eakte.records.access import CASE_FILTER, DOSSIER_FILTER, expanding_params, read_scope
from eakte.records.organisation import User


def _scope(connection: Connection, user: User) -> dict[str, Any]:
    return read_scope(connection, user).params()


_READABLE = DOSSIER_FILTER


def _rows(connection: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    statement = text(sql).bindparams(*expanding_params(sql))
    return list(connection.execute(statement, params).all())


def open_cases(connection: Connection, user: User, limit: int = 20) -> list[Any]:
    """Open cases of dossiers the user may read, newest first."""
    return _rows(
        connection,
        (
            "SELECT c.uuid, c.reference, c.subject, c.created_at, dz.subject AS dossier_subject, "
            "(SELECT count(*) FROM documents d WHERE d.case_id = c.id) AS documents "
            "FROM cases c JOIN dossiers dz ON dz.id = c.dossier_id "
            f"WHERE c.closed_at IS NULL AND dz.closed_at IS NULL AND {CASE_FILTER} "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"
        ),
        {**_scope(connection, user), "limit": limit},
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


def history(connection: Connection, object_ids: list[str], limit: int = 200) -> list[Any]:
    """Audit events of the given objects, newest first."""
    if not object_ids:
        return []
    statement = text(
        "SELECT occurred_at, actor, action, object_type, object_id, details FROM audit_events "
        "WHERE object_id IN :ids ORDER BY id DESC LIMIT :limit"
    ).bindparams(bindparam("ids", expanding=True))
    return list(connection.execute(statement, {"ids": object_ids, "limit": limit}).all())
