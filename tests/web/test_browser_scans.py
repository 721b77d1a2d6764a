"""The case page in a real browser updates the processing state of scans without reloading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.demo import files
from eakte.ingest.filing import Filer
from eakte.records import dossiers
from eakte.settings import Settings
from eakte.worker.runner import Worker
from tests.helpers import County
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, browser, page, server, sign_in  # noqa: F401
from tests.worker.test_worker import fake_engine

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium fehlt; scripts/setup.sh --dev installiert es."
)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_case_page_shows_when_ocr_is_done(
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
    county: County,
    db: Database,
    settings: Settings,
    blobs: FolderBlobStore,
    filer: Filer,
) -> None:
    prepared = filer.prepare_bytes(files.scan_png_bytes("Antrag Garage"), "Post.png")
    with db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, county.bau_case.dossier_id)
        doc = filer.commit(c, county.bau_case, dossier, prepared, "test")
    page.goto("/")
    sign_in(page, "bau", PASSWORD)
    page.goto(f"/vorgaenge/{county.bau_case.uuid}")
    badge = page.locator(f'.badge[data-doc="{doc.uuid}"]')
    expect(badge).to_have_text("wartet auf Texterkennung")
    page.evaluate("window.notReloaded = true")

    Worker(db, blobs, settings, engine=fake_engine).run(until_idle=True)

    expect(badge).to_have_text("bereit", timeout=20_000)
    expect(badge).to_have_class(re.compile(r"\bstate-ready\b"))
    assert page.evaluate("window.notReloaded") is True  # updated in place
