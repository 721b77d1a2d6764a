"""The portfolio pages: only for the role portfolio; table, roadmap, capacity, scenarios, stands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.records import organisation
from eakte.settings import Settings
from eakte.web import create_app
from tests.portfolio.test_portfolio_cli import PROJECTS, STAFF

PASSWORD = "richtig-geheim"


@pytest.fixture
def client(settings: Settings, db: Database, run: Any, tmp_path: Path) -> Iterator[TestClient]:
    with db.write() as c:
        organisation.add_unit(c, "IT", "IT-Abteilung", None, "test")
        organisation.add_user(c, "it.leitung", "Ina Leitung", ["IT"], "test", ["portfolio"])
        organisation.add_user(c, "s.bearbeiter", "Sam Bearbeiter", ["IT"], "test", ["clerk"])
        for login in ("it.leitung", "s.bearbeiter"):
            auth.set_password(c, login, PASSWORD, "test")
    (tmp_path / "projekte.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "personal.csv").write_text(STAFF, encoding="utf-8")
    assert run("portfolio", "import", str(tmp_path / "personal.csv")).code == 0
    assert run("portfolio", "import", str(tmp_path / "projekte.csv")).code == 0
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _login(client: TestClient, login: str) -> str:
    response = client.post("/login", data={"login": login, "password": PASSWORD, "weiter": "/"})
    assert response.status_code == 303
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert match
    return match.group(1)


def test_only_the_portfolio_role_sees_the_pages(client: TestClient) -> None:
    _login(client, "s.bearbeiter")
    assert 'href="/portfolio"' not in client.get("/").text
    denied = client.get("/portfolio")
    assert denied.status_code == 403 and "Rolle portfolio" in denied.text
    _login(client, "it.leitung")
    assert 'href="/portfolio"' in client.get("/").text


def test_table_filters_and_roadmap(client: TestClient) -> None:
    _login(client, "it.leitung")
    page = client.get("/portfolio").text
    assert "E-Akte Bauamt" in page and "Online-Antrag Wohngeld" in page
    assert "<svg" in page and "Q1/2026–Q2/2026" in page
    filtered = client.get("/portfolio", params={"abteilung": "Sozialamt"}).text
    table = filtered.split('id="projects"')[1].split("</table>")[0]
    assert "Online-Antrag Wohngeld" in table and "E-Akte Bauamt" not in table


def test_capacity_heatmap_and_method(client: TestClient) -> None:
    _login(client, "it.leitung")
    page = client.get("/portfolio/kapazitaet").text
    assert "Lücke 2,6 VZÄ" in page  # DEV in Q1/2026, in the cell's tooltip
    assert "+2,6" in page
    assert "mindestens 4 Quartale in Folge" in page


def test_scenario_is_saved_and_compared(client: TestClient) -> None:
    csrf = _login(client, "it.leitung")
    saved = client.post(
        "/portfolio/szenarien",
        data={"csrf": csrf, "name": "Später", "aenderungen": "shift:P-2:+2\n", "beschreibung": ""},
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "P-2 um 2 Quartal(e) später" in page
    assert "<td>2,6</td><td>0,6</td>" in page  # DEV: largest gap plan → scenario
    wrong = client.post(
        "/portfolio/szenarien", data={"csrf": csrf, "name": "X", "aenderungen": "shift:P-9:+1"}
    )
    assert wrong.status_code == 400 and "P-9 gibt es im Plan nicht" in wrong.text


def test_snapshot_freeze_and_diff(client: TestClient, run: Any, tmp_path: Path) -> None:
    csrf = _login(client, "it.leitung")
    made = client.post(
        "/portfolio/staende", data={"csrf": csrf, "name": "Sitzung 1", "sitzung": "2026-03-12"}
    )
    assert made.status_code == 303
    (tmp_path / "mehr.csv").write_text(
        "nr;titel;beginn;ende;aufwand_dev\nP-1;E-Akte Bauamt;2026-Q1;2026-Q3;1600\n",
        encoding="utf-8",
    )
    run("portfolio", "import", str(tmp_path / "mehr.csv"))
    page = client.get("/portfolio/staende", params={"stand": "Sitzung 1"}).text
    assert "Sitzung 12.03.2026" in page
    assert "Zeitraum Q1/2026–Q2/2026 → Q1/2026–Q3/2026" in page


def test_rollout_page_and_committee_report(client: TestClient, run: Any, tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text(
        "nr;kennzahl;monat;wert\nP-2;Online-Anträge;2026-01;10\nP-2;Online-Anträge;2026-02;30\n",
        encoding="utf-8",
    )
    (tmp_path / "e.csv").write_text("nr;einheit;go_live\nP-1;IT;2020-01-01\n", encoding="utf-8")
    for name in ("k.csv", "e.csv"):
        assert run("portfolio", "import", str(tmp_path / name)).code == 0
    _login(client, "it.leitung")
    page = client.get("/portfolio/einfuehrung").text
    assert "IT-Abteilung (IT)</td><td>01.01.2020</td><td>überfällig</td>" in page
    assert "Online-Anträge" in page and "<td>40</td>" in page
    report = client.get("/portfolio/bericht")
    assert report.status_code == 200 and "So wird gerechnet" in report.text
    assert "style-src 'self' 'unsafe-inline'" in report.headers["content-security-policy"]
    pdf = client.get("/portfolio/bericht.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
