from typing import Any

from eakte.records.organisation import get_user
from eakte.search import search


def test_demo_county_is_complete_and_searchable(run: Any) -> None:
    assert run("init").code == 0
    result = run("demo", "--json")
    assert result.code == 0, result.err
    counts = result.json
    assert counts["units"] >= 10 and counts["users"] >= 8
    assert counts["dossiers"] >= 12 and counts["documents"] >= 35
    plan = run("plan", "list", "--json").json
    assert any(p["code"] == "63.1.2" and p["retention_years"] == 30 for p in plan)
    hits = run("search", "Bauanträge", "--as", "m.wagner", "--json").json
    assert hits["total"] >= 3
    assert all(h["reference"].startswith("63.") for h in hits["hits"])
    assert run("search", "Hilfeplanung", "--as", "m.wagner", "--json").json["total"] == 0
    assert run("search", "Hilfeplanung", "--as", "t.yilmaz", "--json").json["total"] >= 1
    waiting = run("search", "typ:bild", "--as", "s.keller", "--json").json
    assert waiting["total"] == 1 and waiting["hits"][0]["state"] == "awaiting_ocr"
    mails = run("search", "typ:email", "--as", "m.wagner", "--json").json
    assert mails["total"] >= 1
    assert run("check", "--json").json["ok"]
    assert run("audit", "verify", "--json").json["ok"]
    due = run("retention", "due", "--json").json["due"]  # something for the registry to offer
    assert {d["plan_item"] for d in due} >= {"32.1.2", "10.1.1"}
    assert counts["routing_slips"] == 1 and counts["grants"] == 1 and counts["assigned"] >= 5

    again = run("demo")
    assert again.code == 1 and "leeren Datenordner" in again.err


def test_demo_user_search_through_the_api(db: Any, run: Any) -> None:
    run("init")
    run("demo")
    with db.read() as c:
        result = search(c, get_user(c, "d.fischer"), "Sondernutzung")
    assert result.total >= 1  # the Dezernat reads the Ordnungsamt below it


def test_demo_desks_have_work(db: Any, run: Any) -> None:
    run("init")
    run("demo")
    from eakte.records import listing
    from eakte.resubmissions.service import due_for
    from eakte.routing.service import work_for

    with db.read() as c:
        wagner, keller = get_user(c, "m.wagner"), get_user(c, "s.keller")
        assert listing.open_cases(c, wagner, mine=True)
        assert [r.note for r in due_for(c, wagner)] == ["Nachforderung Statik: Frist läuft ab"]
        assert [w.step.kind for w in work_for(c, keller)] == ["cosign"]
        assert work_for(c, get_user(c, "d.fischer")) == []  # signs after the co-signing
        assert search(c, wagner, "einheit:OA").total >= 1  # shared with the Bauamt
