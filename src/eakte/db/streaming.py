"""Reading a large result as plain tuples with flat memory, on either backend.

For full-table passes (verifying the audit chain) where SQLAlchemy's row objects cost more than
the work done per row. SQLite steps its cursor row by row. PostgreSQL sends the result through
``COPY (…) TO STDOUT`` in binary format, which psycopg reads in chunks and decodes in C: about
twice as fast as a server-side cursor, and columns of type ``text`` arrive as their UTF-8 bytes
without being decoded. The rows belong to the caller's transaction; while a copy runs, the
connection serves nothing else, so a caller that stops early must leave the block (or close its
generator) before its next statement: the rest of the copy is read and dropped then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg.types.string import ByteaBinaryLoader
from sqlalchemy import Connection


@contextmanager
def plain_rows(
    connection: Connection, sql: str, pg_types: Sequence[str]
) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of ``sql`` (no parameters) as tuples; the cursor closes with the block.

    ``pg_types`` names the PostgreSQL type of each column (``int4``, ``text``, ``varchar``…):
    binary COPY carries no types. There, ``text`` columns come as bytes; SQLite gives what the
    query asks for (``CAST(… AS BLOB)`` for bytes)."""
    driver: Any = connection.connection.driver_connection
    cursor = driver.cursor()
    try:
        if connection.dialect.name != "postgresql":
            cursor.execute(sql)
            yield iter(cursor)
            return
        cursor.adapters.register_loader("text", ByteaBinaryLoader)
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(list(pg_types))
            rows = copy.rows()
            try:
                yield rows
            finally:
                # Read to the end rather than cancel: a cancel would abort the transaction
                # (and may reach the next statement instead).
                for _ in rows:
                    pass
    finally:
        cursor.close()
