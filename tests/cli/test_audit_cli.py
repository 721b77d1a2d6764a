"""``eakte audit``: verify names the broken event and exits 2; a kept head finds truncation."""

from typing import Any

from sqlalchemy import text

from eakte.audit import storage
from eakte.db.engine import Database
from eakte.settings import Settings


def _county(run: Any) -> None:
    assert run("init").code == 0
    assert run("unit", "add", "KV", "--name", "Kreisverwaltung").code == 0
    assert run("unit", "add", "BAU", "--name", "Bauamt", "--parent", "KV").code == 0
    assert run("user", "add", "m.wagner", "--name", "Maria Wagner", "--unit", "BAU").code == 0


def test_verify_names_a_reordered_event_and_exits_2(run: Any, settings: Settings) -> None:
    _county(run)
    assert run("audit", "verify").code == 0
    db = Database(settings)
    with db.write() as c:
        c.execute(text("UPDATE audit_log SET id = -1 WHERE id = 2"))
        c.execute(text("UPDATE audit_log SET id = 2 WHERE id = 3"))
        c.execute(text("UPDATE audit_log SET id = 3 WHERE id = -1"))
    db.dispose()
    result = run("audit", "verify", "--json")
    assert result.code == 2
    assert (result.json["broken_at"], result.json["kind"]) == (2, "reordered")
    plain = run("audit", "verify")
    assert plain.code == 2 and "Ereignis 2 steht an falscher Stelle" in plain.out


def test_kept_head_finds_events_removed_from_the_end(run: Any, settings: Settings) -> None:
    _county(run)
    kept = run("audit", "head").out.split()
    number = int(kept[0])
    assert run("audit", "verify", "--kept-head", *kept).code == 0
    db = Database(settings)
    with db.write() as c:
        c.execute(text("DELETE FROM audit_log WHERE id = :n"), {"n": number})
    db.dispose()
    assert run("audit", "verify").code == 0
    result = run("audit", "verify", "--kept-head", *kept, "--json")
    assert result.code == 2 and result.json["kind"] == "truncated"
    assert result.json["broken_at"] == number


def test_verify_reports_a_changed_view_and_exits_2(run: Any, settings: Settings) -> None:
    """The events are intact, but the view pages read them through shows another actor."""
    _county(run)
    db = Database(settings)
    select = storage.VIEW_SELECT[db.backend].replace(" AS actor,", " || '!' AS actor,", 1)
    with db.write() as c:
        c.execute(text("DROP VIEW audit_events"))
        c.execute(text(f"CREATE VIEW audit_events AS {select}"))
    db.dispose()
    result = run("audit", "verify", "--json")
    assert result.code == 2
    assert (result.json["ok"], result.json["kind"], result.json["broken_at"]) == (
        False,
        "view",
        None,
    )
    plain = run("audit", "verify")
    assert plain.code == 2 and "Sicht »audit_events«" in plain.out
