"""The query language: what users type and what they get told when it is malformed."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eakte.core.query import Clause, DateRange, parse_query
from eakte.errors import QueryError


def test_words_phrases_prefix_exclusion_and_fields() -> None:
    q = parse_query('Bauantrag "neue Schule" Schul* -Turnhalle -"alte Halle" betreff:Garage')
    assert q.clauses == (
        Clause("Bauantrag"),
        Clause("neue Schule", phrase=True),
        Clause("Schul", prefix=True),
        Clause("Turnhalle", negated=True),
        Clause("alte Halle", phrase=True, negated=True),
        Clause("Garage", field="subject"),
    )


def test_filters() -> None:
    q = parse_query("az:63.1.2-0042 typ:PDF datum:2024-01..2024-06 einheit:BAU Antrag")
    assert q.reference == "63.1.2-0042"
    assert q.doc_type == "pdf"
    assert q.unit == "BAU"
    assert q.dates == DateRange(date(2024, 1, 1), date(2024, 6, 30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", DateRange(date(2024, 1, 1), date(2024, 12, 31))),
        ("2024-02", DateRange(date(2024, 2, 1), date(2024, 2, 29))),
        ("05.03.2024", DateRange(date(2024, 3, 5), date(2024, 3, 5))),
        ("..2024-06", DateRange(None, date(2024, 6, 30))),
        ("2024-01..", DateRange(date(2024, 1, 1), None)),
    ],
)
def test_date_forms(text: str, expected: DateRange) -> None:
    assert parse_query(f"datum:{text}").dates == expected


def test_pasted_titles_with_punctuation_are_searchable() -> None:
    q = parse_query('Sanierung – Turnhalle § 3 / "Altstadt Durlach", (Bürger*innen) & mehr')
    assert [c.text for c in q.clauses] == [
        "Sanierung",
        "Turnhalle",
        "3",
        "Altstadt Durlach",
        "(Bürger*innen)",
        "mehr",
    ]
    assert q.clauses[3].phrase


def test_german_quotation_marks_count_as_quotes() -> None:
    assert parse_query("„neue Schule“").clauses == (Clause("neue Schule", phrase=True),)


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ('"neue Schule', "nicht geschlossen"),
        ("*", "allein"),
        ("Bau -", "einzelnes"),
        ("-Turnhalle", "nur aus"),
        ("", "Suchbegriff"),
        ("   ", "Suchbegriff"),
        ("B*", "zu kurz"),
        ("*bau", "Wortanfang"),
        ('Schule"n"', "mitten im Wort"),
        ("datum:2024-13", "nicht lesbar"),
        ("datum:2024-06..2024-01", "Anfang nach dem Ende"),
        ("datum:..", "Anfang oder ein Ende"),
        ("typ:", "fehlt der Wert"),
        ("typ:pdf typ:odt", "mehrfach"),
        ("-typ:pdf Antrag", "ausschließen"),
        ("!!! ???", "Suchbegriff"),
        ("betreff:–", "fehlt ein Wort"),
        ('""', "leer"),
        ("x" * 501, "höchstens 500"),
    ],
)
def test_malformed_queries_get_a_clear_message(text: str, message_part: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert message_part in info.value.message


@given(st.text(max_size=200))
def test_any_input_parses_or_raises_query_error(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as exc:
        assert exc.message
