"""What every command needs: settings, database, blob store, output helpers."""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import click
from rich.console import Console

from eakte.blobs.store import FolderBlobStore
from eakte.core.references import ReferenceRule, case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.migrate import current_revision, head_revision
from eakte.errors import ConfigurationError
from eakte.ingest.filing import Filer
from eakte.settings import Settings


@dataclass
class App:
    settings: Settings
    # Piped output (scripts, logs) gets wide lines instead of Rich's default 80 columns.
    console: Console = field(
        default_factory=lambda: Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    )
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    @cached_property
    def db(self) -> Database:
        return Database(self.settings)

    @cached_property
    def blobs(self) -> FolderBlobStore:
        return FolderBlobStore(self.settings.resolved_blob_dir)

    @cached_property
    def filer(self) -> Filer:
        return Filer(self.blobs, self.settings.max_file_size)

    @property
    def dossier_rule(self) -> ReferenceRule:
        return dossier_rule(self.settings.dossier_reference_rule)

    @property
    def case_rule(self) -> ReferenceRule:
        return case_rule(self.settings.case_reference_rule)

    @property
    def actor(self) -> str:
        return os.environ.get("EAKTE_ACTOR") or f"system:{_os_user()}"

    def require_schema(self) -> Database:
        """The database, after checking that ``eakte init`` brought it up to date."""
        if (
            self.db.is_sqlite
            and not (self.settings.data / "eakte.sqlite3").exists()
            and not self.settings.database_url
        ):
            raise ConfigurationError(
                f"Im Datenordner {self.settings.data} ist keine eakte-Datenbank; bitte zuerst "
                "»eakte init« ausführen (oder EAKTE_DATA setzen)."
            )
        if current_revision(self.db) != head_revision():
            raise ConfigurationError(
                "Das Datenbankschema ist nicht auf dem Stand dieser Version; bitte »eakte init« "
                "ausführen."
            )
        self.blobs.ensure()
        return self.db

    def close(self) -> None:
        """Release database connections (called when the command ends)."""
        if "db" in self.__dict__:
            self.db.dispose()

    def emit_json(self, value: Any) -> None:
        click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


pass_app = click.make_pass_decorator(App)
