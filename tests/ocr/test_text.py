"""The OCR text step: words that typesetting broke at a line's end are whole again for search."""

from __future__ import annotations

import pytest

from eakte.ocr.text import join_line_breaks
from eakte.search.analyzer import words


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        # A syllable break: the word moves up whole, the rest of its line stays below.
        (
            "über verschiedene Versionen hinweg iden-\ntisch sein, so dass ein Update",
            "über verschiedene Versionen hinweg identisch\nsein, so dass ein Update",
        ),
        # Punctuation goes with the word; a word alone on its line leaves no blank line.
        ("So ge-\nhören.\nDer Baum", "So gehören.\nDer Baum"),
        ("die Verwal-\ntung", "die Verwaltung"),
        # Spaces Tesseract leaves around the hyphen, and the other hyphen characters.
        ("die Verwal- \n  tung des Kreises", "die Verwaltung\ndes Kreises"),
        ("die Verwal\u00ad\ntung", "die Verwaltung"),
        ("die Verwal\u2010\ntung", "die Verwaltung"),
        # Tesseract saw a paragraph end after a short line (ragged right): still one word.
        (
            "eine Erziehungsbei-\n\nstandschaft für sechs Monate.",
            "eine Erziehungsbeistandschaft\n\nfür sechs Monate.",
        ),
        ("darunter liegen-\n\nde Klasse", "darunter liegende\n\nKlasse"),
        # Broken twice over three lines.
        ("das Straßen-\nbau-\namt", "das Straßenbauamt"),
    ],
)
def test_words_broken_at_line_ends_are_joined(ocr: str, expected: str) -> None:
    assert join_line_breaks(ocr) == expected


@pytest.mark.parametrize(
    "ocr",
    [
        "Ein-\nund Ausgabe",  # a left-out part, not a break
        "Vor-\nbzw. Nachname",
        "Lese-\noder Schreibrecht",
        "die Sicherheits-\nUpdates",  # a compound with its own hyphen before a capital
        "Seiten 12-\n13",  # no letter before the hyphen
        "eine Liste -\nund mehr",  # a dash, not a hyphen
        "Ein-\n\nund Ausgabe",
        "das Amt-\n\n\nneu",  # more than one blank line: a new part of the page
    ],
)
def test_hyphens_that_are_not_line_breaks_stay(ocr: str) -> None:
    assert join_line_breaks(ocr) == ocr


def test_search_finds_the_whole_word_after_joining() -> None:
    ocr = "Vereinbart wurde eine Erziehungsbei-\nstandschaft für sechs Monate."
    assert "erziehungsbeistandschaft" not in words(ocr)
    assert "erziehungsbeistandschaft" in words(join_line_breaks(ocr))
