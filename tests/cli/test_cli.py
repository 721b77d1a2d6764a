"""The script contract of the ``eakte`` CLI: JSON shapes, exit codes, one-line errors."""

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_samples

PLAN_CSV = """code,title,retention_years,disposition,lead_unit
63,Bauordnung,,,BAU
63.1,Baugenehmigungen,,,BAU
63.1.2,Baugenehmigungsverfahren,30,B,BAU
"""


@pytest.fixture
def county(run: Any, tmp_path: Path) -> dict[str, str]:
    assert run("init").code == 0
    assert run("unit", "add", "KV", "--name", "Kreisverwaltung").code == 0
    assert run("unit", "add", "BAU", "--name", "Bauamt", "--parent", "KV").code == 0
    assert run("unit", "add", "JA", "--name", "Jugendamt", "--parent", "KV").code == 0
    assert run("user", "add", "m.wagner", "--name", "Maria Wagner", "--unit", "BAU").code == 0
    assert run("user", "add", "t.yilmaz", "--name", "Tarek Yilmaz", "--unit", "JA").code == 0
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV)
    result = run("plan", "import", str(plan), "--json")
    assert result.json == {"created": 3, "updated": 0, "unchanged": 0}
    dossier = run(
        "dossier", "create", "--plan", "63.1.2", "--subject", "Neubau Schule", "--json"
    ).json
    case = run(
        "case", "create", "--dossier", dossier["reference"], "--subject", "Bauantrag", "--json"
    ).json
    return {"dossier": dossier["reference"], "case": case["reference"], "case_id": case["id"]}


def test_create_prints_id_and_reference(county: dict[str, str], run: Any) -> None:
    assert county["dossier"].startswith("63.1.2-0001/")
    assert county["case"] == county["dossier"] + "-001"
    plain = run("dossier", "create", "--plan", "63.1.2", "--subject", "Zweite")
    assert plain.code == 0 and plain.out.strip().startswith("63.1.2-0002/")


def test_add_search_show_check(county: dict[str, str], run: Any, tmp_path: Path) -> None:
    write_samples(tmp_path / "eingang")
    added = run("add", str(tmp_path / "eingang"), "--case", county["case"], "--json")
    assert added.code == 0, added.err
    body = added.json
    assert (body["added"], body["duplicates"], body["failed"]) == (8, 0, [])
    again = run("add", str(tmp_path / "eingang"), "--case", county["case"], "--json").json
    assert (again["added"], again["duplicates"]) == (0, 8)

    found = run("search", "Naturschutzbehörden", "--as", "m.wagner", "--json")
    assert found.code == 0
    result = found.json
    assert result["total"] == 1
    hit = result["hits"][0]
    assert set(hit) >= {"document_id", "reference", "title", "snippet", "score"}
    assert hit["reference"] == county["case"]
    assert "<mark>Naturschutzbehörde</mark>" in hit["snippet"]

    hidden = run("search", "Naturschutzbehörden", "--as", "t.yilmaz", "--json").json
    assert hidden == {"total": 0, "hits": []}

    readable = run("search", "Naturschutzbehörde", "--as", "m.wagner")
    assert "1 Treffer" in readable.out and "Stellungnahme" in readable.out

    shown = run("show", hit["document_id"], "--json").json
    assert shown["type"] == "document" and shown["versions"][0]["sha256"]
    assert run("show", county["case"]).code == 0
    assert "Neubau Schule" in run("show", county["dossier"]).out
    denied = run("show", county["dossier"], "--as", "t.yilmaz")
    assert denied.code == 1 and "gibt es nicht" in denied.err

    checked = run("check", "--json")
    assert checked.code == 0 and checked.json["ok"] and checked.json["contents_checked"] == 9


def test_check_names_damage_and_exits_2(county: dict[str, str], run: Any, tmp_path: Path) -> None:
    doc = tmp_path / "brief.txt"
    doc.write_text("Original")
    run("add", str(doc), "--case", county["case"])
    blob_root = Path(os.environ["EAKTE_DATA"]) / "blobs"
    stored = next(p for p in blob_root.rglob("*") if p.is_file() and len(p.name) == 64)
    stored.chmod(0o644)
    stored.write_text("verändert")
    result = run("check")
    assert result.code == 2
    assert stored.name in result.out and "Prüfsumme" in result.out
    stored.unlink()
    missing = run("check", "--json")
    assert missing.code == 2 and "fehlt" in missing.json["damaged"][0]


def test_user_errors_are_one_line_with_exit_1(county: dict[str, str], run: Any) -> None:
    cases = [
        ("search", '"offen', "--as", "m.wagner"),
        ("search", "Schule"),
        ("search", "Schule", "--as", "niemand"),
        ("dossier", "create", "--plan", "63.1", "--subject", "X"),
        ("dossier", "create", "--plan", "99", "--subject", "X"),
        ("case", "create", "--dossier", "gibt-es-nicht", "--subject", "X"),
        ("unit", "add", "BAU", "--name", "doppelt"),
        ("user", "add", "x", "--name", "X", "--unit", "FEHLT"),
        ("add", "/gibt/es/nicht", "--case", "falsch"),
        ("show", "nichts"),
        ("dossier", "create", "--plan", "63.1.2"),
    ]
    for args in cases:
        result = run(*args)
        assert result.code == 1, args
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Fehler: "), (args, result.err)
        assert "Traceback" not in result.err


def test_closed_case_refuses_on_the_cli(county: dict[str, str], run: Any, tmp_path: Path) -> None:
    assert run("case", "close", county["case"]).code == 0
    doc = tmp_path / "spät.txt"
    doc.write_text("zu spät")
    result = run("add", str(doc), "--case", county["case"])
    assert result.code == 1 and "z.d.A." in result.err
    assert run("dossier", "close", county["dossier"], "--json").json["closed_at"]


def test_not_initialised_data_folder(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    from eakte.cli.main import main

    monkeypatch.setenv("EAKTE_DATA", str(tmp_path / "leer"))
    monkeypatch.delenv("EAKTE_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["unit", "list"])
    assert exit_info.value.code == 1
    assert "eakte init" in capsys.readouterr().err
    assert not (tmp_path / "leer").exists()


def test_bad_setting_is_one_line(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("EAKTE_INGEST_BATCH_SIZE", "null")
    result = run("unit", "list")
    assert result.code == 1 and "ingest_batch_size" in result.err


def test_audit_verify_and_head(county: dict[str, str], run: Any) -> None:
    verified = run("audit", "verify", "--json").json
    head = run("audit", "head", "--json").json
    assert verified["ok"] and verified["head"] == head["head"]
    assert head["events"] == verified["events"] >= 7


def test_lists(county: dict[str, str], run: Any) -> None:
    units = run("unit", "list", "--json").json
    assert {"code": "BAU", "name": "Bauamt", "parent": "KV"} in units
    plan = run("plan", "list", "--json").json
    assert plan[-1] == {
        "code": "63.1.2",
        "title": "Baugenehmigungsverfahren",
        "retention_years": 30,
        "disposition": "B",
        "lead_unit": "BAU",
        "dossiers": 1,
    }
    users = run("user", "list", "--json").json
    assert users[0]["login"] == "m.wagner"
    assert "Baugenehmigungsverfahren" in run("plan", "list").out
    json.dumps(units)


def test_grant_and_policy_commands(county: dict[str, str], run: Any) -> None:
    ref = county["dossier"]
    assert run("show", ref, "--as", "t.yilmaz").code == 1
    added = run("grant", "add", ref, "--user", "t.yilmaz", "--note", "Amtshilfe", "--json")
    assert added.code == 0, added.err
    assert added.json["user"] == "t.yilmaz" and added.json["access"] == "read"
    assert run("show", ref, "--as", "t.yilmaz").code == 0
    listed = run("grant", "list", ref, "--json").json
    assert [(g["user"], g["note"]) for g in listed] == [("t.yilmaz", "Amtshilfe")]
    again = run("grant", "add", ref, "--user", "t.yilmaz")
    assert again.code == 1 and "schon eine Freigabe" in again.err
    assert run("grant", "revoke", ref, str(added.json["id"])).code == 0
    assert run("show", ref, "--as", "t.yilmaz").code == 1
    assert run("grant", "list", ref, "--json").json == []

    assert run("policy", "list", "--json").json == {"superior_units_read": "on"}
    assert run("policy", "set", "superior_units_read", "off").code == 0
    assert run("policy", "list", "--json").json == {"superior_units_read": "off"}
    unknown = run("policy", "set", "alles_lesen", "on")
    assert unknown.code == 1 and "gibt es nicht" in unknown.err
    assert run("audit", "verify").code == 0


def test_reopen_needs_a_reason_and_the_dossier_first(county: dict[str, str], run: Any) -> None:
    assert run("case", "close", county["case"]).code == 0
    assert run("dossier", "close", county["dossier"]).code == 0
    blank = run("case", "reopen", county["case"], "--reason", " ")
    assert blank.code == 1 and "Grund" in blank.err
    early = run("case", "reopen", county["case"], "--reason", "Nachtrag")
    assert early.code == 1 and "zuerst die Akte wiedereröffnen" in early.err
    as_clerk = run(
        "dossier", "reopen", county["dossier"], "--reason", "Nachtrag", "--as", "m.wagner"
    )
    assert as_clerk.code == 1 and "registry" in as_clerk.err
    done = run("dossier", "reopen", county["dossier"], "--reason", "Widerspruch", "--json")
    assert done.code == 0 and done.json["closed"] is False
    assert run("case", "reopen", county["case"], "--reason", "Nachtrag").code == 0
    shown = run("show", county["case"], "--json").json
    assert shown["closed_at"] is None


def test_audit_export(county: dict[str, str], run: Any, tmp_path: Path) -> None:
    plain = run("audit", "export", county["dossier"])
    assert plain.code == 0
    assert f"Vorgang angelegt: {county['case']} »Bauantrag«" in plain.out
    events = run("audit", "export", county["case"], "--json").json
    assert [e["action"] for e in events] == ["case.create"] and len(events[0]["hash"]) == 64
    target = tmp_path / "verlauf.csv"
    assert run("audit", "export", county["dossier"], "--csv", str(target)).code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeitpunkt", "Person", "Aktion"] and len(rows) == 3
    assert json.loads(rows[1][5])["reference"] == county["case"]
    missing = run("audit", "export", "99.9-0001/2026")
    assert missing.code == 1 and "gefunden" in missing.err
