"""The OCR text made ready for search: words that typesetting broke at a line's end are whole
again.

Tesseract writes what it sees, line by line, so ``Verwal-`` / ``tung`` on a printed page become
two words, and a search for ``Verwaltung`` misses the page. ``join_line_breaks`` joins such a
word and moves it onto the first line (the line structure stays), when

* a letter stands before the hyphen (``-``, the soft hyphen U+00AD, or U+2010/U+2011) at the end
  of the line, and
* the next line starts with a lower-case letter, which is not a word like ``und`` or ``oder``
  (``Ein- und Ausgabe`` keeps its hyphen). One blank line between the two is allowed: Tesseract
  ends a paragraph after a line that is much shorter than the others, which is how a ragged
  letter often breaks a word, and no paragraph ends in the middle of a word.

A hyphen before a capital stays (``Sicherheits-`` / ``Updates`` is ``Sicherheits-Updates``). The
rare compound with a hyphen of its own before a lower-case part is joined like a syllable break
(``apt-`` / ``get`` becomes ``aptget``): the text cannot tell the two apart, and syllable
breaks are far more common in German prose.
"""

from __future__ import annotations

import re

# Words after a hyphen at a line's end that show the hyphen stands for a left-out part
# (``Ein- und Ausgabe``, ``Vor- bzw. Nachname``), not for a syllable break.
_KEEP_BEFORE = frozenset(
    ["und", "oder", "bzw", "beziehungsweise", "sowie", "bis", "als", "wie", "noch"]
)
_BREAK = re.compile(
    r"(?<=[^\W\d_])[-\u00ad\u2010\u2011][^\S\n]*(?P<sep>\n(?:[^\S\n]*\n)?)[^\S\n]*"
    r"(?P<rest>(?P<word>[^\W\d_]\w*)\S*)(?P<gap>[^\S\n]+|(?=\n)|$)"
)


def _join(match: re.Match[str]) -> str:
    word = match.group("word")
    if not word[0].islower() or word in _KEEP_BEFORE:
        return match.group(0)
    # The rest of the broken word moves up; the line it came from keeps the words after it.
    return match.group("rest") + (match.group("sep") if match.group("gap") else "")


def join_line_breaks(text: str) -> str:
    """``text`` with every word that was broken at a line's end by a hyphen joined."""
    while True:  # again for a word broken over three lines (``Straßen-`` / ``bau-`` / ``amt``)
        joined = _BREAK.sub(_join, text)
        if joined == text:
            return text
        text = joined
