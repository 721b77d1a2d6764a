"""How the audit chain is stored: each event once, as the bytes its hash covers.

The table ``audit_log`` holds per event its number, ``body`` (the canonical JSON of the event,
``chain.event_text``: exactly what is hashed after the previous hash), ``prev_hash`` and
``hash``. Nothing else about the event is stored, so the hashes cover everything anyone reads.

``audit_events`` is a view that reads the fields back out of the body: time, actor, action,
object type and id, details. Every reader uses it; nobody writes to it. An index on the body's
object type and id finds an object's events. The view's definition is part of what
``audit verify`` checks (``view_intact``): a view changed to show other values than the stored
bytes is reported like an altered event.

Changing these definitions needs a migration that replaces the view and the index.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

VIEW = "audit_events"

# The view's query per backend. SQLite: the time as it keeps times (``YYYY-MM-DD HH:MM:SS.ffffff``,
# UTC); object type and id cast to TEXT so that comparisons with text columns use the index; the
# details as JSON text with ``->`` (SQLite 3.38 or later).
VIEW_SELECT = {
    "sqlite": (
        "SELECT id, replace(substr(json_extract(body, '$.at'), 1, 26), 'T', ' ') AS occurred_at, "
        "json_extract(body, '$.actor') AS actor, json_extract(body, '$.action') AS action, "
        "CAST(json_extract(body, '$.object_type') AS TEXT) AS object_type, "
        "CAST(json_extract(body, '$.object_id') AS TEXT) AS object_id, "
        "body -> '$.details' AS details, prev_hash, hash FROM audit_log"
    ),
    "postgresql": (
        "SELECT id, ((body::json) ->> 'at')::timestamptz AS occurred_at, "
        "(body::json) ->> 'actor' AS actor, (body::json) ->> 'action' AS action, "
        "(body::json) ->> 'object_type' AS object_type, "
        "(body::json) ->> 'object_id' AS object_id, "
        "((body::json) -> 'details')::text AS details, prev_hash, hash FROM audit_log"
    ),
}

OBJECT_INDEX = {
    "sqlite": (
        "CREATE INDEX ix_audit_log_object ON audit_log "
        "(CAST(json_extract(body, '$.object_type') AS TEXT), "
        "CAST(json_extract(body, '$.object_id') AS TEXT))"
    ),
    "postgresql": (
        "CREATE INDEX ix_audit_log_object ON audit_log "
        "(((body::json) ->> 'object_type'), ((body::json) ->> 'object_id'))"
    ),
}


def create_view_sql(backend: str, name: str = VIEW) -> str:
    return f"CREATE VIEW {name} AS {VIEW_SELECT[backend]}"


def view_intact(connection: Connection) -> bool:
    """Whether ``audit_events`` still has the definition eakte gave it. SQLite keeps the text of
    the definition as written; PostgreSQL keeps it parsed, so a view made from the expected text
    inside a savepoint (rolled back) is compared in the server's own rendering."""
    backend = connection.dialect.name
    if backend == "sqlite":
        stored = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = :name"),
            {"name": VIEW},
        ).scalar()
        return bool(stored == create_view_sql(backend))
    stored = connection.execute(
        text("SELECT pg_get_viewdef(to_regclass(:name))"), {"name": VIEW}
    ).scalar()
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(create_view_sql(backend, "pg_temp.eakte_expected_audit_events")))
        expected = connection.execute(
            text("SELECT pg_get_viewdef('pg_temp.eakte_expected_audit_events'::regclass)")
        ).scalar()
    finally:
        savepoint.rollback()
    return stored is not None and stored == expected
