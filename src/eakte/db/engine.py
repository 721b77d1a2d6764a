"""Engines and transactions.

SQLite runs in WAL mode with foreign keys and a busy timeout. Every write goes through one
writer: a process-wide lock plus ``BEGIN IMMEDIATE``, so that two writers never deadlock on a lock
upgrade and other processes wait for the busy timeout instead of failing. Reads use plain
``BEGIN`` on their own connections and run beside the writer.

On PostgreSQL both are ordinary transactions on one pool.

The entry point (CLI command, request, job) opens the transaction with ``write()`` or ``read()``;
services receive the connection and never commit.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from eakte.errors import ConfigurationError
from eakte.settings import Settings

T = TypeVar("T")


def _sqlite_engine(url: str, busy_timeout_ms: int, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        # The web server runs up to 40 request threads; keep their connections open.
        pool_size=20,
        max_overflow=30,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """The database of one installation: a write path and a read path."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ConfigurationError(
                f"Datenbank {backend!r} wird nicht unterstützt: bitte SQLite oder PostgreSQL."
            )
        self.backend = backend
        self._write_lock = threading.RLock()
        if backend == "sqlite":
            timeout = settings.sqlite_busy_timeout_ms
            self.write_engine = _sqlite_engine(self.url, timeout, "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(self.url, timeout, "BEGIN")
        else:
            self.write_engine = create_engine(
                self.url, pool_pre_ping=True, pool_size=20, max_overflow=30
            )
            self.read_engine = self.write_engine

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; commits when the block ends without an exception."""
        with self._write_lock, self.write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (rolled back at the end). Nothing changes inside it, so
        derived facts (a user's read scope) may be remembered for its length: ``memo``."""
        with self.read_engine.connect() as connection, connection.begin() as transaction:
            _MEMOS[connection] = {}
            try:
                yield connection
            finally:
                _MEMOS.pop(connection, None)
                transaction.rollback()

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """For one statement that reads (every request's session or token): on PostgreSQL
        without a transaction around it, which saves the BEGIN and ROLLBACK round trips; a
        single statement sees one snapshot either way. On SQLite, ``read()``."""
        if self.is_sqlite:
            with self.read() as connection:
                yield connection
            return
        with self.read_engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


_MEMOS: weakref.WeakKeyDictionary[Connection, dict[Any, Any]] = weakref.WeakKeyDictionary()


def memo(connection: Connection) -> dict[Any, Any] | None:
    """A dict that lives as long as the read-only transaction of ``connection`` (None in a
    write transaction, where what was read may change before it ends)."""
    return _MEMOS.get(connection)


def remembered(connection: Connection, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per read-only transaction of ``connection`` for ``key`` (every time
    in a write transaction)."""
    cache = _MEMOS.get(connection)
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cast(T, cache[key])


@contextmanager
def secure_delete(connection: Connection) -> Iterator[None]:
    """Inside the block, SQLite overwrites deleted content with zeros instead of leaving it in
    free pages (``PRAGMA secure_delete``); used when documents are destroyed. PostgreSQL has no
    such switch: its dead tuples go when (auto)vacuum runs."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA secure_delete").scalar_one()
    connection.exec_driver_sql("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA secure_delete = {int(before)}")


def admin_engine(url: str) -> Engine:
    """An engine without pooling for one-off administrative work (migrations)."""
    return create_engine(url, poolclass=NullPool)
