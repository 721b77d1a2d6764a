"""The search query language, parsed into a plain structure.

    Bauantrag Schule            all words (stemmed: Bauanträge finds Bauantrag)
    "neue Schule"               a phrase
    Schul*                      a prefix
    -Turnhalle  -"alte Halle"   exclusion
    betreff:Schule  titel:Brief words only in the subject or the title
    az:63.1.2-0042              reference starts with
    typ:pdf                     document type
    datum:2024-01..2024-06      document date range (also 2024, 2024-03, 05.03.2024, ..2024-06)
    einheit:BAU                 lead unit (and the units below it)

Words are ANDed. Anything that cannot be understood raises ``QueryError`` with a German message
that says what to change.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from eakte.errors import QueryError

TEXT_FIELDS = {"betreff": "subject", "subject": "subject", "titel": "title", "title": "title"}
FILTER_FIELDS = {
    "az": "reference",
    "aktenzeichen": "reference",
    "reference": "reference",
    "typ": "type",
    "type": "type",
    "datum": "date",
    "date": "date",
    "einheit": "unit",
    "oe": "unit",
    "unit": "unit",
}
_FIELD = re.compile(r"^([A-Za-zäöüÄÖÜ]+):(.*)$", re.S)
_WORD_CHAR = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Clause:
    """A word or phrase the documents must (or, if ``negated``, must not) contain."""

    text: str
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    field: str | None = None  # None (anywhere), "subject" or "title"


@dataclass(frozen=True)
class DateRange:
    start: date | None
    end: date | None  # inclusive


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = ()
    reference: str | None = None
    doc_type: str | None = None
    unit: str | None = None
    dates: DateRange | None = None
    filters_used: tuple[str, ...] = field(default=())

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)


def _parse_day(text: str, end: bool) -> date:
    text = text.strip()
    try:
        german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if german:
            return date(int(german[3]), int(german[2]), int(german[1]))
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1]
            return date(parts[0], parts[1], last if end else 1)
        if len(parts) == 3:
            return date(parts[0], parts[1], parts[2])
    except ValueError:
        pass
    raise QueryError(
        f"Datum {text!r} ist nicht lesbar: erlaubt sind 2024, 2024-03, 2024-03-05 oder "
        "05.03.2024, als Zeitraum etwa datum:2024-01..2024-06."
    )


def parse_date_range(text: str) -> DateRange:
    if ".." in text:
        left, _, right = text.partition("..")
        start = _parse_day(left, end=False) if left.strip() else None
        stop = _parse_day(right, end=True) if right.strip() else None
        if start is None and stop is None:
            raise QueryError("Der Zeitraum „..“ braucht mindestens einen Anfang oder ein Ende.")
    else:
        start, stop = _parse_day(text, end=False), _parse_day(text, end=True)
    if start and stop and start > stop:
        raise QueryError(f"Im Zeitraum {text!r} liegt der Anfang nach dem Ende.")
    return DateRange(start, stop)


class _Scanner:
    """Splits the raw query into (negated, text, quoted) pieces."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def pieces(self) -> list[tuple[bool, str, bool]]:
        result: list[tuple[bool, str, bool]] = []
        while True:
            while self.pos < len(self.text) and self.text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(self.text):
                return result
            result.append(self._piece())

    def _piece(self) -> tuple[bool, str, bool]:
        negated = self.text[self.pos] == "-"
        if negated:
            self.pos += 1
            if self.pos >= len(self.text) or self.text[self.pos].isspace():
                raise QueryError(
                    "Ein einzelnes „-“ schließt nichts aus: schreiben Sie es direkt vor das "
                    "Wort, etwa -Turnhalle."
                )
        start = self.pos
        quoted = False
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            if self.text[self.pos] == '"':
                quoted = True
                close = self.text.find('"', self.pos + 1)
                if close < 0:
                    raise QueryError(
                        "Ein Anführungszeichen ist nicht geschlossen: bitte das schließende "
                        '„"“ ergänzen oder das öffnende entfernen.'
                    )
                self.pos = close + 1
            else:
                self.pos += 1
        return negated, self.text[start : self.pos], quoted


def _word_clause(raw: str, negated: bool, field_name: str | None) -> Clause | None:
    """A word (``None`` for bare punctuation such as ``–`` or ``§``, which is ignored)."""
    prefix = raw.endswith("*")
    body = raw.rstrip("*") if prefix else raw
    if not _WORD_CHAR.search(body):
        if "*" in raw:
            raise QueryError(
                "„*“ allein sucht nichts: bitte mindestens zwei Buchstaben davor setzen, etwa Bau*."
            )
        return None
    if body.lstrip("(„[").startswith("*"):
        raise QueryError(
            f"In {raw!r} steht „*“ am Wortanfang; gesucht werden kann nur nach Wortanfängen, "
            "etwa Bau*."
        )
    # A star inside a word (Bürger*innen) separates two words, as in the text itself.
    if prefix and len(re.sub(r"\W", "", body.split("*")[-1])) < 2:
        raise QueryError(f"Die Vorsilbe in {raw!r} ist zu kurz: bitte mindestens zwei Zeichen.")
    return Clause(text=body, prefix=prefix, negated=negated, field=field_name)


def _clause(text: str, quoted: bool, negated: bool, field_name: str | None) -> Clause | None:
    if quoted:
        first, last = text.find('"'), text.rfind('"')
        outside = text[:first] + text[last + 1 :]
        if first == last or _WORD_CHAR.search(outside):
            raise QueryError(
                f"In {text!r} stehen Anführungszeichen mitten im Wort; bitte eine ganze Wortgruppe "
                'in "…" setzen.'
            )
        inner = text[first + 1 : last].strip()
        if not _WORD_CHAR.search(inner):
            raise QueryError("Die Wortgruppe in Anführungszeichen ist leer.")
        return Clause(text=inner, phrase=True, negated=negated, field=field_name)
    return _word_clause(text, negated, field_name)


def parse_query(text: str, max_length: int = 500) -> ParsedQuery:
    """Parse a user's query; raise ``QueryError`` with a German message when it is malformed."""
    if len(text) > max_length:
        raise QueryError(
            f"Die Suchanfrage ist {len(text)} Zeichen lang; erlaubt sind höchstens {max_length}."
        )
    text = text.replace("\u201e", '"').replace("\u201c", '"').replace("\u201d", '"')
    clauses: list[Clause] = []
    filters: dict[str, str] = {}
    for negated, piece, quoted in _Scanner(text).pieces():
        match = _FIELD.match(piece)
        name = match[1].lower() if match else ""
        if match and (name in TEXT_FIELDS or name in FILTER_FIELDS):
            value = match[2]
            if not value.strip('"').strip():
                raise QueryError(f"Nach „{match[1]}:“ fehlt der Wert, etwa {match[1]}:Schule.")
            if name in TEXT_FIELDS:
                clause = _clause(value, '"' in value, negated, TEXT_FIELDS[name])
                if clause is None:
                    raise QueryError(f"Nach „{match[1]}:“ fehlt ein Wort, etwa {match[1]}:Schule.")
                clauses.append(clause)
                continue
            if negated:
                raise QueryError(f"Der Filter „{match[1]}:“ lässt sich nicht mit „-“ ausschließen.")
            key = FILTER_FIELDS[name]
            if key in filters:
                raise QueryError(f"Der Filter „{match[1]}:“ steht mehrfach in der Anfrage.")
            filters[key] = value.strip('"').strip()
            continue
        clause = _clause(piece, quoted, negated, None)
        if clause is not None:
            clauses.append(clause)
    if not clauses and not filters:
        raise QueryError("Bitte einen Suchbegriff eingeben.")
    if clauses and all(c.negated for c in clauses) and not filters:
        raise QueryError(
            "Die Anfrage schließt nur aus: bitte mindestens einen Begriff angeben, der vorkommen "
            "soll."
        )
    return ParsedQuery(
        clauses=tuple(clauses),
        reference=filters.get("reference"),
        doc_type=filters.get("type", "").lower() or None,
        unit=filters.get("unit"),
        dates=parse_date_range(filters["date"]) if "date" in filters else None,
        filters_used=tuple(sorted(filters)),
    )
