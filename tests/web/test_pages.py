"""The German pages as a clerk uses them, and what another department never sees."""

import re

from anyio import to_thread
from fastapi.testclient import TestClient

from eakte.web.headers import CSP
from tests.helpers import County
from tests.web.conftest import login


def test_pages_need_a_login(client: TestClient, county: County) -> None:
    for path in ("/", "/aktenplan", "/suche?q=Bau", f"/vorgaenge/{county.bau_case.uuid}"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?weiter=")


def test_wrong_password_is_refused_in_german(client: TestClient) -> None:
    response = client.post("/login", data={"login": "bau", "password": "falsch"})
    assert response.status_code == 401
    assert "Anmeldename oder Passwort ist falsch." in response.text
    assert "eakte_session" not in response.cookies


def test_session_cookie_is_protected(client: TestClient) -> None:
    response = client.post("/login", data={"login": "bau", "password": "richtig-geheim"})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.headers["location"] == "/"


def test_login_never_redirects_to_another_site(client: TestClient) -> None:
    response = client.post(
        "/login", data={"login": "bau", "password": "richtig-geheim", "weiter": "//evil.example/"}
    )
    assert response.headers["location"] == "/"


def test_desk_plan_dossier_case_document(client: TestClient, county: County) -> None:
    login(client, "bau")
    desk = client.get("/")
    assert desk.status_code == 200
    assert county.bau_case.reference in desk.text and "Bescheid" in desk.text
    assert county.ja_case.reference not in desk.text
    plan = client.get("/aktenplan").text
    assert "Baugenehmigungsverfahren" in plan
    item = client.get("/aktenplan/63.1.2").text
    assert county.bau_dossier.reference in item
    dossier = client.get(f"/akten/{county.bau_dossier.uuid}").text
    assert "Neubau Lindenstraße 12" in dossier and "Akte angelegt" in dossier
    case = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    doc_id = re.search(r'href="/dokumente/([0-9a-f-]+)"', case).group(1)  # type: ignore[union-attr]
    document = client.get(f"/dokumente/{doc_id}")
    assert "Bescheid" in document.text and "SHA-256" in document.text
    # The breadcrumbs lead back to the case and the dossier pages.
    assert f'href="/vorgaenge/{county.bau_case.uuid}"' in document.text
    assert f'href="/akten/{county.bau_dossier.uuid}"' in document.text
    assert f'href="/akten/{county.bau_dossier.uuid}"' in case
    content = client.get(f"/dokumente/{doc_id}/inhalt")
    assert content.status_code == 200
    assert content.text == "Die Baugenehmigung wird erteilt."
    assert "sandbox" in content.headers["content-security-policy"]
    download = client.get(f"/dokumente/{doc_id}/inhalt?download=true")
    assert download.headers["content-disposition"].startswith("attachment;")


def test_other_department_gets_not_found(client: TestClient, county: County) -> None:
    login(client, "bau")
    for path in (f"/akten/{county.ja_dossier.uuid}", f"/vorgaenge/{county.ja_case.uuid}"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Hilfe" not in response.text
    hits = client.get("/suche?q=Hilfeplan").text
    assert "0 Treffer" in hits


def test_upload_close_and_csrf(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    page = f"/vorgaenge/{county.bau_case.uuid}"
    files = [
        ("dateien", ("Antrag.txt", b"Antrag auf Abbruch der Garage", "text/plain")),
        ("dateien", ("Plan.txt", b"Lageplan mit Abstandsflaechen", "text/plain")),
    ]
    forged = client.post(f"{page}/dokumente", data={"csrf": "falsch"}, files=files)
    assert forged.status_code == 403
    response = client.post(f"{page}/dokumente", data={"csrf": csrf}, files=files)
    assert response.status_code == 303
    shown = client.get(response.headers["location"]).text
    assert "2 Dokument(e) abgelegt" in shown and "Plan" in shown
    assert "Abstandsflaechen" in client.get("/suche?q=Abstandsflaechen").text
    again = client.post(
        f"{page}/dokumente",
        data={"csrf": csrf},
        files=files[:1],
        headers={"Accept": "application/json"},
    )
    assert again.json()["documents"][0]["duplicate"] is True
    closed = client.post(f"{page}/abschliessen", data={"csrf": csrf})
    assert closed.status_code == 303
    late = client.post(
        f"{page}/dokumente",
        data={"csrf": csrf},
        files=[("dateien", ("spaet.txt", b"zu spaet", "text/plain"))],
    )
    assert late.status_code == 409 and "z.d.A." in late.text


def test_upload_into_another_departments_case_is_not_found(
    client: TestClient, county: County
) -> None:
    csrf = login(client, "bau")
    response = client.post(
        f"/vorgaenge/{county.ja_case.uuid}/dokumente",
        data={"csrf": csrf},
        files=[("dateien", ("x.txt", b"x", "text/plain"))],
    )
    assert response.status_code == 404


def test_search_page_shows_highlights_and_clear_errors(client: TestClient, county: County) -> None:
    login(client, "bau")
    page = client.get("/suche?q=Baugenehmigungen")
    assert "<mark>Baugenehmigung</mark>" in page.text and "1 Treffer" in page.text
    assert 'aria-label="Eingrenzen nach Typ"' in page.text
    assert "/suche?q=Baugenehmigungen%20typ%3Atext" in page.text
    broken = client.get('/suche?q="offen')
    assert broken.status_code == 400
    assert "Anführungszeichen ist nicht geschlossen" in broken.text


def test_logout_ends_the_session(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/").status_code == 303


def test_lockout_after_repeated_failures(client: TestClient) -> None:
    for _ in range(5):
        client.post("/login", data={"login": "bau", "password": "falsch"})
    response = client.post("/login", data={"login": "bau", "password": "richtig-geheim"})
    assert response.status_code == 401 and "gesperrt" in response.text


def test_security_headers(client: TestClient) -> None:
    for path in ("/login", "/gibt-es-nicht", "/api/v1/plan", "/static/style.css"):
        response = client.get(path)
        assert response.headers.get_list("content-security-policy") == [CSP], path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_request_threads_never_outnumber_pooled_connections(client: TestClient) -> None:
    # With more threads than the pool keeps, every extra request under load opened and closed
    # its own database connection (bench/web_load.py).
    async def threads() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    assert client.portal is not None
    pool = client.app.state.eakte.db.read_engine.pool  # type: ignore[attr-defined]
    assert client.portal.call(threads) == pool.size()


def test_api_docs_keep_their_own_script_policy(client: TestClient) -> None:
    # Swagger UI starts with one inline script: only this page allows it, and only once.
    policies = client.get("/api/docs").headers.get_list("content-security-policy")
    assert len(policies) == 1 and "script-src 'self' 'unsafe-inline'" in policies[0]


def test_german_dates_and_sizes() -> None:
    from datetime import UTC, datetime

    from eakte.web.state import german_date, german_datetime, german_size

    assert german_datetime(datetime(2026, 11, 25, 17, 5, tzinfo=UTC)) == "25.11.2026 18:05"
    assert german_datetime("2026-07-01 10:00:00.123") == "01.07.2026 12:00"  # summer time
    assert german_date("2026-03-05") == "05.03.2026"
    assert german_date(None) == ""
    assert german_size(1024**3) == "1 GB" and german_size(1536 * 1024) == "1,5 MB"
