"""Closing and reopening: the dossier page closes, the registry reopens with a reason, and a
closed case or dossier refuses changes on every path (page, API, CLI) with a clear message."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.db.schema import audit_events, cases, documents
from eakte.records import dossiers, grants, organisation
from eakte.settings import Settings
from tests.helpers import County
from tests.web.conftest import PASSWORD, login


@pytest.fixture
def registry(db: Database, county: County) -> str:
    with db.write() as c:
        organisation.add_user(c, "reg", "Rita Registratur", ["KV"], "test", roles=["registry"])
        auth.set_password(c, "reg", PASSWORD, "test")
    return "reg"


def _close_all(db: Database, county: County) -> None:
    with db.write() as c:
        dossiers.close_case(c, county.bau_case.uuid, "test")
        dossiers.close_dossier(c, county.bau_dossier.uuid, "test")


def _events(db: Database, action: str) -> list[Any]:
    with db.read() as c:
        return list(
            c.execute(
                text("SELECT actor, details FROM audit_events WHERE action = :a ORDER BY id"),
                {"a": action},
            ).all()
        )


def test_the_lead_unit_closes_its_dossier_from_the_page(
    client: TestClient, db: Database, county: County
) -> None:
    csrf = login(client, "bau")
    page = f"/akten/{county.bau_dossier.uuid}"
    assert "Akte abschließen (z.d.A.)" in client.get(page).text
    early = client.post(f"{page}/abschliessen", data={"csrf": csrf})
    assert early.status_code == 400 and "noch offene Vorgänge" in early.text
    client.post(f"/vorgaenge/{county.bau_case.uuid}/abschliessen", data={"csrf": csrf})
    done = client.post(f"{page}/abschliessen", data={"csrf": csrf})
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "abgeschlossen (z.d.A.) am" in shown and "Akte abschließen" not in shown
    assert "Wiedereröffnen" not in shown  # a clerk does not reopen
    assert [row.actor for row in _events(db, "dossier.close")] == ["bau"]


def test_who_else_may_not_close(client: TestClient, db: Database, county: County) -> None:
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.uuid, "test", unit_code="JA", access="write")
    csrf = login(client, "ja2")  # may read and file by a grant, but not steer the dossier
    page = f"/akten/{county.bau_dossier.uuid}"
    assert "Akte abschließen" not in client.get(page).text
    refused = client.post(f"{page}/abschliessen", data={"csrf": csrf})
    assert refused.status_code == 403 and "Registratur" in refused.text


def test_registry_reopens_with_a_reason(
    client: TestClient, db: Database, county: County, registry: str
) -> None:
    _close_all(db, county)
    csrf = login(client, registry)
    dossier_page, case_page = (
        f"/akten/{county.bau_dossier.uuid}",
        f"/vorgaenge/{county.bau_case.uuid}",
    )
    case_shown = client.get(case_page).text
    assert "zuerst die Akte wiedereröffnen" in case_shown and 'name="grund"' not in case_shown
    early = client.post(f"{case_page}/wiedereroeffnen", data={"csrf": csrf, "grund": "Nachtrag"})
    assert early.status_code == 409 and "zuerst die Akte wiedereröffnen" in early.text
    assert 'name="grund"' in client.get(dossier_page).text
    empty = client.post(f"{dossier_page}/wiedereroeffnen", data={"csrf": csrf, "grund": "  "})
    assert empty.status_code == 400 and "Grund" in empty.text
    done = client.post(
        f"{dossier_page}/wiedereroeffnen", data={"csrf": csrf, "grund": "Widerspruch eingegangen"}
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Akte wiedereröffnet – Grund: Widerspruch eingegangen" in shown
    assert "Status</dt><dd>offen" in shown
    done = client.post(f"{case_page}/wiedereroeffnen", data={"csrf": csrf, "grund": "Nachtrag"})
    assert done.status_code == 303
    assert "Vorgang wiedereröffnet – Grund: Nachtrag" in client.get(case_page).text
    reopened = _events(db, "dossier.reopen") + _events(db, "case.reopen")
    assert [row.actor for row in reopened] == ["reg", "reg"]
    assert json.loads(reopened[0].details)["reason"] == "Widerspruch eingegangen"


def test_only_the_registry_reopens(client: TestClient, db: Database, county: County) -> None:
    _close_all(db, county)
    csrf = login(client, "bau")
    refused = client.post(
        f"/akten/{county.bau_dossier.uuid}/wiedereroeffnen", data={"csrf": csrf, "grund": "x"}
    )
    assert refused.status_code == 403 and "registry" in refused.text
    assert _events(db, "dossier.reopen") == []


def test_a_disposed_dossier_is_not_reopened(
    client: TestClient, db: Database, county: County, registry: str
) -> None:
    _close_all(db, county)
    with db.write() as c:
        c.execute(
            text("UPDATE dossiers SET disposal = 'destroyed' WHERE id = :id"),
            {"id": county.bau_dossier.id},
        )
    csrf = login(client, registry)
    page = f"/akten/{county.bau_dossier.uuid}"
    assert "Die Akte wurde vernichtet." in client.get(page).text
    refused = client.post(f"{page}/wiedereroeffnen", data={"csrf": csrf, "grund": "Irrtum"})
    assert refused.status_code == 409 and "vernichtet" in refused.text


def test_api_reopen(client: TestClient, db: Database, county: County, registry: str) -> None:
    _close_all(db, county)
    with db.write() as c:
        reg = {"Authorization": f"Bearer {auth.create_token(c, registry, 'Test', 't')}"}
        bau = {"Authorization": f"Bearer {auth.create_token(c, 'bau', 'Test', 't')}"}
    dossier_url = f"/api/v1/dossiers/{county.bau_dossier.uuid}/reopen"
    case_url = f"/api/v1/cases/{county.bau_case.uuid}/reopen"
    assert client.post(dossier_url, json={"reason": "x"}, headers=bau).status_code == 403
    blank = client.post(dossier_url, json={"reason": ""}, headers=reg)
    assert blank.status_code == 400 and "Grund" in blank.json()["detail"]
    early = client.post(case_url, json={"reason": "Nachtrag"}, headers=reg)
    assert early.status_code == 409 and "zuerst die Akte" in early.json()["detail"]
    done = client.post(dossier_url, json={"reason": "Nachtrag"}, headers=reg)
    assert done.status_code == 200 and done.json()["closed"] is False
    assert client.post(case_url, json={"reason": "Nachtrag"}, headers=reg).json()["closed"] is False
    again = client.post(case_url, json={"reason": "Nachtrag"}, headers=reg)
    assert again.status_code == 409 and "nicht abgeschlossen" in again.json()["detail"]


def _stored(db: Database, blobs_dir: Path) -> tuple[int, int, int, int]:
    with db.read() as c:
        counts = [
            c.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (documents, cases, audit_events)
        ]
    return (*counts, sum(1 for p in blobs_dir.rglob("*") if p.is_file()))


def test_closed_refuses_changes_on_every_path(
    client: TestClient, db: Database, county: County, settings: Settings, run: Any, tmp_path: Path
) -> None:
    _close_all(db, county)
    with db.write() as c:
        token = {"Authorization": f"Bearer {auth.create_token(c, 'bau', 'Test', 't')}"}
    csrf = login(client, "bau")
    case_id, dossier_id = county.bau_case.uuid, county.bau_dossier.uuid
    filed = client.get(f"/api/v1/cases/{case_id}", headers=token).json()["documents"][0]
    document = client.get(f"/api/v1/documents/{filed['id']}", headers=token).json()
    before = _stored(db, settings.resolved_blob_dir)
    upload = ("Nachtrag.txt", b"Nachgereichte Unterlagen", "text/plain")
    answers = {
        "page upload": client.post(
            f"/vorgaenge/{case_id}/dokumente", data={"csrf": csrf}, files=[("dateien", upload)]
        ),
        "page close again": client.post(f"/vorgaenge/{case_id}/abschliessen", data={"csrf": csrf}),
        "API upload": client.post(
            f"/api/v1/cases/{case_id}/documents", headers=token, files=[("files", upload)]
        ),
        "API new case": client.post(
            "/api/v1/cases", headers=token, json={"dossier": dossier_id, "subject": "Neu"}
        ),
        "API close again": client.post(f"/api/v1/dossiers/{dossier_id}/close", headers=token),
        "API new version": client.post(
            f"/api/v1/documents/{document['id']}/versions",
            headers=token,
            data={"row_version": str(document["row_version"])},
            files=[("file", upload)],
        ),
        "API metadata": client.patch(
            f"/api/v1/documents/{document['id']}",
            headers=token,
            json={"row_version": document["row_version"], "title": "Neu"},
        ),
    }
    for path, answer in answers.items():
        assert answer.status_code == 409, (path, answer.text)
        message = answer.json()["detail"] if path.startswith("API") else answer.text
        assert "abgeschlossen (z.d.A.) und schreibgeschützt" in message, path
    late = tmp_path / "Nachtrag.txt"
    late.write_bytes(b"Nachgereichte Unterlagen")
    for args in (
        ("add", str(late), "--case", county.bau_case.reference),
        ("case", "create", "--dossier", county.bau_dossier.reference, "--subject", "Neu"),
    ):
        result = run(*args)
        assert result.code == 1 and "abgeschlossen (z.d.A.) und schreibgeschützt" in result.err
    assert _stored(db, settings.resolved_blob_dir) == before  # nothing stored anywhere
