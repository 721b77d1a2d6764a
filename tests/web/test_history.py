"""The history (Verlauf) on the pages, as CSV and through the API: readable German, only for
people who may read the record."""

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.audit.history import CSV_COLUMNS
from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.records import organisation
from tests.helpers import County
from tests.web.conftest import PASSWORD, login


def _document_id(client: TestClient, county: County) -> str:
    page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    found = re.search(r'href="/dokumente/([0-9a-f-]+)"', page)
    assert found
    return found.group(1)


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_pages_show_time_person_and_sentence(client: TestClient, county: County) -> None:
    login(client, "bau")
    document_id = _document_id(client, county)
    client.get(f"/dokumente/{document_id}/inhalt")
    page = client.get(f"/dokumente/{document_id}").text
    assert "Dokument »Bescheid.txt« abgelegt (Version 1, 32 Bytes)" in page
    assert "Inhalt von »Bescheid.txt« abgerufen (Version 1)" in page
    assert re.search(r"<time [^>]*>\d\d\.\d\d\.\d{4} \d\d:\d\d</time>", page)
    assert 'title="bau">Maria Wagner</span>' in page  # the name, the login on hover
    case_page = client.get(f"/vorgaenge/{county.bau_case.uuid}").text
    assert "Dokument »Bescheid.txt« abgelegt" in case_page and "(Dokument »Bescheid«)" in case_page
    dossier_page = client.get(f"/akten/{county.bau_dossier.uuid}").text
    assert "Vorgang angelegt: " + county.bau_case.reference in dossier_page
    assert "Dokument »Bescheid.txt« abgelegt" not in dossier_page  # on the case's page
    assert f'href="/akten/{county.bau_dossier.uuid}/verlauf.csv"' in dossier_page


def test_long_histories_page_back(client: TestClient, county: County) -> None:
    login(client, "bau")
    document_id = _document_id(client, county)
    for _ in range(55):
        client.get(f"/dokumente/{document_id}/inhalt")
    page = client.get(f"/dokumente/{document_id}").text
    assert page.count("abgerufen (Version 1)") == 50
    older = re.search(r'href="(/dokumente/[^"?]+\?verlauf_vor=\d+)#verlauf">Ältere Einträge', page)
    assert older, "no link to older entries"
    rest = client.get(older.group(1)).text
    assert rest.count("abgerufen (Version 1)") == 5 and "abgelegt" in rest
    assert "Ältere Einträge" not in rest and "Zu den neuesten Einträgen" in rest


def test_dossier_csv_holds_cases_and_documents(client: TestClient, county: County) -> None:
    login(client, "bau")
    document_id = _document_id(client, county)
    client.get(f"/dokumente/{document_id}/inhalt")
    response = client.get(f"/akten/{county.bau_dossier.uuid}/verlauf.csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _rows(response)
    assert tuple(rows[0]) == CSV_COLUMNS
    by_action = {row[2].split(" »")[0].split(":")[0]: row for row in rows[1:]}
    assert set(by_action) >= {"Akte angelegt", "Vorgang angelegt", "Dokument", "Inhalt von"}
    download = by_action["Inhalt von"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", download[0])
    assert download[1] == "Maria Wagner (bau)"
    assert download[3] == "Dokument »Bescheid«" and download[4] == county.bau_case.reference
    assert '"version": 1' in download[5] and re.fullmatch(r"[0-9a-f]{64}", download[6])
    created = by_action["Akte angelegt"]
    assert created[4] == county.bau_dossier.reference and created[1] == "test"
    for kind, path in (("case", "vorgaenge"), ("document", "dokumente")):
        record = county.bau_case.uuid if kind == "case" else document_id
        assert len(_rows(client.get(f"/{path}/{record}/verlauf.csv"))) >= 2


def test_csv_is_safe_in_spreadsheets(client: TestClient, db: Database, county: County) -> None:
    with db.write() as c:
        organisation.add_user(c, "evil", '=HYPERLINK("http://x")', ["BAU"], "test")
        auth.set_password(c, "evil", PASSWORD, "test")
    login(client, "evil")
    client.get(f"/dokumente/{_document_id(client, county)}/inhalt")
    rows = _rows(client.get(f"/vorgaenge/{county.bau_case.uuid}/verlauf.csv"))
    people = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x") (evil)' in people
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_nobody_else_gets_the_history(client: TestClient, county: County) -> None:
    login(client, "ja2")  # Jugendamt: may not read the Bauamt's dossier
    for path in (
        f"/akten/{county.bau_dossier.uuid}/verlauf.csv",
        f"/vorgaenge/{county.bau_case.uuid}/verlauf.csv",
        f"/api/v1/dossiers/{county.bau_dossier.uuid}/history",
        f"/api/v1/cases/{county.bau_case.uuid}/history?format=csv",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Neubau" not in response.text and "Bauantrag" not in response.text


@pytest.fixture
def token(db: Database, county: County) -> dict[str, str]:
    with db.write() as c:
        return {"Authorization": f"Bearer {auth.create_token(c, 'bau', 'Test', 't')}"}


def test_api_history_json_paging_and_csv(
    client: TestClient, county: County, token: dict[str, str]
) -> None:
    url = f"/api/v1/dossiers/{county.bau_dossier.uuid}/history"
    events = client.get(url, headers=token).json()
    assert [e["action"] for e in events][-2:] == ["case.create", "dossier.create"]
    newest = events[0]
    assert newest["action"] == "document.file" and newest["object"] == "Dokument »Bescheid«"
    assert newest["text"].startswith("Dokument »Bescheid.txt« abgelegt")
    assert newest["reference"] == county.bau_case.reference and len(newest["hash"]) == 64
    first = client.get(url, params={"limit": 1}, headers=token).json()
    rest = client.get(url, params={"before": first[0]["id"]}, headers=token).json()
    assert [e["id"] for e in first + rest] == [e["id"] for e in events]
    rows = _rows(client.get(url, params={"format": "csv"}, headers=token))
    assert len(rows) == len(events) + 1
    case_events = client.get(f"/api/v1/cases/{county.bau_case.uuid}/history", headers=token)
    assert {e["object_type"] for e in case_events.json()} == {"case", "document"}
