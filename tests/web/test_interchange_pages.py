"""The registry's xdomea pages (Austausch): a handover (0401) made from the form, a foreign
package taken in with our 0402 reply, refusals that leave nothing behind, and the xdomea way of
a disposal run (0501 offer, 0503 handover) from the run page."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.interchange.model import XDossier
from eakte.records import dossiers, organisation
from eakte.settings import Settings
from eakte.web import create_app
from tests.helpers import County
from tests.interchange.test_import import blob_files, build_0401, count_rows, zip_built
from tests.web.conftest import PASSWORD, login

XDOMEA = Path(__file__).resolve().parents[3] / "shared" / "xdomea"
LONG_AGO = datetime(1990, 6, 1, tzinfo=UTC)
PROCESS_LINK = re.compile(r"^/registratur/austausch/(\d+)\?hinweis=")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The web app's settings with the official xdomea schemas (or skip)."""
    schemas = XDOMEA / "schema"
    if not (schemas / "3.0.0" / "xdomea.xsd").is_file():
        pytest.skip(f"../shared/xdomea fehlt ({XDOMEA}); diese Tests brauchen die xdomea-Schemas.")
    return settings.model_copy(update={"xdomea_schemas": schemas})


@pytest.fixture
def registry(db: Database, county: County) -> County:
    """A registry clerk of the Bauamt; the Bauamt's dossier closed in 1990, so due."""
    with db.write() as c:
        organisation.add_user(c, "reg", "Lena Hoffmann", ["BAU"], "t", ["registry", "clerk"])
        auth.set_password(c, "reg", PASSWORD, "t")
        dossiers.close_case(c, county.bau_case.reference, "t", closed_at=LONG_AGO)
        dossiers.close_dossier(c, county.bau_dossier.reference, "t", closed_at=LONG_AGO)
    return county


def _process_url(response: Any) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert PROCESS_LINK.match(location), location
    return str(location)


def _state(page: str) -> str:
    """The process state as the process page shows it."""
    return page.split('id="process-state">')[1].split("<")[0]


def _links(page: str, kind: str) -> list[str]:
    return re.findall(rf'href="(/registratur/austausch/nachrichten/\d+/{kind})"', page)


def _zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _receive(client: TestClient, csrf: str, name: str, data: bytes, **form: str) -> Any:
    files = {"datei": (name, data, "application/octet-stream")}
    return client.post("/registratur/austausch/empfang", data={"csrf": csrf, **form}, files=files)


def test_overview_needs_the_registry_role(client: TestClient, registry: County) -> None:
    signed_out = client.get("/registratur/austausch")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?weiter=/registratur/austausch")
    login(client, "bau")  # a clerk, not registry
    assert client.get("/registratur/austausch").status_code == 403
    login(client, "reg")
    assert 'href="/registratur/austausch"' in client.get("/registratur").text
    page = client.get("/registratur/austausch")
    assert page.status_code == 200
    for heading in (
        "Austausch mit anderen Behörden und dem Archiv (xdomea)",
        "Abgabe an eine andere Behörde (0401)",
        "Nachricht empfangen",
    ):
        assert heading in page.text
    assert "Noch kein Austausch." in page.text


def test_handover_form_makes_a_package_to_download(
    client: TestClient, db: Database, blobs: FolderBlobStore, registry: County
) -> None:
    csrf = login(client, "reg")
    reference = registry.bau_dossier.reference
    form = {"objekte": reference, "empfaenger": "Landkreis Nachbarland", "version": "3.0.0"}
    refused = client.post("/registratur/austausch/abgabe", data={**form, "csrf": "falsch"})
    assert refused.status_code == 403
    unknown = client.post(
        "/registratur/austausch/abgabe", data={**form, "objekte": "99.9-0001/2026", "csrf": csrf}
    )
    assert unknown.status_code == 404
    assert "99.9-0001/2026" in unknown.text and "weder eine Akte noch ein Vorgang" in unknown.text
    assert "Noch kein Austausch." in client.get("/registratur/austausch").text

    url = _process_url(client.post("/registratur/austausch/abgabe", data={**form, "csrf": csrf}))
    page = client.get(url).text
    assert "Abgabe an Landkreis Nachbarland erstellt: " in page
    assert _state(page) == "gesendet, Bestätigung ausstehend" and "0401 Abgabe" in page
    assert reference in page  # the object, by its reference
    (package_link,) = _links(page, "paket")
    package = client.get(package_link)
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    entries = _zip_entries(package.content)
    (xml_name,) = [n for n in entries if n.endswith(".xml")]
    assert xml_name.endswith("_Abgabe.Abgabe.0401.xml")
    assert b"Die Baugenehmigung wird erteilt." in entries.values()
    assert reference.encode() in entries[xml_name]
    (xml_link,) = _links(page, "xml")
    xml = client.get(xml_link)
    assert xml.status_code == 200 and xml.content == entries[xml_name]
    assert "attachment" in xml.headers["content-disposition"]
    listed = client.get("/registratur/austausch").text
    assert "Noch kein Austausch." not in listed and "Landkreis Nachbarland" in listed


def test_a_foreign_package_is_taken_in_and_answered(
    client: TestClient, registry: County, tmp_path: Path
) -> None:
    csrf = login(client, "reg")
    built = build_0401()
    (dossier,) = built.package.objects
    assert isinstance(dossier, XDossier)
    data = zip_built(tmp_path, built).read_bytes()
    url = _process_url(_receive(client, csrf, f"{built.name}.zip", data, plan="63.1.2"))
    page = client.get(url).text
    assert "Übernommen: 1 Akte(n), 2 Vorgang/Vorgänge, 3 Dokument(e), 4 Datei(en)." in page
    assert _state(page) == "übernommen"
    assert "Landkreis Nachbarland" in page
    assert "FREMD-63-0007/2019 – Windpark Quellwiese" in page
    assert "FREMD-63-0007/2019-001 – Bauantrag" in page and "Antrag Lindenstraße" in page
    assert "0401 Abgabe" in page and "0402 Importbestätigung der Abgabe" in page
    (reply_link,) = _links(page, "paket")
    reply = _zip_entries(client.get(reply_link).content)
    process_id = built.package.header.process_id
    assert list(reply) == [f"{process_id}_Abgabe.ImportBestaetigen.0402.xml"]
    assert len(_links(page, "xml")) == 2  # the message received and our reply, kept

    login(client, "bau")  # the plan item's unit reads what came in
    shown = client.get(f"/akten/{dossier.common.uuid}")
    assert shown.status_code == 200
    assert "FREMD-63-0007/2019" in shown.text and "Windpark Quellwiese" in shown.text


def test_refused_uploads_store_nothing(
    client: TestClient,
    db: Database,
    blobs: FolderBlobStore,
    settings: Settings,
    registry: County,
    tmp_path: Path,
) -> None:
    csrf = login(client, "reg")
    built = build_0401()
    data = zip_built(tmp_path, built).read_bytes()
    before, files_before = count_rows(db), blob_files(blobs)
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n'
        b'<xdomea:Abgabe.Abgabe.0401 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">&e;'
        b"</xdomea:Abgabe.Abgabe.0401>"
    )
    refusals = [
        (_receive(client, csrf, f"{built.name}.zip", data), "Aktenplanposition"),
        (
            _receive(client, csrf, "brief.zip", b"kein ZIP und kein XML", plan="63.1.2"),
            "weder ein xdomea-Paket (ZIP) noch eine xdomea-Nachricht (XML)",
        ),
        (_receive(client, csrf, "nachricht.xml", doctype, plan="63.1.2"), "DTD/Entitäten"),
        (
            _receive(client, "falsch", f"{built.name}.zip", data, plan="63.1.2"),
            "Formular ist abgelaufen",
        ),
    ]
    assert [response.status_code for response, _ in refusals] == [400, 400, 400, 403]
    for response, wording in refusals:
        assert wording in response.text and "Traceback" not in response.text
    assert count_rows(db) == before and blob_files(blobs) == files_before
    assert "Noch kein Austausch." in client.get("/registratur/austausch").text
    assert not list((settings.data / "xdomea" / "tmp").iterdir())  # no upload left lying

    small = settings.model_copy(update={"xdomea_max_package_bytes": 2_000})
    with TestClient(create_app(small), follow_redirects=False) as limited:
        token = login(limited, "reg")
        before = count_rows(db)  # signing in is audited
        too_big = _receive(limited, token, f"{built.name}.zip", data, plan="63.1.2")
    assert too_big.status_code == 400
    assert "größer als die erlaubten 2.000 Bytes" in too_big.text
    assert count_rows(db) == before and blob_files(blobs) == files_before


def test_disposal_run_offered_and_handed_over_with_xdomea(
    client: TestClient, registry: County
) -> None:
    csrf = login(client, "reg")
    uuid = registry.bau_dossier.uuid
    created = client.post("/registratur/laeufe", data={"csrf": csrf, "akten": uuid})
    assert created.status_code == 303
    run_url = created.headers["location"].split("?")[0]
    page = client.get(run_url).text
    assert "Als xdomea 0501 anbieten" in page
    version = page.split('name="version" value="')[1].split('"')[0]
    archive = {"empfaenger": "Kreisarchiv Musterland", "xdomea": "3.0.0"}
    offered = client.post(
        f"{run_url}/xdomea/anbieten", data={"csrf": csrf, "version": version, **archive}
    )
    url = _process_url(offered)
    page = client.get(url).text
    assert "Anbieteverzeichnis (0501) für 1 Akte(n) erstellt" in page
    assert _state(page) == "dem Archiv angeboten" and "0501 Anbieteverzeichnis" in page
    assert registry.bau_dossier.reference in page
    (offer_link,) = _links(page, "paket")
    assert [n for n in _zip_entries(client.get(offer_link).content) if not n.endswith(".xml")] == []

    page = client.get(run_url).text
    process_link = url.split("?")[0]
    assert f'href="{process_link}"' in page  # the run links to its process
    assert "dem Archiv angeboten" in page and "Mit xdomea 0503 übergeben" not in page
    version = page.split('name="version" value="')[1].split('"')[0]
    appraised = client.post(
        f"{run_url}/bewertung",
        data={"csrf": csrf, "version": version, "akte": uuid, "bewertung": "archive"},
    )
    assert appraised.status_code == 303
    page = client.get(run_url).text
    assert "Mit xdomea 0503 übergeben und vernichten" in page
    assert 'name="empfaenger" required maxlength="300" value="Kreisarchiv Musterland"' in page
    version = page.split('name="version" value="')[1].split('"')[0]
    form = {"csrf": csrf, "version": version, **archive}
    unconfirmed = client.post(f"{run_url}/xdomea/uebergeben", data=form)
    assert unconfirmed.status_code == 400 and "bestätigen" in unconfirmed.text
    done = client.post(f"{run_url}/xdomea/uebergeben", data={**form, "bestaetigt": "ja"})
    assert _process_url(done).split("?")[0] == process_link
    page = client.get(done.headers["location"]).text
    assert (
        "Aussonderungslauf abgeschlossen: 1 Akte(n) an das Archiv übergeben, 0 vernichtet" in page
    )
    assert "0503 Aussonderung" in page
    assert _state(page) == "an das Archiv übergeben, Bestätigung ausstehend"
    links = _links(page, "paket")
    assert len(links) == 2  # 0501 and 0503 wait in the outbox
    entries = _zip_entries(client.get(links[-1]).content)
    assert any(n.endswith("_Aussonderung.Aussonderung.0503.xml") for n in entries)
    assert b"Die Baugenehmigung wird erteilt." in entries.values()
    run_page = client.get(run_url).text
    assert "abgeschlossen" in run_page and f'href="{process_link}"' in run_page
    listed = client.get("/registratur/austausch").text
    assert f'href="{run_url}">Lauf {run_url.rsplit("/", 1)[1]}</a>' in listed
