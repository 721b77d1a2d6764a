"""Real documents from ../shared/corpus: every small-corpus file files, and its text is found.

Skips with a message where the corpus is absent.
"""

import re
from pathlib import Path
from typing import Any

from eakte.db.engine import Database
from eakte.extract import extract_file
from eakte.ingest import add_paths
from eakte.ingest.filing import Filer
from eakte.records.lookup import describe
from eakte.records.organisation import get_user
from eakte.search import search
from tests.conftest import corpus_path
from tests.helpers import make_county

WORD = re.compile(r"\w+")


def test_office_laws_match_their_plain_text() -> None:
    folder = corpus_path("small", "office", "laws_pandoc")
    checked = 0
    for truth in sorted(folder.glob("*.gt.txt")):
        expected = WORD.findall(truth.read_text().lower())
        for suffix in (".docx", ".odt"):
            got = set(
                WORD.findall(
                    extract_file(
                        truth.with_name(truth.name.replace(".gt.txt", suffix))
                    ).text.lower()
                )
            )
            recall = sum(1 for w in expected if w in got) / len(expected)
            assert recall > 0.98, (truth.name, suffix, recall)
            checked += 1
    assert checked == 24


def test_scans_without_text_layer_wait_for_ocr() -> None:
    folder = corpus_path("small", "pdf", "image_only", "bgbl_scans")
    results = [extract_file(p) for p in sorted(folder.glob("*.pdf"))]
    assert results and all(r.needs_ocr and r.error is None for r in results)


def test_emails_with_nested_attachments() -> None:
    folder = corpus_path("small", "email", "opengever")
    nested = extract_file(folder / "opengever__testing__assets__mail_with_nested_attachments.eml")
    assert nested.title == "verschachtelte Anhänge"
    assert {"Mehrere Anhänge.eml", "word_document.docx", "Text.txt"} == {
        a.filename for a in nested.attachments
    }
    msg = extract_file(folder / "opengever__testing__assets__testmail.msg")
    assert msg.kind == "msg" and msg.title == "testmail"


def test_whole_small_corpus_files_and_is_searchable(db: Database, rules: Any, filer: Filer) -> None:
    root = corpus_path("small")
    county = make_county(db, rules)
    folders = [
        root / "text" / "gesetze",
        root / "pdf" / "text_layer",
        root / "office",
        root / "email",
    ]
    summary = add_paths(db, filer, county.bau_case.reference, folders, "t", batch_size=50)
    assert summary.failed == []
    assert summary.added == 179 and summary.attachments == 22  # nested ones included
    # Only the Outlook TNEF container (winmail.dat) has no readable text.
    assert [Path(e["path"]).name for e in summary.extraction_errors] == [
        "tests__tine20__Felamimail__files__empty_winmail.dat"
    ]
    with db.read() as c:
        user = get_user(c, "bau")
        for query, expected in [
            ("Bundesnaturschutzgesetz", True),
            ("Eichplakette", False),
            ('"Sehr geehrte"', True),
            ("Rechnung*", True),
            ("Terminbestätigung", True),
            ("Anlagen", True),
        ]:
            assert (search(c, user, query).total > 0) is expected, query
        assert search(c, get_user(c, "ja"), "Bundesnaturschutzgesetz").total == 0
        docs = describe(c, county.bau_case.reference)["documents"]
    assert sum(1 for d in docs if d["attachment_of"]) >= 10
