"""Changing a document from its page and through the API, with stale forms told apart."""

from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from tests.helpers import County
from tests.web.conftest import login


def _document_id(client: TestClient, county: County) -> str:
    page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    return page.split('href="/dokumente/')[1].split('"')[0]


def test_edit_and_new_version_from_the_page(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    doc = _document_id(client, county)
    page = client.get(f"/dokumente/{doc}").text
    assert "Als Version 2 ablegen" in page and 'name="titel"' in page
    saved = client.post(
        f"/dokumente/{doc}/metadaten",
        data={
            "csrf": csrf,
            "version": "1",
            "titel": "Baugenehmigung Garage",
            "datum": "2026-03-01",
        },
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Angaben gespeichert" in page and "<h1>Baugenehmigung Garage</h1>" in page
    assert "01.03.2026" in page and "Angaben zum Dokument geändert" in page
    stale = client.post(
        f"/dokumente/{doc}/metadaten", data={"csrf": csrf, "version": "1", "titel": "Alt"}
    )
    assert stale.status_code == 409 and "inzwischen von bau geändert" in stale.text
    uploaded = client.post(
        f"/dokumente/{doc}/versionen",
        data={"csrf": csrf, "version": "2"},
        files={"datei": ("Bescheid-v2.txt", b"Die Baugenehmigung wird mit Auflagen erteilt.")},
    )
    assert uploaded.status_code == 303
    page = client.get(uploaded.headers["location"]).text
    assert "Version 2 abgelegt" in page and "Version 1: Bescheid.txt" in page
    assert "Version 2: Bescheid-v2.txt" in page
    original = client.get(f"/dokumente/{doc}/inhalt", params={"version": 1})
    assert original.content == b"Die Baugenehmigung wird erteilt."


def test_api_patch_and_version_with_row_version(
    client: TestClient, db: Database, county: County
) -> None:
    with db.write() as c:
        bau = {"Authorization": f"Bearer {auth.create_token(c, 'bau', 'T', 't')}"}
        ja = {"Authorization": f"Bearer {auth.create_token(c, 'ja', 'T', 't')}"}
    case = client.get(f"/api/v1/cases/{county.bau_case.uuid}", headers=bau).json()
    doc = case["documents"][0]["id"]
    url = f"/api/v1/documents/{doc}"
    assert client.patch(url, headers=ja, json={"row_version": 1, "title": "x"}).status_code == 404
    patched = client.patch(url, headers=bau, json={"row_version": 1, "title": "Neuer Titel"})
    assert patched.status_code == 200 and patched.json()["row_version"] == 2
    conflict = client.patch(url, headers=bau, json={"row_version": 1, "title": "Anders"})
    assert conflict.status_code == 409
    added = client.post(
        f"{url}/versions",
        headers=bau,
        data={"row_version": "2"},
        files={"file": ("v2.txt", b"Zweite Fassung", "text/plain")},
    )
    assert added.status_code == 201, added.text
    assert [v["number"] for v in added.json()["versions"]] == [1, 2]
    assert client.get(f"{url}/content", headers=bau).content == b"Zweite Fassung"
