"""The migrations build exactly the tables the code declares (no drift between them)."""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from eakte.db.engine import Database
from eakte.db.migrate import current_revision, head_revision
from eakte.db.schema import metadata

# The full-text index and the index on the audit bodies' objects are created by the migrations
# only, per backend (``audit.storage``).
BACKEND_ONLY = ("search_fts", "search_index", "ix_audit_log_object")


def test_migrated_schema_matches_the_declared_tables(db: Database) -> None:
    assert current_revision(db) == head_revision()
    with db.read() as connection, warnings.catch_warnings():
        # SQLAlchemy cannot reflect an index on expressions from SQLite; it says so and skips it.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index ix_audit_log_object"
        )
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    drift = [change for change in diff if not any(name in repr(change) for name in BACKEND_ONLY)]
    assert drift == []
