"""Resubmissions in the web application: the form on the case page (with CSRF), the desk's
»Fällige Wiedervorlagen« for the right people, stale buttons, the JSON API, e-mail addresses
on the administration page."""

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.db.schema import resubmissions
from eakte.records.common import today
from tests.helpers import County
from tests.web.conftest import login


def _due_section(page: str) -> str:
    start = page.index('id="due-title"')
    return page[start : page.index("</section>", start)]


def _add(client: TestClient, csrf: str, county: County, **form: str) -> Any:
    data = {"csrf": csrf, "datum": today().isoformat(), **form}
    return client.post(f"/vorgaenge/{county.bau_case.uuid}/wiedervorlagen", data=data)


def test_case_page_form_with_csrf_and_the_desk(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert 'id="resubmissions-title"' in page and "Keine Wiedervorlagen." in page
    assert _add(client, "gefälscht", county, notiz="x").status_code == 403
    created = _add(client, csrf, county, notiz="Statik prüfen", fuer="mich")
    assert created.status_code == 303
    assert created.headers["location"].startswith(f"/vorgaenge/{county.bau_case.uuid}?hinweis=")
    shown = client.get(created.headers["location"]).text
    assert "Wiedervorlage für Sie am" in shown and "Statik prüfen" in shown
    assert "heute fällig" in shown and "Erledigt" in shown
    desk = _due_section(client.get("/").text)
    assert county.bau_case.reference in desk and "Statik prüfen" in desk and "von bau" in desk
    assert "überfällig" not in desk


def test_desk_shows_due_ones_to_person_and_unit_only(
    client: TestClient, db: Database, county: County
) -> None:
    csrf = login(client, "bau")
    assert _add(client, csrf, county, notiz="Für Dirk", fuer="person", person="dez").is_redirect
    assert _add(client, csrf, county, notiz="Ins Amt", fuer="einheit", einheit="BAU").is_redirect
    later = (today() + timedelta(days=4)).isoformat()
    assert _add(client, csrf, county, notiz="Noch nicht", datum=later).is_redirect
    with db.write() as c:  # as if created a week ago for two days ago
        c.execute(
            resubmissions.update()
            .where(resubmissions.c.note == "Ins Amt")
            .values(due_on=today() - timedelta(days=2))
        )
    bau = _due_section(client.get("/").text)
    assert "Ins Amt" in bau and "Für Dirk" not in bau and "Noch nicht" not in bau
    assert "überfällig seit" in bau and 'class="resubmission overdue"' in bau
    assert "Postkorb BAU" in bau
    login(client, "dez")
    dez = _due_section(client.get("/").text)
    assert "Für Dirk" in dez and "Ins Amt" not in dez
    for other in ("bau1", "ja"):
        login(client, other)
        assert "Heute ist nichts fällig." in _due_section(client.get("/").text)


def test_refusals_are_clear_and_stale_buttons_get_409(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    refused = _add(client, csrf, county, fuer="person", person="ja")
    assert refused.status_code == 400 and "ja kann den Vorgang" in refused.text
    empty = _add(client, csrf, county, fuer="einheit")
    assert empty.status_code == 400 and "Bitte die Einheit wählen." in empty.text
    bad_day = _add(client, csrf, county, datum="31.02.2026")
    assert bad_day.status_code == 400 and "kein Datum" in bad_day.text
    _add(client, csrf, county, notiz="Gemeinsam", fuer="einheit", einheit="BAU")
    desk = client.get("/").text
    resubmission_id = re.search(r'action="/wiedervorlagen/(\d+)/erledigt"', desk).group(1)  # type: ignore[union-attr]
    form = {"csrf": csrf, "version": "1", "zurueck": "/"}
    done = client.post(f"/wiedervorlagen/{resubmission_id}/erledigt", data=form)
    assert done.status_code == 303 and done.headers["location"].startswith("/?hinweis=")
    assert "Heute ist nichts fällig." in _due_section(client.get(done.headers["location"]).text)
    stale = client.post(f"/wiedervorlagen/{resubmission_id}/erledigt", data=form)
    assert stale.status_code == 409 and "inzwischen von bau erledigt" in stale.text
    elsewhere = client.post(
        f"/wiedervorlagen/{resubmission_id}/erledigt",
        data={**form, "zurueck": "https://evil.example"},
    )
    assert elsewhere.status_code == 409  # and never a redirect to another site
    login(client, "ja")
    hidden = client.post(f"/wiedervorlagen/{resubmission_id}/erledigt", data={**form, "csrf": csrf})
    assert hidden.status_code in (403, 404)


def test_postpone_and_delete_from_the_case_page(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    _add(client, csrf, county, notiz="Verschieben")
    page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    resubmission_id = re.search(r'action="/wiedervorlagen/(\d+)/verschieben"', page).group(1)  # type: ignore[union-attr]
    later = today() + timedelta(days=7)
    moved = client.post(
        f"/wiedervorlagen/{resubmission_id}/verschieben",
        data={
            "csrf": csrf,
            "version": "1",
            "datum": later.isoformat(),
            "zurueck": f"/vorgaenge/{county.bau_case.uuid}",
        },
    )
    assert moved.status_code == 303 and "#resubmissions-title" in moved.headers["location"]
    shown = client.get(moved.headers["location"]).text
    assert "verschoben" in shown and later.strftime("%d.%m.%Y") in shown
    assert "Heute ist nichts fällig." in _due_section(client.get("/").text)
    deleted = client.post(
        f"/wiedervorlagen/{resubmission_id}/loeschen",
        data={"csrf": csrf, "zurueck": f"/vorgaenge/{county.bau_case.uuid}"},
    )
    assert deleted.status_code == 303
    assert "Keine Wiedervorlagen." in client.get(deleted.headers["location"]).text
    history = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert "Wiedervorlage angelegt" in history and "Wiedervorlage gelöscht" in history


@pytest.fixture
def tokens(db: Database, county: County) -> dict[str, dict[str, str]]:
    with db.write() as c:
        return {
            login: {"Authorization": f"Bearer {auth.create_token(c, login, 'Test', 't')}"}
            for login in ("bau", "dez", "ja")
        }


def test_api(client: TestClient, county: County, tokens: Any) -> None:
    url = f"/api/v1/cases/{county.bau_case.uuid}/resubmissions"
    body = {"due_on": today().isoformat(), "note": "API", "unit": "BAU"}
    created = client.post(url, json=body, headers=tokens["dez"])
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["unit"] == "BAU" and item["created_by"] == "dez" and item["row_version"] == 1
    assert item["case"] == county.bau_case.reference and item["overdue"] is False
    listed = client.get(url, headers=tokens["bau"]).json()
    assert [f["id"] for f in listed] == [item["id"]]
    due = client.get("/api/v1/resubmissions/due", headers=tokens["bau"]).json()
    assert [f["note"] for f in due] == ["API"]
    assert client.get("/api/v1/resubmissions/due", headers=tokens["dez"]).json() == []
    done = client.post(
        f"/api/v1/resubmissions/{item['id']}/done", json={"row_version": 1}, headers=tokens["bau"]
    )
    assert done.status_code == 200 and done.json()["done_by"] == "bau"
    again = client.post(
        f"/api/v1/resubmissions/{item['id']}/done", json={"row_version": 1}, headers=tokens["dez"]
    )
    assert again.status_code == 409 and "von bau erledigt" in again.json()["detail"]
    refused = client.post(url, json={**body, "unit": "BAU-1"}, headers=tokens["bau"])
    assert refused.status_code == 400 and "BAU-1" in refused.json()["detail"]
    past = client.post(url, json={**body, "due_on": "2000-01-01"}, headers=tokens["bau"])
    assert past.status_code == 400 and "Vergangenheit" in past.json()["detail"]
    assert client.get(url, headers=tokens["ja"]).status_code == 404
    second = client.post(url, json={"due_on": today().isoformat()}, headers=tokens["bau"]).json()
    assert second["user"] == "bau"
    later = (today() + timedelta(days=3)).isoformat()
    moved = client.post(
        f"/api/v1/resubmissions/{second['id']}/postpone",
        json={"row_version": 1, "due_on": later},
        headers=tokens["bau"],
    )
    assert moved.status_code == 200 and moved.json()["due_on"] == later
    assert (
        client.delete(f"/api/v1/resubmissions/{second['id']}", headers=tokens["dez"]).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/resubmissions/{second['id']}", headers=tokens["bau"]).status_code
        == 204
    )


def test_admin_sets_an_email_address(client: TestClient, db: Database, county: County) -> None:
    with db.write() as c:
        c.execute(text("UPDATE users SET roles = 'admin' WHERE login = 'dez'"))
    csrf = login(client, "dez")
    saved = client.post(
        "/verwaltung/personen/email",
        data={"csrf": csrf, "login": "bau", "email": "maria.wagner@kreis.example"},
    )
    assert saved.status_code == 303
    assert "maria.wagner@kreis.example" in client.get(saved.headers["location"]).text
    bad = client.post(
        "/verwaltung/personen/email", data={"csrf": csrf, "login": "bau", "email": "kaputt"}
    )
    assert bad.status_code == 400 and "E-Mail-Adresse" in bad.text
    removed = client.post("/verwaltung/personen/email", data={"csrf": csrf, "login": "bau"})
    assert "entfernt" in client.get(removed.headers["location"]).text
