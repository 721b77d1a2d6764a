"""Fixtures: every test that uses ``db`` runs once on SQLite and once on PostgreSQL.

Each test gets a fresh database made from a migrated template (a copied SQLite file, a
PostgreSQL ``CREATE DATABASE … TEMPLATE``), its own blob folder, and real services.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from eakte.auth import passwords
from eakte.blobs.store import FolderBlobStore
from eakte.cli.main import main as cli_main
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.ingest.filing import Filer
from eakte.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from pg_cluster import PgCluster

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(autouse=True, scope="session")
def light_argon2() -> Iterator[None]:
    """Real argon2id, with the lightest parameters: the production ones (about 0.2 s per hash
    on purpose) spent minutes of the suite on the passwords of test users. Hashes carry their
    parameters, so a server started as a separate process still verifies them."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    before = passwords._hasher
    passwords._hasher = light
    yield
    passwords._hasher = before


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    cluster.start()
    try:
        engine = create_engine(
            cluster.url("postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE eakte_template"))
        engine.dispose()
        database = Database(Settings(database_url=cluster.url("eakte_template")))
        upgrade(database)
        database.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    database = Database(Settings(data=folder))
    upgrade(database)
    database.dispose()
    return folder / "eakte.sqlite3"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    data = tmp_path / "data"
    data.mkdir()
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data / "eakte.sqlite3")
        yield Settings(data=data)
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"eakte_test_{next(_counter)}"
    admin = create_engine(cluster.url("postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE eakte_template"))
    try:
        yield Settings(data=data, database_url=cluster.url(name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture
def blobs(settings: Settings) -> FolderBlobStore:
    store = FolderBlobStore(settings.resolved_blob_dir)
    store.ensure()
    return store


@pytest.fixture
def filer(blobs: FolderBlobStore) -> Filer:
    return Filer(blobs, max_file_size=50 * 1024 * 1024)


@pytest.fixture
def rules() -> tuple[Any, Any]:
    return dossier_rule("{plan}-{seq:04d}/{year}"), case_rule("{dossier}-{seq:03d}")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the ``eakte`` CLI in-process against this test's database."""
    monkeypatch.setenv("EAKTE_DATA", str(settings.data))
    if settings.database_url:
        monkeypatch.setenv("EAKTE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("EAKTE_DATABASE_URL", raising=False)
    monkeypatch.setenv("EAKTE_ACTOR", "test")

    def invoke(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return invoke


def corpus_path(*parts: str) -> Path:
    """A folder of ../shared/corpus, or skip with a message where it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/corpus/{'/'.join(parts)} fehlt; dieser Test braucht den Korpus.")
    return path
