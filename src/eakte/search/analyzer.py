"""German text analysis shared by indexing and querying on every backend.

Text is split into words, lower-cased, stemmed with the Snowball German stemmer (PyStemmer) and
folded: the stemmer already turns ä/ö/ü into a/o/u and ß into ss, and any other diacritic is
stripped afterwards. So ``Bebauungspläne`` and ``Bebauungsplan`` both become ``bebauungsplan``,
``Straße`` and ``Strasse`` both ``strass``. Doing this in Python rather than in the database keeps
SQLite and PostgreSQL matching exactly alike (see docs/decisions/0002-search-analysis.md).
"""

from __future__ import annotations

import re
import threading
import unicodedata

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TOKEN_LENGTH = 64
_local = threading.local()

# Function words that carry no meaning on their own. They stay in the index (phrases need them)
# but are dropped from plain (non-phrase) query words when other words remain.
STOPWORDS = frozenset(
    " ".join(
        (
            "aber alle allem allen aller alles als also am an ander andere anderen auch auf aus",
            "bei beim bin bis bist da damit dann das dass dem den denn der des dessen die dies",
            "diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer",
            "eines er es etwas euch euer für gegen hat hatte hier hin ich ihm ihn ihr ihre im in",
            "indem ins ist jede jedem jeden jeder jedes jene kann kein keine man mein mit muss",
            "nach nicht noch nun nur ob oder ohne sein seine sich sie sind so solche soll sondern",
            "sonst über um und uns unter viel vom von vor war waren was weil welche wenn wer",
            "werde werden wie wieder will wir wird wo zu zum zur zwar zwischen",
        )
    ).split()
)


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer("german", 100_000)
        _local.stemmer = stemmer
    return stemmer


def fold(word: str) -> str:
    """Lower-case and strip diacritics; ß becomes ss."""
    word = word.lower().replace("ß", "ss")
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The raw lower-cased words of ``text`` (overlong tokens dropped)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= MAX_TOKEN_LENGTH]


def stems(tokens: list[str]) -> list[str]:
    result = _stemmer().stemWords(tokens)
    return [s if s.isascii() else fold(s) for s in result]


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in order (one per word, so phrases keep their positions)."""
    return stems(words(text))


def analyze_to_string(text: str) -> str:
    return " ".join(analyze(text))


def prefix_term(prefix: str) -> str:
    """The index form of a prefix typed by a user (``Anträ`` → ``antra``)."""
    folded = fold(prefix.lower())
    stemmed = stems([prefix.lower()])[0]
    return stemmed if stemmed and folded.startswith(stemmed) else folded


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS
