"""Database adapter: schema, engines with one writer on SQLite, Alembic migrations.

Exports ``Database`` (``engine.py``), the tables (``schema.py``) and ``upgrade`` (``migrate.py``).
Backend-specific SQL lives in the backend's module (``search_sqlite.py``, ``search_postgres.py``).
"""
