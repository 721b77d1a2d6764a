"""Audit events read as one German sentence each."""

from eakte.audit.history import csv_cell
from eakte.audit.wording import sentence


def test_filing_names_the_file_version_and_size() -> None:
    details = {"filename": "Bescheid.pdf", "title": "Bescheid", "size": 12 * 1024}
    assert (
        sentence("document.file", details) == "Dokument »Bescheid.pdf« abgelegt (Version 1, 12 KB)"
    )
    attachment = {"filename": "Statik.pdf", "size": 900, "attachment_of": 7}
    assert (
        sentence("document.file", attachment)
        == "Anhang »Statik.pdf« abgelegt (Version 1, 900 Bytes)"
    )


def test_grants_reopening_and_deputies() -> None:
    grant = {"reference": "63.1.2-0001/2026", "unit": "JA", "user": None, "access": "read"}
    assert sentence("dossier.grant", grant) == "Freigabe für Einheit JA erteilt (lesen)"
    person = {"unit": None, "user": "m.wagner", "access": "write", "note": "Vertretung"}
    assert (
        sentence("dossier.revoke", person, names={"m.wagner": "Maria Wagner"})
        == "Freigabe für Person Maria Wagner entzogen (lesen und ablegen) – Vermerk: Vertretung"
    )
    reopened = {"reference": "63.1.2-0001/2026-001", "reason": "Nachtrag  zum\nBescheid"}
    assert (
        sentence("case.reopen", reopened) == "Vorgang wiedereröffnet – Grund: Nachtrag zum Bescheid"
    )
    acted = {"kind": "cosign", "outcome": "approved", "acted_for": "m.wagner"}
    assert (
        sentence("routing.act", acted, names={"m.wagner": "Maria Wagner"})
        == "Laufzettel, Mitzeichnung: mitgezeichnet (i.V. für Maria Wagner)"
    )


def test_other_events() -> None:
    assert sentence("unit.create", {"name": "Bauamt", "parent": "D2"}, "BAU") == (
        "Organisationseinheit BAU angelegt (Bauamt, unter D2)"
    )
    assert sentence("policy.set", {"from": "on", "to": "off"}, "superior_units_read") == (
        "Regel für Leserechte »Übergeordnete Einheiten lesen mit« ausgeschaltet"
    )
    assert sentence("document.download", {"version": 2, "filename": "a.txt"}) == (
        "Inhalt von »a.txt« abgerufen (Version 2)"
    )
    assert (
        sentence("login.failed", {"failed_logins": 3})
        == "Anmeldung fehlgeschlagen (3. Fehlversuch)"
    )
    assert sentence("dossier.create", {"reference": "51-0001/2026", "subject": "Hilfe"}) == (
        "Akte angelegt: 51-0001/2026 »Hilfe«"
    )


def test_unknown_actions_and_odd_details_fall_back() -> None:
    assert sentence("something.new", {}) == "something.new"
    assert sentence("user.absence", {"from": "2026-12-01", "note": "Urlaub"}) == (
        "Abwesenheit eingetragen – Vermerk: Urlaub"
    )
    assert (
        sentence("document.file", {"size": "groß", "filename": None})
        == "Dokument »« abgelegt (Version 1)"
    )
    assert sentence("dossier.grant", {"access": ["x"]}) == "Freigabe erteilt"
    assert sentence("case.reopen", {"reason": "x" * 400}).endswith("x…")


def test_csv_cells_never_start_a_formula() -> None:
    for dangerous in ("=1+2", "+49 30", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("Maria Wagner (bau)") == "Maria Wagner (bau)" and csv_cell(None) == ""
