"""The retention card of the dossier page: the rule of the dossier's own plan item chain (each
part from the nearest ancestor that has it, never a sibling's), an override, holds (newest
first) and the disposal run the dossier is in."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.core.fileplan import parse_plan_csv
from eakte.db.engine import Database
from eakte.records import dossiers, fileplan
from eakte.retention import holds, overrides, runs
from tests.helpers import County
from tests.web.conftest import login

PLAN = """code,title,retention_years,disposition,lead_unit
64,Bauaufsicht,50,,BAU
64.2,Bauüberwachung,,A,BAU
64.2.1,Baukontrollen,,,BAU
64.2.9,Abbruchanzeigen,5,V,BAU
64.3,Sonstiges,,,BAU
"""
LONG_AGO = datetime(1990, 6, 1, 10, tzinfo=UTC)


@pytest.fixture
def plan(db: Database, county: County) -> County:
    """Beside the county's plan: 64 gives the period, 64.2 the disposition, 64.2.9 its own."""
    with db.write() as c:
        fileplan.import_plan(c, parse_plan_csv(PLAN), "test")
    return county


def _dossier(db: Database, rules: Any, plan_code: str, closed: bool = True) -> dossiers.Dossier:
    dossier_rule, case_rule = rules
    with db.write() as c:
        subject = f"Akte in {plan_code}"
        made = dossiers.create_dossier(c, dossier_rule, plan_code, subject, None, "t")
        case = dossiers.create_case(c, case_rule, made.reference, "Vorgang", "t")
        if closed:
            dossiers.close_case(c, case.reference, "t", closed_at=LONG_AGO)
            dossiers.close_dossier(c, made.reference, "t", closed_at=LONG_AGO)
    return made


def _card(client: TestClient, dossier: dossiers.Dossier) -> str:
    page = client.get(f"/akten/{dossier.uuid}")
    assert page.status_code == 200, page.text
    return page.text.split('id="retention-title"', 1)[1].split("</section>", 1)[0]


def _status(card: str) -> str:
    found = re.search(r'<span class="badge retention-[a-z_]+">([^<]+)</span>', card)
    assert found, "the card shows no status"
    return found.group(1)


def test_the_rule_comes_from_the_dossiers_own_plan_item_chain(
    client: TestClient, db: Database, rules: Any, plan: County
) -> None:
    inherited = _dossier(db, rules, "64.2.1")
    sibling = _dossier(db, rules, "64.2.9")
    without = _dossier(db, rules, "64.3")
    still_open = _dossier(db, rules, "64.2.1", closed=False)
    login(client, "bau")

    card = _card(client, inherited)
    assert "50 Jahre, A – archivieren" in card
    assert "(Aktenplan 64 (Frist), 64.2 (Aussonderungsart))" in card
    assert _status(card) == "Aufbewahrungsfrist läuft"
    assert "31.12.2040" in card and "01.01.2041" in card
    assert "5 Jahre" not in card and "vernichten" not in card

    card = _card(client, sibling)
    assert "5 Jahre, V – vernichten" in card and "(Aktenplan 64.2.9)" in card
    assert _status(card) == "aussonderungsreif"

    card = _card(client, without)
    assert "keine – der Aktenplan nennt weder Frist noch Aussonderungsart" in card
    assert _status(card) == "ohne Aufbewahrungsregel"

    card = _card(client, still_open)
    assert _status(card) == "offen – die Frist beginnt mit dem Abschluss"
    assert "50 Jahre nach Ablauf des Jahres, in dem die Akte abgeschlossen wird" in card

    # The county's own dossier keeps its plan item's rule beside the new ones.
    card = _card(client, plan.bau_dossier)
    assert "30 Jahre, B – bewerten" in card and "(Aktenplan 63.1.2)" in card


def test_override_holds_and_run_show_on_the_card(
    client: TestClient, db: Database, rules: Any, plan: County
) -> None:
    dossier = _dossier(db, rules, "64.2.1")
    login(client, "bau")
    with db.write() as c:
        overrides.set_override(c, dossier.uuid, 20, "V", "Keine Denkmaleigenschaft", "reg")
    card = _card(client, dossier)
    assert "20 Jahre, V – vernichten" in card and "(Abweichung für diese Akte)" in card
    assert "Keine Denkmaleigenschaft" in card and _status(card) == "aussonderungsreif"
    assert "50 Jahre" not in card

    with db.write() as c:
        holds.place_hold(c, dossier.uuid, "Prüfung durch das Rechnungsprüfungsamt", "reg")
    with db.write() as c:
        holds.lift_hold(c, dossier.uuid, "Prüfung beendet", "reg")
    with db.write() as c:
        holds.place_hold(c, dossier.uuid, "Klage VG 3 K 12/26", "reg")
    card = _card(client, dossier)
    assert _status(card) == "gesperrt (Aufbewahrungssperre)"
    # Both holds, the active one first; the override stays beside them.
    assert card.index("Klage VG 3 K 12/26") < card.index("Prüfung durch das Rechnungsprüfungsamt")
    assert card.count("<strong>aktiv</strong>") == 1 and "Prüfung beendet" in card
    assert "Keine Denkmaleigenschaft" in card and "20 Jahre, V – vernichten" in card

    with db.write() as c:
        holds.lift_hold(c, dossier.uuid, "Verfahren beendet", "reg")
    with db.write() as c:
        run = runs.create_run(c, [dossier.reference], "reg", "Aussonderung 2026")
    card = _card(client, dossier)
    assert _status(card) == "aussonderungsreif" and "<strong>aktiv</strong>" not in card
    assert f"Aussonderungslauf {run.id}" in card

    with db.write() as c:
        runs.cancel_run(c, run.id, "reg", run.row_version)
    assert "Aussonderungslauf" not in _card(client, dossier)
