"""Creating dossiers and cases in the browser; cases land on the desk of whoever works them."""

from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from tests.helpers import County
from tests.web.conftest import login


def test_new_dossier_and_case_from_the_pages_land_on_my_desk(
    client: TestClient, county: County
) -> None:
    csrf = login(client, "bau")
    assert "Ihnen ist kein offener Vorgang zugewiesen" in client.get("/").text
    page = client.get("/aktenplan/63.1.2").text
    assert "Neue Akte anlegen" in page
    assert "Neue Akte anlegen" not in client.get("/aktenplan/63.1").text  # not a leaf
    made = client.post(
        "/aktenplan/63.1.2/akten", data={"csrf": csrf, "betreff": "Anbau Kita Sonnenschein"}
    )
    assert made.status_code == 303
    dossier_page = client.get(made.headers["location"]).text
    assert "Anbau Kita Sonnenschein" in dossier_page and "angelegt" in dossier_page
    dossier_id = made.headers["location"].split("/akten/")[1].split("?")[0]
    case = client.post(
        f"/akten/{dossier_id}/vorgaenge", data={"csrf": csrf, "betreff": "Bauantrag Anbau"}
    )
    assert case.status_code == 303
    case_page = client.get(case.headers["location"]).text
    assert "Bearbeitung" in case_page and 'value="bau"' in case_page
    desk = client.get("/").text
    mine = desk.split("Meine Vorgänge")[1].split("Offene Vorgänge meiner Einheiten")[0]
    assert "Bauantrag Anbau" in mine and "Bauantrag</td>" not in mine


def test_handing_a_case_over(client: TestClient, db: Database, county: County) -> None:
    csrf = login(client, "bau")
    url = f"/vorgaenge/{county.bau_case.uuid}/bearbeitung"
    refused = client.post(url, data={"csrf": csrf, "person": "ja"})
    assert refused.status_code == 400 and "kann diesen Vorgang nicht bearbeiten" in refused.text
    done = client.post(url, data={"csrf": csrf, "person": "dez"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Bearbeitung übertragen" in page  # in the history
    client.post("/logout", data={"csrf": csrf})
    login(client, "dez")
    mine = client.get("/").text.split("Meine Vorgänge")[1].split("Offene Vorgänge")[0]
    assert county.bau_case.reference in mine
    with db.write() as c:
        token = auth.create_token(c, "bau", "T", "t")
        ja_token = auth.create_token(c, "ja", "T", "t")
    api = f"/api/v1/cases/{county.bau_case.uuid}/assignee"
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.put(api, headers=headers, json={"user": None})
    assert answer.status_code == 200 and answer.json()["assignee"] is None
    other = client.put(api, headers={"Authorization": f"Bearer {ja_token}"}, json={"user": "ja"})
    assert other.status_code == 404
