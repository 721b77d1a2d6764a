"""OCR through the worker on pages the tests make: rendered German text, skewed and noised,
as PNG, multi-page TIFF and image-only PDF; and the corpus's OCR pages where present."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.schema import audit_events, document_texts, documents, renditions, versions
from eakte.demo import files
from eakte.ingest.filing import Filer
from eakte.ocr.engine import OcrError, image_to_pdf, run_ocr
from eakte.records import dossiers, organisation
from eakte.search import search
from eakte.settings import Settings
from eakte.worker.runner import Worker
from tests.conftest import corpus_path
from tests.helpers import make_county
from tests.ocr.pages import (
    PRINTED,
    TEXTS,
    render_page,
    save_image_pdf,
    save_png,
    save_tiff,
    word_recall,
)

pytestmark = pytest.mark.slow
GENERATED_RECALL = 0.85  # noisy, skewed, blurred pages; clean scans reach 0.97 and more


def _file(db: Database, filer: Filer, case: dossiers.Case, path: Path) -> Any:
    prepared = filer.prepare(path)
    with db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, case.dossier_id)
        return filer.commit(c, case, dossier, prepared, "test")


def test_scans_become_searchable_pdfa_and_text_pdfs_are_left_alone(
    db: Database,
    settings: Settings,
    filer: Filer,
    blobs: FolderBlobStore,
    rules: Any,
    tmp_path: Path,
) -> None:
    county = make_county(db, rules)
    pages = [
        render_page(t, skew=s, seed=n)
        for n, (t, s) in enumerate(zip(PRINTED, (2, -3, 1.5), strict=True))
    ]
    png = _file(db, filer, county.bau_case, save_png(pages[0], tmp_path / "Bescheid.png"))
    tiff = _file(db, filer, county.bau_case, save_tiff(pages[1:], tmp_path / "Akte.tif"))
    scan_pdf = _file(db, filer, county.bau_case, save_image_pdf(pages[2:], tmp_path / "Scan.pdf"))
    text_pdf = tmp_path / "Brief.pdf"
    text_pdf.write_bytes(files.pdf_bytes("Stellungnahme zur Zufahrt über den Feldweg.", "Brief"))
    text = _file(db, filer, county.bau_case, text_pdf)
    assert (png.state, tiff.state, scan_pdf.state) == ("awaiting_ocr",) * 3
    assert text.state == "ready"
    originals = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("*.*")}

    summary = Worker(db, blobs, settings.model_copy(update={"ocr_jobs": 1}), threads=2).run(
        until_idle=True
    )

    assert summary.outcomes["done"] == 3, summary
    assert summary.left is not None and summary.left.claimable == summary.left.running == 0
    with db.read() as c:
        rows = {
            r.id: r
            for r in c.execute(
                select(documents.c.id, documents.c.state, document_texts.c.text).join(
                    document_texts, document_texts.c.document_id == documents.c.id
                )
            ).all()
        }
        made = c.execute(select(renditions)).all()
        stored_versions = c.execute(select(versions.c.content_sha256)).scalars().all()
        ocr_events = c.execute(
            select(func.count())
            .select_from(audit_events)
            .where(audit_events.c.action == "document.ocr")
        ).scalar_one()
    assert {rows[d.id].state for d in (png, tiff, scan_pdf, text)} == {"ready"}
    # One PDF/A rendition per scanned document; none for the PDF that had text.
    assert sorted(r.document_id for r in made) == sorted([png.id, tiff.id, scan_pdf.id])
    assert {r.kind for r in made} == {"pdfa"} and ocr_events == 3
    assert {r.pages for r in made if r.document_id == tiff.id} == {2}
    for rendition in made:
        data = blobs.path(rendition.content_sha256).read_bytes()
        assert data.startswith(b"%PDF-") and b"pdfaid" in data.lower()
    # The originals are stored bit for bit and stay the current versions.
    assert set(originals.values()) <= set(stored_versions)
    for path, sha in originals.items():
        assert hashlib.sha256(blobs.path(sha).read_bytes()).hexdigest() == sha, path
    assert word_recall(TEXTS[0], rows[png.id].text) >= GENERATED_RECALL
    assert word_recall(TEXTS[1] + "\n" + TEXTS[2], rows[tiff.id].text) >= GENERATED_RECALL
    assert word_recall(TEXTS[2], rows[scan_pdf.id].text) >= GENERATED_RECALL
    # The OCR text is searchable with German stemming (Baugenehmigungen → Baugenehmigung),
    # and a word broken at a line's end is found whole.
    with db.read() as c:
        user = organisation.get_user(c, "bau")
        found = search(c, user, "Baugenehmigungen Garage")
        beistand = search(c, user, "Erziehungsbeistandschaft")
    assert png.uuid in [h.document_id for h in found.hits]
    assert tiff.uuid in [h.document_id for h in beistand.hits]


@pytest.mark.corpus
def test_corpus_pages_reach_the_word_recall_of_tesseract(tmp_path: Path) -> None:
    folder = corpus_path("small", "ocr_gt")
    pages = sorted(folder.glob("debian-faq-de__*.scan.jpg"))[:2]
    if not pages:
        pytest.skip("../shared/corpus/small/ocr_gt hat keine Seiten debian-faq-de__*.scan.jpg")
    for page in pages:
        truth = page.with_name(page.name.replace(".scan.jpg", ".gt.txt")).read_text("utf-8")
        output = run_ocr(page, "image/jpeg", tmp_path / page.stem, jobs=1)
        assert output.pdfa and output.pages == 1
        assert word_recall(truth, output.text) >= 0.95, page.name


@pytest.mark.parametrize("weasyprint_loaded", [False, True])
def test_a_cut_off_scan_is_refused_even_after_the_report_module_loaded(
    tmp_path: Path, weasyprint_loaded: bool
) -> None:
    """WeasyPrint (portfolio report) tells Pillow to accept truncated images, process-wide;
    a cut-off scan must still fail instead of becoming a page that is grey at the bottom."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    if weasyprint_loaded:
        ImageFile.LOAD_TRUNCATED_IMAGES = True  # what ``import weasyprint`` does
    try:
        png = files.scan_png_bytes("Kaputt")
        source = tmp_path / "kaputt.png"
        source.write_bytes(png[: len(png) // 3])
        with pytest.raises(OcrError, match="Das Bild ist beschädigt oder unvollständig"):
            image_to_pdf(source, tmp_path / "out.pdf", 300)
        assert not (tmp_path / "out.pdf").exists()
        assert ImageFile.LOAD_TRUNCATED_IMAGES is weasyprint_loaded  # left as it was
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
