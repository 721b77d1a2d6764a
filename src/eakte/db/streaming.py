"""Reading a large result as plain tuples with flat memory, on either backend.

For full-table passes (verifying the audit chain) where SQLAlchemy's row objects cost more than
the work done per row: PostgreSQL fetches ``batch`` rows per round trip from a server-side
cursor; SQLite steps its cursor row by row. The rows belong to the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection


@contextmanager
def plain_rows(connection: Connection, sql: str, batch: int) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of ``sql`` (no parameters) as DB-API tuples; the cursor closes with the block."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name="eakte_plain_rows")  # type: ignore[union-attr]
        cursor.itersize = batch
    else:
        cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        yield iter(cursor)
    finally:
        cursor.close()
