from eakte.search.snippets import highlight


def test_match_deep_inside_a_long_document() -> None:
    text = "Einleitung ohne Bezug. " * 5000 + "Hier beginnt die Straßenbahn am Marktplatz."
    snippet = highlight(text, {"strassenbahn"}, ())
    assert snippet.startswith("… ")
    assert "<mark>Straßenbahn</mark> am Marktplatz" in snippet


def test_window_covers_most_distinct_terms() -> None:
    text = "Antrag " + "Füllwort " * 100 + "Schule und Antrag und Turnhalle " + "Ende " * 50
    snippet = highlight(text, {"antrag", "schul", "turnhall"}, ())
    assert "<mark>Schule</mark>" in snippet and "<mark>Turnhalle</mark>" in snippet


def test_prefix_and_umlaut_forms_are_marked() -> None:
    snippet = highlight("Die Bebauungspläne und der Bebauungsplan", set(), ("bebauungspl",))
    assert snippet.count("<mark>") == 2


def test_title_only_hit_shows_the_beginning() -> None:
    long_text = "Sachstand zum Vorhaben. " * 2000
    assert highlight(long_text, {"garage"}, ()).startswith("Sachstand zum Vorhaben")
    assert highlight("", {"garage"}, ()) == ""
