"""Apply Alembic migrations from inside the program (``eakte init``) and the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from eakte.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one write transaction."""
    _apply(database, command.upgrade, revision)


def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to ``revision`` inside one write transaction."""
    _apply(database, command.downgrade, revision)


def _apply(database: Database, step: Callable[[Config, str], None], revision: str) -> None:
    config = _config()
    with database.write() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def current_revision(database: Database) -> str | None:
    with database.read() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
