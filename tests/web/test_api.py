"""The JSON API for specialist applications: every endpoint, with a token, and for a user of
another unit nothing at all."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from tests.helpers import County
from tests.web.conftest import login


@pytest.fixture
def tokens(db: Database, county: County) -> dict[str, dict[str, str]]:
    with db.write() as c:
        return {
            login: {"Authorization": f"Bearer {auth.create_token(c, login, 'Test', 't')}"}
            for login in ("bau", "ja")
        }


def test_without_or_with_a_bad_token(client: TestClient) -> None:
    assert client.get("/api/v1/plan").status_code == 401
    response = client.get("/api/v1/plan", headers={"Authorization": "Bearer erfunden"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Das API-Token ist ungültig oder widerrufen."


def test_plan_counts_only_readable_dossiers(client: TestClient, tokens: Any) -> None:
    plan = {i["code"]: i for i in client.get("/api/v1/plan", headers=tokens["bau"]).json()}
    assert plan["63.1.2"]["dossiers"] == 1 and plan["51.2.1"]["dossiers"] == 0
    assert plan["63.1.2"]["retention_years"] == 30


def test_create_dossier_case_upload_read_search_download(
    client: TestClient, tokens: Any, county: County
) -> None:
    bau = tokens["bau"]
    created = client.post(
        "/api/v1/dossiers", headers=bau, json={"plan": "63.1.2", "subject": "Neubau Sporthalle"}
    )
    assert created.status_code == 201
    dossier = created.json()
    assert dossier["reference"].startswith("63.1.2-0002/")
    case = client.post(
        "/api/v1/cases", headers=bau, json={"dossier": dossier["reference"], "subject": "Bauantrag"}
    ).json()
    upload = client.post(
        f"/api/v1/cases/{case['id']}/documents",
        headers=bau,
        files=[("files", ("Statik.txt", b"Standsicherheitsnachweis der Sporthalle", "text/plain"))],
    )
    assert upload.status_code == 201
    document = upload.json()["documents"][0]
    assert document["state"] == "ready" and not document["duplicate"]
    got = client.get(f"/api/v1/documents/{document['id']}", headers=bau).json()
    assert got["versions"][0]["filename"] == "Statik.txt"
    content = client.get(f"/api/v1/documents/{document['id']}/content", headers=bau)
    assert content.content == b"Standsicherheitsnachweis der Sporthalle"
    hits = client.get(
        "/api/v1/search", params={"q": "Standsicherheitsnachweis"}, headers=bau
    ).json()
    assert hits["total"] == 1 and hits["hits"][0]["reference"] == case["reference"]
    by_ref = client.get(
        "/api/v1/dossiers", params={"reference": dossier["reference"]}, headers=bau
    ).json()
    assert by_ref["cases"][0]["reference"] == case["reference"]
    assert client.get(f"/api/v1/cases/{case['id']}", headers=bau).json()["documents"]
    assert (
        client.get(
            "/api/v1/cases", params={"reference": case["reference"]}, headers=bau
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/dossiers/{dossier['id']}", headers=bau).status_code == 200


def test_another_unit_gets_nothing_from_any_endpoint(
    client: TestClient, tokens: Any, county: County
) -> None:
    ja = tokens["ja"]
    bau_doc = client.get(f"/api/v1/cases/{county.bau_case.uuid}", headers=tokens["bau"]).json()[
        "documents"
    ][0]["id"]
    for path, params in [
        (f"/api/v1/dossiers/{county.bau_dossier.uuid}", {}),
        ("/api/v1/dossiers", {"reference": county.bau_dossier.reference}),
        (f"/api/v1/cases/{county.bau_case.uuid}", {}),
        ("/api/v1/cases", {"reference": county.bau_case.reference}),
        (f"/api/v1/documents/{bau_doc}", {}),
        (f"/api/v1/documents/{bau_doc}/content", {}),
    ]:
        response = client.get(path, params=params, headers=ja)
        assert response.status_code == 404, path
        assert "Lindenstraße" not in response.text and "Baugenehmigung" not in response.text
    search = client.get("/api/v1/search", params={"q": "Baugenehmigung"}, headers=ja).json()
    assert search == {"total": 0, "hits": [], "facets": {}}
    upload = client.post(
        f"/api/v1/cases/{county.bau_case.uuid}/documents",
        headers=ja,
        files=[("files", ("x.txt", b"x", "text/plain"))],
    )
    assert upload.status_code == 404
    case = client.post(
        "/api/v1/cases", headers=ja, json={"dossier": county.bau_dossier.reference, "subject": "X"}
    )
    assert case.status_code == 404


def test_errors_are_json_in_german(client: TestClient, tokens: Any) -> None:
    bad_query = client.get("/api/v1/search", params={"q": '"offen'}, headers=tokens["bau"])
    assert bad_query.status_code == 400 and "Anführungszeichen" in bad_query.json()["detail"]
    bad_plan = client.post(
        "/api/v1/dossiers", headers=tokens["bau"], json={"plan": "63.1", "subject": "X"}
    )
    assert bad_plan.status_code == 400 and "untersten Ebene" in bad_plan.json()["detail"]
    assert client.get("/api/v1/nichts", headers=tokens["bau"]).status_code == 404


def test_browser_session_needs_csrf_header_for_changes(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    assert client.get("/api/v1/plan").status_code == 200
    body = {"dossier": county.bau_dossier.reference, "subject": "Über die Sitzung"}
    assert client.post("/api/v1/cases", json=body).status_code == 403
    ok = client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_reader_role_cannot_change(client: TestClient, db: Database, county: County) -> None:
    from sqlalchemy import text

    with db.write() as c:
        c.execute(text("UPDATE users SET roles = 'reader' WHERE login = 'bau'"))
        token = auth.create_token(c, "bau", "Lesen", "t")
    response = client.post(
        "/api/v1/cases",
        headers={"Authorization": f"Bearer {token}"},
        json={"dossier": county.bau_dossier.reference, "subject": "X"},
    )
    assert response.status_code == 403 and "Rolle" in response.json()["detail"]


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/search" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/docs/assets/swagger-ui-bundle.js" in docs.text
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_search_facets(client: TestClient, tokens: Any) -> None:
    body = client.get(
        "/api/v1/search", params={"q": "Baugenehmigung", "facets": "true"}, headers=tokens["bau"]
    ).json()
    assert body["facets"] == {"type": [["text", 1]], "unit": [["BAU", 1]]}
