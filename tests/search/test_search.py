"""German full-text search as users see it, on both backends."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from eakte.db.engine import Database
from eakte.errors import NotFoundError, QueryError
from eakte.ingest.filing import Filer
from eakte.records.organisation import get_user
from eakte.search import SearchResult, search
from tests.helpers import County, file_text, make_county


@pytest.fixture
def county(db: Database, rules: Any, filer: Filer) -> County:
    county = make_county(db, rules)
    bau = county.bau_case
    file_text(
        db,
        filer,
        bau,
        "Bebauungsplan.txt",
        "Der Bebauungsplan Ortsmitte Nord wurde vom Kreistag beschlossen.",
    )
    file_text(db, filer, bau, "Strasse.txt", "Die Straße am Mühlbach wird für den Bau gesperrt.")
    file_text(db, filer, bau, "Schule.txt", "Der Neubau der neuen Schule beginnt im Mai.")
    file_text(db, filer, bau, "Turnhalle.txt", "Die Turnhalle der Schule wird saniert.")
    file_text(
        db, filer, bau, "Anträge.txt", "Zwei Bauanträge liegen vor; beide Anträge sind vollständig."
    )
    file_text(
        db,
        filer,
        county.ja_case,
        "Hilfeplan.txt",
        "Hilfeplan für das Kind; die Schule meldet Fehlzeiten.",
    )
    return county


def run(db: Database, login: str, query: str, **kwargs: Any) -> SearchResult:
    with db.read() as c:
        return search(c, get_user(c, login), query, **kwargs)


def titles(result: SearchResult) -> set[str]:
    return {hit.title for hit in result.hits}


def test_stemming_finds_inflected_forms(db: Database, county: County) -> None:
    assert titles(run(db, "bau", "Bebauungspläne")) == {"Bebauungsplan"}
    assert titles(run(db, "bau", "Antrag")) == {"Anträge"}
    assert titles(run(db, "bau", "Schulen")) == {"Schule", "Turnhalle"}


def test_umlaut_and_sharp_s_folding(db: Database, county: County) -> None:
    assert titles(run(db, "bau", "Strasse")) == {"Strasse"}
    assert titles(run(db, "bau", "Muehlbach")) == {"Strasse"}
    assert titles(run(db, "bau", "STRASSE")) == {"Strasse"}


def test_phrase_prefix_exclusion(db: Database, county: County) -> None:
    assert titles(run(db, "bau", '"neuen Schule"')) == {"Schule"}
    assert titles(run(db, "bau", '"Schule neuen"')) == set()
    assert titles(run(db, "bau", "Bebauungs*")) == {"Bebauungsplan"}
    assert titles(run(db, "bau", "Schule -Turnhalle")) == {"Schule"}
    assert titles(run(db, "bau", 'Schule -"Turnhalle der"')) == {"Schule"}


def test_fields_and_filters(db: Database, county: County) -> None:
    assert titles(run(db, "bau", "titel:Schule")) == {"Schule"}
    assert len(run(db, "bau", "betreff:Bauantrag").hits) == 5
    assert run(db, "bau", "typ:text").total == 5
    assert run(db, "bau", "typ:pdf").total == 0
    ref = county.bau_case.reference
    assert run(db, "bau", f"az:{ref} Schule").total == 2
    assert run(db, "bau", "az:51.2.1 Schule").total == 0
    today = date.today()
    assert run(db, "bau", f"datum:{today.year} Schule").total == 2
    assert run(db, "bau", "datum:..1999 Schule").total == 0
    assert run(db, "dez", "einheit:BAU Schule").total == 2
    with pytest.raises(NotFoundError):
        run(db, "dez", "einheit:NIRGENDS Schule")
    with pytest.raises(QueryError):
        run(db, "bau", "typ:tabelle")


def test_reference_typed_as_words_matches(db: Database, county: County) -> None:
    result = run(db, "bau", county.bau_case.reference)
    assert result.total == 5


def test_ranking_prefers_title_and_repeated_terms(db: Database, county: County) -> None:
    hits = run(db, "bau", "Schule").hits
    assert hits[0].title == "Schule"
    assert hits[0].score >= hits[1].score


def test_snippets_highlight_matches_and_escape_html(
    db: Database, county: County, filer: Filer
) -> None:
    file_text(db, filer, county.bau_case, "html.txt", "<script>alert('x')</script> Bauvorhaben")
    hit = run(db, "bau", "Bebauungspläne").hits[0]
    assert "<mark>Bebauungsplan</mark>" in hit.snippet
    hit = run(db, "bau", "Bauvorhaben").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_other_department_sees_nothing(db: Database, county: County) -> None:
    # The Jugendamt's document mentions "Schule" too; the Bauamt never sees it, not even in
    # the total count.
    assert run(db, "bau", "Schule").total == 2
    assert run(db, "bau", "Hilfeplan").total == 0
    assert run(db, "bau", "Hilfeplan").hits == []
    ja = run(db, "ja", "Schule")
    assert ja.total == 1
    assert titles(ja) == {"Hilfeplan"}
    # A unit above sees what is below it: Dezernat II reads the Bauamt, not the Jugendamt.
    assert run(db, "dez", "Schule").total == 2
    # A unit below does not read its parent's dossiers.
    assert run(db, "bau1", "Schule").total == 0


def test_pagination_keeps_total(db: Database, county: County) -> None:
    first = run(db, "bau", "typ:text", limit=2)
    second = run(db, "bau", "typ:text", limit=2, offset=2)
    beyond = run(db, "bau", "typ:text", limit=2, offset=10)
    assert first.total == second.total == beyond.total == 5
    assert not titles(first) & titles(second)
    assert beyond.hits == []
    with pytest.raises(QueryError):
        run(db, "bau", "Schule", limit=0)


def test_stopwords_do_not_block_and_phrases_keep_them(db: Database, county: County) -> None:
    assert titles(run(db, "bau", "die Turnhalle")) == {"Turnhalle"}
    assert titles(run(db, "bau", '"der Schule"')) == {"Turnhalle"}
    assert run(db, "bau", "der").total >= 1  # only stop words: searched as typed


@pytest.mark.parametrize(
    "query", ['"unbalanced', "*", "-Schule", "x" * 600, 'AND OR NOT "', "Schule -", "NEAR(a b)"]
)
def test_malformed_queries_never_crash(db: Database, county: County, query: str) -> None:
    try:
        result = run(db, "bau", query)
    except QueryError as exc:
        assert exc.message
    else:
        assert result.total >= 0


def test_fts_operators_in_user_input_are_plain_words(db: Database, county: County) -> None:
    assert run(db, "bau", "Schule AND Turnhalle").total == 0  # "and" is a word, not an operator
    assert run(db, "bau", "Turnhalle OR").total == 0


def test_index_changes_in_the_same_transaction(db: Database, county: County, filer: Filer) -> None:
    prepared = filer.prepare_bytes(b"Windkraftanlage Genehmigung", "wind.txt")
    with pytest.raises(RuntimeError), db.write() as c:
        from eakte.records.dossiers import get_dossier_by_id

        filer.commit(
            c, county.bau_case, get_dossier_by_id(c, county.bau_case.dossier_id), prepared, "t"
        )
        raise RuntimeError("crash before commit")
    assert run(db, "bau", "Windkraftanlage").total == 0
    with db.read() as c:
        count = c.execute(text("SELECT count(*) FROM documents")).scalar_one()
    assert count == 6


def test_large_result_sets_keep_an_exact_total(
    db: Database, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eakte.db.search_backends import PostgresSearch, SqliteSearch

    monkeypatch.setattr(SqliteSearch, "RANK_CAP", 2)
    monkeypatch.setattr(PostgresSearch, "RANK_CAP", 2)
    result = run(db, "bau", "betreff:Bauantrag", limit=10)
    assert result.total == 5
    # Both backends rank only the newest RANK_CAP readable matches; the total stays exact.
    assert len(result.hits) == 2
    assert run(db, "bau", "betreff:Bauantrag", limit=1, offset=3).total == 5
    # With facets, the total past the cap is their sum: the same five, the same counts.
    faceted = run(db, "bau", "betreff:Bauantrag", limit=10, facets=True)
    assert faceted.total == 5 and len(faceted.hits) == 2
    assert faceted.facets == {"type": [("text", 5)], "unit": [("BAU", 5)]}
    # Another unit's reader gets neither hits nor counts of them, capped or not.
    assert run(db, "ja", "betreff:Bauantrag", facets=True).total == 0


def test_permission_tokens_are_not_searchable(db: Database, county: County) -> None:
    units = {str(unit) for unit in range(1, 10)}
    for unit in units:
        assert run(db, "bau", f"u{unit}").total == 0


def test_confidentiality_above_clearance_is_invisible(db: Database, county: County) -> None:
    # The Jugendamt's dossier is 003 (vertraulich): ja has clearance 003, ja2 only 002.
    assert run(db, "ja", "Hilfeplan").total == 1
    assert run(db, "ja2", "Hilfeplan").total == 0
    assert run(db, "ja2", "typ:text").total == 0
    with db.read() as c:
        from eakte.records.lookup import describe

        with pytest.raises(NotFoundError):
            describe(c, county.ja_dossier.reference, get_user(c, "ja2"))


def test_facets_count_only_readable_matches(db: Database, county: County) -> None:
    with db.read() as c:
        result = search(c, get_user(c, "dez"), "Schule", facets=True)
        assert result.facets == {"type": [("text", 2)], "unit": [("BAU", 2)]}
        ja = search(c, get_user(c, "ja"), "Schule", facets=True)
        assert ja.facets == {"type": [("text", 1)], "unit": [("JA", 1)]}
        none = search(c, get_user(c, "bau1"), "Schule", facets=True)
        assert none.total == 0 and none.facets == {}
        filtered = search(c, get_user(c, "bau"), "typ:text", facets=True)
        assert filtered.facets["type"] == [("text", 5)]
