"""Grants (Freigaben) through the dossier page and the API; the access rule in the admin page."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from tests.helpers import County
from tests.web.conftest import csrf_of, login


@pytest.fixture
def tokens(db: Database, county: County) -> dict[str, dict[str, str]]:
    with db.write() as c:
        return {
            name: {"Authorization": f"Bearer {auth.create_token(c, name, 'Test', 't')}"}
            for name in ("bau", "ja", "ja2")
        }


def test_api_grant_list_revoke_and_what_the_grantee_sees(
    client: TestClient, tokens: Any, county: County
) -> None:
    ref = county.bau_dossier.uuid
    url = f"/api/v1/dossiers/{ref}/grants"
    # The Jugendamt neither reads the dossier nor learns that its grants exist.
    assert client.get(f"/api/v1/dossiers/{ref}", headers=tokens["ja"]).status_code == 404
    assert client.get(url, headers=tokens["ja"]).status_code == 404
    denied = client.post(url, headers=tokens["ja"], json={"unit": "JA"})
    assert denied.status_code == 404
    created = client.post(url, headers=tokens["bau"], json={"user": "ja", "note": "Amtshilfe"})
    assert created.status_code == 201, created.text
    grant = created.json()
    assert grant["user"] == "ja" and grant["access"] == "read" and grant["granted_by"] == "bau"
    assert client.get(f"/api/v1/dossiers/{ref}", headers=tokens["ja"]).status_code == 200
    assert client.get(f"/api/v1/dossiers/{ref}", headers=tokens["ja2"]).status_code == 404
    hits = client.get("/api/v1/search", headers=tokens["ja"], params={"q": "Baugenehmigung"})
    assert hits.json()["total"] == 1
    # Reading is not filing, and a grantee cannot pass the dossier on.
    upload = client.post(
        f"/api/v1/cases/{county.bau_case.uuid}/documents",
        headers=tokens["ja"],
        files=[("files", ("x.txt", b"Stellungnahme", "text/plain"))],
    )
    assert upload.status_code == 403 and "nichts ablegen" in upload.json()["detail"]
    assert client.post(url, headers=tokens["ja"], json={"unit": "JA"}).status_code == 403
    assert [g["id"] for g in client.get(url, headers=tokens["ja"]).json()] == [grant["id"]]
    assert client.delete(f"{url}/{grant['id']}", headers=tokens["bau"]).status_code == 204
    assert client.get(f"/api/v1/dossiers/{ref}", headers=tokens["ja"]).status_code == 404
    assert client.delete(f"{url}/{grant['id']}", headers=tokens["bau"]).status_code == 404


def test_api_grant_errors_are_german_and_clear(
    client: TestClient, tokens: Any, county: County
) -> None:
    url = f"/api/v1/dossiers/{county.bau_dossier.uuid}/grants"
    both = client.post(url, headers=tokens["bau"], json={"unit": "JA", "user": "ja"})
    assert both.status_code == 400 and "genau eine" in both.json()["detail"]
    assert client.post(url, headers=tokens["bau"], json={"unit": "JA"}).status_code == 201
    again = client.post(url, headers=tokens["bau"], json={"unit": "JA"})
    assert again.status_code == 409 and "schon eine Freigabe" in again.json()["detail"]
    bad = client.post(url, headers=tokens["bau"], json={"unit": "JA", "access": "alles"})
    assert bad.status_code == 422


def test_dossier_page_grants_form_with_csrf(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    page = client.get(f"/akten/{county.bau_dossier.uuid}")
    assert "Keine weiteren Freigaben" in page.text and 'name="einheit"' in page.text
    action = f"/akten/{county.bau_dossier.uuid}/freigaben"
    forged = client.post(action, data={"csrf": "falsch", "einheit": "JA"})
    assert forged.status_code == 403
    done = client.post(
        action, data={"csrf": csrf, "einheit": "JA", "recht": "write", "vermerk": "Beteiligung"}
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "Freigabe für Einheit JA erteilt" in page.text
    assert "Einheit JA – lesen und ablegen (Beteiligung)" in page.text
    # In the history, as a sentence:
    assert "Freigabe für Einheit JA erteilt (lesen und ablegen) – Vermerk: Beteiligung" in page.text
    client.post("/logout", data={"csrf": csrf})
    login(client, "ja2")
    page = client.get(f"/akten/{county.bau_dossier.uuid}")
    assert page.status_code == 200 and 'name="einheit"' not in page.text  # reads, not manages
    desk = client.get("/").text
    assert county.bau_case.reference in desk


def test_admin_switches_the_units_above_rule(
    client: TestClient, db: Database, county: County
) -> None:
    with db.write() as c:
        from eakte.records import organisation

        organisation.add_user(c, "admin", "Ada Admin", ["KV"], "t", roles=["admin"])
        auth.set_password(c, "admin", "admin-passwort", "t")
    dossier_url = f"/akten/{county.bau_dossier.uuid}"
    csrf = login(client, "dez")
    assert client.get(dossier_url).status_code == 200
    assert "1 Treffer" in client.get("/suche", params={"q": "Baugenehmigung"}).text
    assert client.post("/verwaltung/regeln", data={"csrf": csrf}).status_code == 403
    client.post("/logout", data={"csrf": csrf})
    csrf = login(client, "admin", "admin-passwort")
    page = client.get("/verwaltung")
    assert 'name="superior_units_read" value="on" checked' in page.text
    response = client.post("/verwaltung/regeln", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 303
    assert "nur noch die federführende" in client.get(response.headers["location"]).text
    client.post("/logout", data={"csrf": csrf})
    login(client, "dez")
    assert client.get(dossier_url).status_code == 404
    assert "0 Treffer" in client.get("/suche", params={"q": "Baugenehmigung"}).text
