"""Registry pages and the retention API: due list → run → offer → appraisal → destroyed, with
CSRF, stale forms, the role check, and content refused after destruction."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.records import dossiers, organisation
from eakte.records.lookup import describe
from tests.helpers import County
from tests.web.conftest import PASSWORD, login

LONG_AGO = datetime(1990, 6, 1, tzinfo=UTC)


@pytest.fixture
def registry(db: Database, county: County) -> County:
    """Two registry clerks (Bauamt, Jugendamt); the Bauamt's dossier closed in 1990: due."""
    with db.write() as c:
        organisation.add_user(c, "reg", "Lena Hoffmann", ["BAU"], "t", ["registry", "clerk"])
        organisation.add_user(c, "reg2", "Hannah Vogel", ["JA"], "t", ["registry", "clerk"])
        for login_name in ("reg", "reg2"):
            auth.set_password(c, login_name, PASSWORD, "t")
        dossiers.close_case(c, county.bau_case.reference, "t", closed_at=LONG_AGO)
        dossiers.close_dossier(c, county.bau_dossier.reference, "t", closed_at=LONG_AGO)
    return county


def _post(client: TestClient, url: str, **data: Any) -> Any:
    return client.post(url, data=data)


def _document_id(db: Database, county: County) -> str:
    with db.read() as c:
        return str(describe(c, county.bau_case.uuid)["documents"][0]["id"])


def test_registry_pages_and_api_need_the_role(
    client: TestClient, db: Database, registry: County
) -> None:
    csrf = login(client, "bau")  # a clerk of the lead unit, not registry
    assert client.get("/registratur").status_code == 403
    assert "Registratur</a>" not in client.get("/").text
    denied = _post(client, "/registratur/laeufe", csrf=csrf, akten=registry.bau_dossier.uuid)
    assert denied.status_code == 403
    hold = _post(
        client,
        f"/registratur/akten/{registry.bau_dossier.uuid}/sperren",
        csrf=csrf,
        begruendung="x",
    )
    assert hold.status_code == 403
    page = client.get(f"/akten/{registry.bau_dossier.uuid}").text
    assert "Aufbewahrung" in page and "30 Jahre" in page and "aussonderungsreif" in page
    assert "Aufbewahrungssperre setzen" not in page  # no forms for a clerk
    with db.write() as c:
        token = auth.create_token(c, "ja", "Fachverfahren", "t")
    answer = client.get("/api/v1/retention/due", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and "registry" in answer.json()["detail"]


def test_page_flow_from_due_list_to_destroyed(
    client: TestClient, db: Database, registry: County
) -> None:
    uuid, ref = registry.bau_dossier.uuid, registry.bau_dossier.reference
    document = _document_id(db, registry)
    csrf = login(client, "reg")
    overview = client.get("/registratur")
    assert overview.status_code == 200 and ref in overview.text
    assert f'name="akten" value="{uuid}"' in overview.text
    assert "Registratur</a>" in overview.text  # in the navigation
    assert _post(client, "/registratur/laeufe", csrf="falsch", akten=uuid).status_code == 403
    created = _post(client, "/registratur/laeufe", csrf=csrf, akten=uuid, vermerk="2026")
    assert created.status_code == 303, created.text
    run_url = created.headers["location"].split("?")[0]
    page = client.get(created.headers["location"]).text
    assert "mit 1 Akte(n) angelegt" in page and "zusammengestellt" in page
    version = int(page.split('name="version" value="')[1].split('"')[0])
    offered = _post(client, f"{run_url}/anbieten", csrf=csrf, version=version)
    assert offered.status_code == 303
    stale = _post(client, f"{run_url}/anbieten", csrf=csrf, version=version)
    assert stale.status_code == 409 and "angeboten" in stale.text
    page = client.get(run_url).text
    assert "Bewertung des Archivs fehlt" in page  # disposition B
    csv = client.get(f"{run_url}/anbieteverzeichnis.csv")
    assert csv.status_code == 200 and ref in csv.content.decode("utf-8-sig")
    version += 1
    appraised = _post(
        client, f"{run_url}/bewertung", csrf=csrf, version=version, akte=uuid, bewertung="destroy"
    )
    assert appraised.status_code == 303
    page = client.get(run_url).text
    assert "wird vernichtet" in page and "Übergeben und vernichten" in page
    unconfirmed = _post(client, f"{run_url}/abschliessen", csrf=csrf, version=version + 1)
    assert unconfirmed.status_code == 400 and "bestätigen" in unconfirmed.text
    old_form = _post(client, f"{run_url}/abschliessen", csrf=csrf, version=version, bestaetigt="ja")
    assert old_form.status_code == 409 and "inzwischen" in old_form.text
    done = _post(client, f"{run_url}/abschliessen", csrf=csrf, version=version + 1, bestaetigt="ja")
    assert done.status_code == 303
    assert (
        "0 Akte(n) an das Archiv übergeben, 1 vernichtet"
        in client.get(done.headers["location"]).text
    )
    # The dossier's documents are destroyed; their content is refused on every path.
    page = client.get(f"/dokumente/{document}").text
    assert "vernichtet" in page and "Original herunterladen" not in page
    gone = client.get(f"/dokumente/{document}/inhalt")
    assert gone.status_code == 410 and "Der Inhalt wurde am" in gone.text
    assert "vernichtet" in client.get(f"/akten/{uuid}").text
    with db.write() as c:
        token = auth.create_token(c, "bau", "Fachverfahren", "t")
    api = client.get(
        f"/api/v1/documents/{document}/content", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 410 and api.json()["detail"].startswith("Der Inhalt wurde am")
    assert client.get("/suche", params={"q": "Baugenehmigung"}).text.count("0 Treffer") == 1


def test_holds_and_overrides_from_the_dossier_page(
    client: TestClient, db: Database, registry: County
) -> None:
    uuid = registry.bau_dossier.uuid
    csrf = login(client, "reg")
    page = client.get(f"/akten/{uuid}").text
    assert "Aufbewahrungssperre setzen" in page and "Abweichende Aufbewahrungsfrist" in page
    url = f"/registratur/akten/{uuid}/sperren"
    empty = _post(client, url, csrf=csrf, begruendung=" ", zurueck="akte")
    assert empty.status_code == 400 and "Begründung" in empty.text
    placed = _post(client, url, csrf=csrf, begruendung="Klage VG 3 K 12/26", zurueck="akte")
    assert placed.status_code == 303 and placed.headers["location"].startswith(f"/akten/{uuid}?")
    page = client.get(placed.headers["location"]).text
    assert "Aufbewahrungssperre für Akte" in page and "Klage VG 3 K 12/26" in page
    assert "Aufbewahrungssperre gesetzt" in page  # the history
    overview = client.get("/registratur").text
    assert 'name="akten"' not in overview and "Klage VG 3 K 12/26" in overview
    hold_id = page.split("/sperren/")[1].split("/")[0]
    lifted = _post(client, f"{url}/{hold_id}/aufheben", csrf=csrf, begruendung="Verfahren beendet")
    assert lifted.status_code == 303 and lifted.headers["location"].startswith("/registratur/")
    longer = _post(
        client,
        f"/registratur/akten/{uuid}/frist",
        csrf=csrf,
        jahre="50",
        art="A",
        begruendung="Baudenkmal",
    )
    assert longer.status_code == 303
    page = client.get(longer.headers["location"]).text
    assert "Abweichung für diese Akte" in page and "01.01.2041" in page
    assert registry.bau_dossier.reference not in client.get("/registratur").text


def test_registry_of_another_unit_sees_metadata_not_content(
    client: TestClient, registry: County
) -> None:
    uuid, ref = registry.bau_dossier.uuid, registry.bau_dossier.reference
    login(client, "reg2")  # registry in the Jugendamt
    overview = client.get("/registratur").text
    assert ref in overview and "Neubau Lindenstraße 12" in overview
    page = client.get(f"/registratur/akten/{uuid}")
    assert page.status_code == 200 and "Zur Akte" not in page.text
    assert client.get(f"/registratur/akten?az={ref}", follow_redirects=True).status_code == 200
    assert client.get(f"/akten/{uuid}").status_code == 404
    assert "0 Treffer" in client.get("/suche", params={"q": "Baugenehmigung"}).text


def test_api_flow_with_optimistic_locking(
    client: TestClient, db: Database, registry: County
) -> None:
    with db.write() as c:
        headers = {"Authorization": f"Bearer {auth.create_token(c, 'reg', 'Skript', 't')}"}
    ref = registry.bau_dossier.reference
    due = client.get("/api/v1/retention/due", headers=headers)
    assert due.status_code == 200 and [d["reference"] for d in due.json()["due"]] == [ref]
    assert client.get("/api/v1/retention/due?as_of=2020-12-31", headers=headers).json()["due"] == []
    base = "/api/v1/retention"
    uuid = registry.bau_dossier.uuid  # paths take ids: an Aktenzeichen may contain "/"
    missing = client.post(f"{base}/dossiers/{uuid}/holds", headers=headers, json={"reason": ""})
    assert missing.status_code == 400
    created = client.post(f"{base}/runs", headers=headers, json={"dossiers": [ref]})
    assert created.status_code == 201, created.text
    run = created.json()
    url = f"{base}/runs/{run['id']}"
    offered = client.post(f"{url}/offer", headers=headers, json={"row_version": run["row_version"]})
    assert offered.status_code == 200 and offered.json()["state"] == "offered"
    version = offered.json()["row_version"]
    wrong = client.post(
        f"{url}/appraisals",
        headers=headers,
        json={"row_version": version, "appraisals": {ref: "behalten"}},
    )
    assert wrong.status_code == 422
    appraised = client.post(
        f"{url}/appraisals",
        headers=headers,
        json={"row_version": version, "appraisals": {ref: "archive"}},
    )
    assert appraised.json()["dossiers"][0]["planned"] == "handed_over"
    stale = client.post(f"{url}/complete", headers=headers, json={"row_version": version})
    assert stale.status_code == 409
    done = client.post(
        f"{url}/complete", headers=headers, json={"row_version": appraised.json()["row_version"]}
    )
    assert done.status_code == 200 and done.json()["handed_over"] == [ref]
    offer = client.get(f"{url}/offer?format=csv", headers=headers)
    assert offer.status_code == 200 and offer.headers["content-type"].startswith("text/csv")
    shown = client.get(f"{base}/dossiers/{uuid}", headers=headers).json()
    assert shown["status"] == "handed_over" and shown["disposed_at"]
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/retention/runs/{run_id}/complete" in schema["paths"]
