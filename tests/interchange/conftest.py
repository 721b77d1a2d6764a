"""Fixtures for xdomea tests: the shared conformance kit (skipped with a message where it is
absent) and settings that point at its official schemas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from eakte.db.engine import Database
from eakte.demo import files
from eakte.ingest import versions as doc_versions
from eakte.ingest.filing import Filer
from eakte.interchange.model import Party
from eakte.records import dossiers, organisation
from eakte.records.organisation import get_user
from eakte.settings import Settings
from tests.helpers import County, file_text, make_county

XDOMEA = Path(__file__).resolve().parents[3] / "shared" / "xdomea"


@pytest.fixture(scope="session")
def xdomea_path() -> Path:
    """../shared/xdomea (schemas, code lists, samples), or skip."""
    if not (XDOMEA / "schema" / "3.0.0" / "xdomea.xsd").is_file():
        pytest.skip(f"../shared/xdomea fehlt ({XDOMEA}); diese Tests brauchen die xdomea-Schemas.")
    return XDOMEA


@pytest.fixture(scope="session")
def xdomea_schemas(xdomea_path: Path) -> Path:
    return xdomea_path / "schema"


@pytest.fixture
def settings(settings: Settings, xdomea_schemas: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test database's settings with the official xdomea schemas (also for the CLI)."""
    monkeypatch.setenv("EAKTE_XDOMEA_SCHEMAS", str(xdomea_schemas))
    return settings.model_copy(update={"xdomea_schemas": xdomea_schemas})


@pytest.fixture
def plain_settings(tmp_path: Path, xdomea_schemas: Path) -> Settings:
    """Settings without a database, for tests of the writer, packer and schemas alone."""
    return Settings(data=tmp_path / "data", xdomea_schemas=xdomea_schemas)


LONG_AGO = datetime(1990, 6, 1, 10, tzinfo=UTC)  # 30 years (63.1.2, B): due since 2021
ARCHIVE = Party("KA-MUSTER", "Kreisarchiv Musterland")
NEIGHBOUR = Party("LK-NACHBAR", "Landkreis Nachbarland")
PROCESS = "5b0c6f2e-3f7d-4c1a-9d2e-8a1b2c3d4e5f"


@dataclass
class Scene:
    county: County
    registry: organisation.User
    originals: dict[str, bytes]  # sha256 → bytes of every version filed
    letter: str  # uuid of the document with two versions


@pytest.fixture
def scene(db: Database, rules: Any, filer: Filer) -> Scene:
    county = make_county(db, rules)
    with db.write() as c:
        organisation.add_user(c, "registratur", "Rita Register", ["KV"], "test", ["registry"])
        second = dossiers.create_case(
            c, rules[1], county.bau_dossier.reference, "Nachforderung Statik", "test"
        )
    letter = file_text(db, filer, county.bau_case, "Bescheid Größe.txt", "Entwurf eins")
    with db.write() as c:
        doc_versions.add_version(
            c,
            letter.uuid,
            1,
            filer.prepare_bytes(b"Entwurf zwei, endgueltig", "Bescheid-v2.txt"),
            get_user(c, "bau"),
        )
    pdf = filer.prepare_bytes(files.pdf_bytes("Lageplan des Grundstücks"), "Lageplan.pdf")
    mail = filer.prepare_bytes(
        files.eml_bytes(
            "Bürger <b@example.org>",
            "bauamt@example.org",
            "Nachreichung Statik",
            "Anbei die Statik.",
            datetime(2025, 3, 14, 10),
            (("Statik.pdf", files.pdf_bytes("Standsicherheitsnachweis"), "application/pdf"),),
        ),
        "Nachricht.eml",
    )
    with db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, county.bau_case.dossier_id)
        filer.commit(c, county.bau_case, dossier, pdf, "test")
        filer.commit(c, second, dossier, mail, "test")
    with db.write() as c:
        for case in dossiers.cases_of(c, county.bau_dossier.id):
            dossiers.close_case(c, case.reference, "test", closed_at=LONG_AGO)
        dossiers.close_dossier(c, county.bau_dossier.reference, "test", closed_at=LONG_AGO)
        registry = get_user(c, "registratur")
    blobs = filer.blobs
    originals = {sha: blobs.path(sha).read_bytes() for sha in blobs.iter_hashes()}
    return Scene(county, registry, originals, letter.uuid)
