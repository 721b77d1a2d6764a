"""The Geschäftsgang in the browser's forms and through the API."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.records.common import today
from tests.helpers import County
from tests.web.conftest import csrf_of, login


def _switch(client: TestClient, csrf: str, user: str) -> str:
    client.post("/logout", data={"csrf": csrf})
    return login(client, user)


def test_draft_cosigned_signed_and_closed_through_the_pages(
    client: TestClient, county: County
) -> None:
    case_url = f"/vorgaenge/{county.bau_case.uuid}"
    csrf = login(client, "bau")
    page = client.get(case_url).text
    assert "Noch kein Laufzettel" in page and 'name="an_1"' in page
    sent = client.post(
        f"{case_url}/laufzettel",
        data={
            "csrf": csrf,
            "betreff": "Bescheidentwurf Garage",
            "art_1": "cosign",
            "an_1": "ja",
            "art_2": "sign",
            "an_2": "dez",
            "abschliessen": "1",
        },
    )
    assert sent.status_code == 303
    assert "Laufzettel mit 2 Schritt(en) versandt" in client.get(sent.headers["location"]).text

    csrf = _switch(client, csrf, "ja")
    desk = client.get("/").text
    assert "Bescheidentwurf Garage" in desk and "Mitzeichnung" in desk
    page = client.get(case_url).text
    assert 'value="approved_with_remarks"' in page
    without = client.post(
        "/laufzettel/schritte/1",
        data={"csrf": csrf, "ergebnis": "approved_with_remarks", "version": "1"},
    )
    assert without.status_code == 400 and "Anmerkung" in without.text
    done = client.post(
        "/laufzettel/schritte/1",
        data={
            "csrf": csrf,
            "ergebnis": "approved_with_remarks",
            "version": "1",
            "anmerkung": "Frist auf vier Wochen",
        },
    )
    # The step was the Jugendamt's only reason to read the case: back to the desk.
    assert done.status_code == 303 and done.headers["location"].startswith("/?hinweis=")
    assert client.get(case_url).status_code == 404

    csrf = _switch(client, csrf, "dez")
    page = client.get(case_url).text
    assert "Frist auf vier Wochen" in page and 'value="signed"' in page
    signed = client.post(
        "/laufzettel/schritte/2", data={"csrf": csrf, "ergebnis": "signed", "version": "2"}
    )
    assert signed.status_code == 303
    page = client.get(signed.headers["location"]).text
    assert "Laufzettel abgeschlossen" in page and "abgeschlossen (z.d.A.)" in page
    assert "Vorgang abschließen (z.d.A.)" not in page  # closed: no more changes offered
    assert "mitgezeichnet mit Anmerkungen" in page


def test_stale_form_gets_a_clear_conflict(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    client.post(
        f"/vorgaenge/{county.bau_case.uuid}/laufzettel",
        data={"csrf": csrf, "art_1": "acknowledge", "an_1": "Postkorb JA"},
    )
    csrf = _switch(client, csrf, "ja")
    assert "Postkorb JA" in client.get("/").text
    first = client.post(
        "/laufzettel/schritte/1", data={"csrf": csrf, "ergebnis": "acknowledged", "version": "1"}
    )
    assert first.status_code == 303
    csrf = _switch(client, csrf, "ja2")
    late = client.post(
        "/laufzettel/schritte/1", data={"csrf": csrf, "ergebnis": "acknowledged", "version": "1"}
    )
    assert late.status_code == 409
    assert "inzwischen von ja erledigt" in late.text and "nicht gespeichert" in late.text


def test_deputy_page_and_working_as_iv(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    client.post(
        f"/vorgaenge/{county.bau_case.uuid}/laufzettel",
        data={"csrf": csrf, "art_1": "sign", "an_1": "dez"},
    )
    csrf = _switch(client, csrf, "dez")
    page = client.get("/vertretung").text
    assert "Keine Abwesenheit eingetragen" in page
    client.post("/vertretung", data={"csrf": csrf, "vertretung": ["bau1"]})
    start, end = today(), today() + timedelta(days=3)
    bad = client.post(
        "/vertretung/abwesenheiten",
        data={"csrf": csrf, "von": end.isoformat(), "bis": start.isoformat()},
    )
    assert bad.status_code == 400 and "vor ihrem Beginn" in bad.text
    not_a_day = client.post(
        "/vertretung/abwesenheiten", data={"csrf": csrf, "von": "morgen", "bis": "übermorgen"}
    )
    assert not_a_day.status_code == 400 and "kein Datum" in not_a_day.text
    client.post(  # the German way of writing a day is understood too
        "/vertretung/abwesenheiten",
        data={
            "csrf": csrf,
            "von": f"{start:%d.%m.%Y}",
            "bis": f"{end:%d.%m.%Y}",
            "anlass": "Urlaub",
        },
    )
    assert "Urlaub" in client.get("/vertretung").text
    csrf = _switch(client, csrf, "bau1")
    assert "i.V. für dez" in client.get("/").text
    assert "i.V. für dez" in client.get("/vertretung").text
    signed = client.post(
        "/laufzettel/schritte/1", data={"csrf": csrf, "ergebnis": "signed", "version": "1"}
    )
    assert signed.status_code == 303
    _switch(client, csrf, "bau")
    page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert "gezeichnet von bau1 i.V. für dez" in page


@pytest.fixture
def tokens(db: Database, county: County) -> dict[str, dict[str, str]]:
    with db.write() as c:
        return {
            name: {"Authorization": f"Bearer {auth.create_token(c, name, 'Test', 't')}"}
            for name in ("bau", "ja", "ja2", "dez")
        }


def test_api_routing_round_trip(client: TestClient, tokens: Any, county: County) -> None:
    url = f"/api/v1/cases/{county.bau_case.uuid}/routing-slips"
    body = {"subject": "Entwurf", "steps": [{"kind": "cosign", "unit": "JA"}], "close_case": False}
    assert client.post(url, headers=tokens["ja"], json=body).status_code == 404
    created = client.post(url, headers=tokens["bau"], json=body)
    assert created.status_code == 201, created.text
    slip = created.json()
    step = slip["steps"][0]
    assert step["state"] == "open" and step["unit"] == "JA"
    work = client.get("/api/v1/routing-steps", headers=tokens["ja2"]).json()
    assert [w["step_id"] for w in work] == [step["id"]]
    assert client.get(url, headers=tokens["ja"]).status_code == 200  # reads during the step
    act = {"outcome": "approved", "row_version": step["row_version"]}
    wrong = client.post(f"/api/v1/routing-steps/{step['id']}", headers=tokens["dez"], json=act)
    assert wrong.status_code == 403
    ok = client.post(f"/api/v1/routing-steps/{step['id']}", headers=tokens["ja"], json=act)
    assert ok.status_code == 200 and ok.json()["state"] == "completed"
    late = client.post(f"/api/v1/routing-steps/{step['id']}", headers=tokens["ja2"], json=act)
    assert late.status_code == 409 and "von ja erledigt" in late.json()["detail"]
    assert client.get(url, headers=tokens["ja"]).status_code == 404  # the step is over
    bad = client.post(url, headers=tokens["bau"], json={"steps": [{"kind": "lesen", "user": "ja"}]})
    assert bad.status_code == 400 and "Schrittart" in bad.json()["detail"]
    cancel_me = client.post(url, headers=tokens["bau"], json=body).json()
    cancelled = client.post(
        f"/api/v1/routing-slips/{cancel_me['id']}/cancel",
        headers=tokens["bau"],
        json={"row_version": cancel_me["row_version"]},
    )
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


def test_start_form_needs_a_step_and_csrf(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    url = f"/vorgaenge/{county.bau_case.uuid}/laufzettel"
    assert client.post(url, data={"csrf": "x", "an_1": "ja"}).status_code == 403
    empty = client.post(url, data={"csrf": csrf})
    assert empty.status_code == 400 and "mindestens einen Schritt" in empty.text
    unknown = client.post(url, data={"csrf": csrf, "an_1": "niemand"})
    assert unknown.status_code == 404 and "niemand" in unknown.text
    assert csrf_of(client.get(f"/vorgaenge/{county.bau_case.uuid}").text) == csrf
