"""Administration pages: admins manage units and people, the registry imports the file plan;
neither role opens anyone's dossiers."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from eakte.db.engine import Database
from tests.helpers import County
from tests.web.conftest import login


def _roles(db: Database, user: str, roles: str) -> None:
    with db.write() as c:
        c.execute(text("UPDATE users SET roles = :r WHERE login = :u"), {"r": roles, "u": user})


def test_clerk_has_no_administration(client: TestClient, county: County) -> None:
    csrf = login(client, "bau")
    assert client.get("/verwaltung").status_code == 403
    response = client.post(
        "/verwaltung/einheiten", data={"csrf": csrf, "code": "NEU", "name": "Neu"}
    )
    assert response.status_code == 403 and "Rolle" in response.text


def test_admin_adds_unit_and_person_who_can_then_log_in(
    client: TestClient, db: Database, county: County
) -> None:
    _roles(db, "dez", "admin")
    csrf = login(client, "dez")
    page = client.get("/verwaltung")
    assert page.status_code == 200 and "Person anlegen" in page.text
    added = client.post(
        "/verwaltung/einheiten",
        data={"csrf": csrf, "code": "BAU-2", "name": "Bauaufsicht", "parent": "BAU"},
    )
    assert added.status_code == 303 and "BAU-2" in client.get(added.headers["location"]).text
    person = client.post(
        "/verwaltung/personen",
        data={
            "csrf": csrf,
            "login": "n.neu",
            "name": "Nina Neu",
            "unit": "BAU-2",
            "password": "anfang-2026",
            "roles": ["clerk"],
            "clearance": "002",
        },
    )
    assert person.status_code == 303
    short = client.post(
        "/verwaltung/personen",
        data={"csrf": csrf, "login": "k.kurz", "name": "K", "unit": "BAU", "password": "kurz"},
    )
    assert short.status_code == 400 and "mindestens 8 Zeichen" in short.text
    forged = client.post("/verwaltung/einheiten", data={"csrf": "x", "code": "X", "name": "X"})
    assert forged.status_code == 403
    # Administration is not a right to read: the admin of Dezernat II... now reads nothing of
    # the Jugendamt, and the new person sees only what is below BAU-2 (nothing yet).
    assert client.get(f"/akten/{county.ja_dossier.uuid}").status_code == 404
    other = TestClient(client.app, follow_redirects=False)
    assert login(other, "n.neu", "anfang-2026")
    assert client.get(f"/akten/{county.ja_dossier.uuid}").status_code == 404
    assert other.get(f"/akten/{county.bau_dossier.uuid}").status_code == 404


def test_registry_imports_the_file_plan(client: TestClient, db: Database, county: County) -> None:
    _roles(db, "bau", "registry,clerk")
    csrf = login(client, "bau")
    plan = b"code,title,retention_years,disposition,lead_unit\n63.1.3,Abbruchanzeigen,10,V,BAU\n"
    done = client.post(
        "/verwaltung/aktenplan",
        data={"csrf": csrf},
        files={"datei": ("plan.csv", plan, "text/csv")},
    )
    assert done.status_code == 303
    assert "1 neu" in client.get(done.headers["location"]).text
    assert "Abbruchanzeigen" in client.get("/aktenplan").text
    broken = client.post(
        "/verwaltung/aktenplan",
        data={"csrf": csrf},
        files={"datei": ("plan.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert broken.status_code == 400 and "Kopfzeile" in broken.text
