"""A dossier with more cases than one page shows: the cases and the history a page at a time."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.records import dossiers, listing
from tests.helpers import County, file_text
from tests.web.conftest import login

MORE_CASES = listing.CASE_PAGE + 5  # beside the county's own case: 56 in all
CASE_LINK = re.compile(r'<a href="/vorgaenge/[0-9a-f-]+">([^<]+)</a>')


@pytest.fixture
def crowded(db: Database, rules: Any, filer: Filer, county: County) -> list[dossiers.Case]:
    """The Bauamt's dossier with many cases; a letter filed in the last one."""
    _, case_rule = rules
    with db.write() as c:
        added = [
            dossiers.create_case(c, case_rule, county.bau_dossier.reference, f"Nachtrag {n}", "t")
            for n in range(1, MORE_CASES + 1)
        ]
    file_text(db, filer, added[-1], "Nachtrag.txt", "Nachtrag zur Statik.")
    return added


def _cases(page: str) -> list[str]:
    return CASE_LINK.findall(page)


def _history(page: str) -> str:
    return page.split('id="verlauf"', 1)[1]


def test_cases_come_a_page_at_a_time(
    client: TestClient, county: County, crowded: list[dossiers.Case]
) -> None:
    login(client, "bau")
    first = client.get(f"/akten/{county.bau_dossier.uuid}").text
    shown = _cases(first)
    assert len(shown) == listing.CASE_PAGE
    assert shown[0] == county.bau_case.reference  # in the order they were opened
    assert "Vorgänge 1–50 von 56" in first
    assert "Zu den ersten Vorgängen" not in first
    more = re.search(
        r'href="(/akten/[^"?]+\?vorgaenge_nach=\d+)#vorgaenge">Weitere Vorgänge', first
    )
    assert more, "no link to the further cases"

    rest = client.get(more.group(1)).text
    assert _cases(rest) == [case.reference for case in crowded[-6:]]
    assert "Vorgänge 51–56 von 56" in rest and "Weitere Vorgänge" not in rest
    back = re.search(r'href="(/akten/[^"?#]+)#vorgaenge">‹ Zu den ersten Vorgängen', rest)
    assert back and client.get(back.group(1)).text == first
    # The filed letter counts in its case's row.
    last_row = rest.split(crowded[-1].reference, 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in last_row


def test_a_small_dossier_shows_no_paging(client: TestClient, county: County) -> None:
    login(client, "bau")
    page = client.get(f"/akten/{county.bau_dossier.uuid}").text
    assert _cases(page) == [county.bau_case.reference]
    assert "Weitere Vorgänge" not in page and " von 1" not in page


def test_a_cursor_past_the_end_leads_back(
    client: TestClient, county: County, crowded: list[dossiers.Case]
) -> None:
    login(client, "bau")
    page = client.get(f"/akten/{county.bau_dossier.uuid}?vorgaenge_nach=999999").text
    assert _cases(page) == []
    assert "Keine weiteren Vorgänge; die Akte hat 56." in page
    assert "Zu den ersten Vorgängen" in page


def test_history_pages_through_the_cases_events(
    client: TestClient, county: County, crowded: list[dossiers.Case]
) -> None:
    login(client, "bau")
    first = _history(client.get(f"/akten/{county.bau_dossier.uuid}").text)
    # Newest first: the last case opened leads; documents stay on the cases' pages.
    assert first.count("<li><time") == listing.HISTORY_PAGE
    assert first.index(crowded[-1].reference) < first.index(crowded[-2].reference)
    assert "Nachtrag.txt" not in first
    older = re.search(r'href="(/akten/[^"?]+\?verlauf_vor=\d+)#verlauf">Ältere Einträge', first)
    assert older, "no link to older entries"
    rest = _history(client.get(older.group(1)).text)
    # 56 cases opened and the dossier itself: 57 entries over both pages.
    assert rest.count("<li><time") == 1 + MORE_CASES + 1 - listing.HISTORY_PAGE
    assert "Akte angelegt" in rest and county.bau_case.reference in rest
    assert "Ältere Einträge" not in rest


def test_another_unit_finds_no_page_of_it(
    client: TestClient, db: Database, county: County, crowded: list[dossiers.Case]
) -> None:
    login(client, "ja")
    for query in ("", "?vorgaenge_nach=1", "?verlauf_vor=999999"):
        response = client.get(f"/akten/{county.bau_dossier.uuid}{query}")
        assert response.status_code == 404
        assert "Nachtrag" not in response.text and "Neubau" not in response.text
    # The API still describes a readable dossier with all of its cases.
    with db.write() as c:
        token = auth.create_token(c, "bau", "Lesen", "t")
    described = client.get(
        f"/api/v1/dossiers/{county.bau_dossier.uuid}",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert len(described["cases"]) == 1 + MORE_CASES
