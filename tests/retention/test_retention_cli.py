"""``eakte retention`` and ``eakte disposal``: the registry's way from the due list to a
destroyed dossier with its record, on the command line."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.records import dossiers
from tests.helpers import County, file_text, make_county


@pytest.fixture
def county(db: Database, rules: Any, filer: Filer, run: Any) -> County:
    county = make_county(db, rules)
    file_text(db, filer, county.bau_case, "Bescheid.txt", "Die Baugenehmigung wird erteilt.")
    when = datetime(1990, 6, 1, tzinfo=UTC)
    with db.write() as c:
        dossiers.close_case(c, county.bau_case.reference, "test", closed_at=when)
        dossiers.close_dossier(c, county.bau_dossier.reference, "test", closed_at=when)
    return county


def test_due_override_hold_and_release(county: County, run: Any) -> None:
    ref = county.bau_dossier.reference
    due = run("retention", "due", "--json")
    assert due.code == 0 and [d["reference"] for d in due.json["due"]] == [ref]
    assert due.json["due"][0]["due_on"] == "2021-01-01"
    assert run("retention", "due", "--as-of", "31.12.2020", "--json").json["due"] == []
    text = run("retention", "due").out
    assert "1 Akte(n) aussonderungsreif" in text and ref in text
    missing = run(
        "retention", "override", ref, "--years", "50", "--disposition", "A", "--reason", " "
    )
    assert missing.code == 1 and "braucht eine Begründung" in missing.err
    usage = run("retention", "override", ref, "--years", "50", "--reason", "x")
    assert usage.code == 1 and "--clear" in usage.err
    longer = run(
        "retention",
        "override",
        ref,
        "--years",
        "50",
        "--disposition",
        "A",
        "--reason",
        "Baudenkmal",
        "--json",
    )
    assert longer.code == 0 and longer.json["due_on"] == "2041-01-01", longer.err
    assert longer.json["rule_source"] == "Abweichung für diese Akte"
    assert run("retention", "due", "--json").json["due"] == []
    cleared = run("retention", "override", ref, "--clear", "--reason", "Irrtum")
    assert cleared.code == 0 and "aussonderungsreif ab 01.01.2021" in cleared.out
    held = run("retention", "hold", ref, "--reason", "Klage VG 3 K 12/26")
    assert held.code == 0 and "Sperre 1 für Akte" in held.out
    assert run("retention", "due", "--json").json["due"] == []
    shown = run("retention", "show", ref)
    assert "gesperrt (Aufbewahrungssperre)" in shown.out and "Klage VG 3 K 12/26" in shown.out
    assert run("retention", "release", ref, "--reason", "erledigt").code == 0
    assert len(run("retention", "due", "--json").json["due"]) == 1


def test_disposal_run_from_offer_to_destruction(county: County, run: Any, tmp_path: Path) -> None:
    ref = county.bau_dossier.reference
    created = run("disposal", "create", ref, "--note", "Aussonderung 2026", "--json")
    assert created.code == 0, created.err
    run_id = str(created.json["id"])
    assert created.json["state"] == "selected"
    again = run("disposal", "create", ref)
    assert again.code == 1 and f"schon im Aussonderungslauf {run_id}" in again.err
    offer_file = tmp_path / "angebot.csv"
    offered = run("disposal", "offer", run_id, "--csv", str(offer_file))
    assert offered.code == 0 and "angeboten: 1 Akte(n)" in offered.out
    assert offer_file.read_text("utf-8-sig").startswith("Aktenzeichen;Betreff;")
    assert ref in offer_file.read_text("utf-8-sig")
    as_json = run("disposal", "offer", run_id, "--json")  # again: only the list
    assert as_json.code == 0 and as_json.json["dossiers"][0]["reference"] == ref
    refused = run("disposal", "complete", run_id)
    assert refused.code == 1 and "Bewertung des Archivs fehlt" in refused.err
    appraised = run("disposal", "appraise", run_id, ref, "destroy")
    assert appraised.code == 0 and "wird vernichtet" in appraised.out
    done = run("disposal", "complete", run_id, "--json")
    assert done.code == 0, done.err
    assert done.json["destroyed"] == [ref] and done.json["blobs_removed"] == 1
    twice = run("disposal", "complete", run_id)
    assert twice.code == 1 and "abgeschlossen" in twice.err
    assert run("retention", "show", ref, "--json").json["status"] == "destroyed"
    assert run("disposal", "list", "--json").json[0]["state"] == "completed"
    assert "vernichtet" in run("disposal", "show", run_id).out
    checked = run("check", "--json")
    assert checked.code == 0 and checked.json["ok"] and checked.json["orphans"] == []
    assert run("audit", "verify", "--json").json["ok"]
    shown = run("show", county.bau_case.reference, "--json").json
    assert {d["state"] for d in shown["documents"]} == {"destroyed"}
