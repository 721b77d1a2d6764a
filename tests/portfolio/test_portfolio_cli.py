"""The portfolio through the ``eakte portfolio`` commands, on SQLite and PostgreSQL.

Defaults: 1600 h per FTE and year (400 h a quarter), operations share 30 %: two DEV people
have 2 × 400 × 0.7 = 560 h a quarter for projects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PROJECTS = (
    "nr;titel;abteilung;status;prioritaet;beginn;ende;termin;abhaengig_von;"
    "aufwand_dev;betrieb_org\n"
)
PROJECTS += """P-1;E-Akte Bauamt;Bauamt;laufend;90;2026-Q1;2026-Q2;;;1600;
P-2;Online-Antrag Wohngeld;Sozialamt;geplant;10;Q1/2026;Q1/2026;2027-Q1;;800;0,5
"""
STAFF = """rolle;rollenname;koepfe;stellenanteil;ab;bis;vermerk
DEV;Entwicklung;2;1;;;Stammpersonal
ORG;Organisation;1;1;;;
"""


def _setup(run: Any, tmp_path: Path) -> None:
    (tmp_path / "projekte.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "personal.csv").write_text(STAFF, encoding="utf-8")
    assert run("portfolio", "import", str(tmp_path / "personal.csv")).code == 0
    result = run("portfolio", "import", str(tmp_path / "projekte.csv"), "--json")
    assert result.code == 0, result.err
    assert result.json == {"created": 2, "updated": 0, "staff_roles": []}


def _cell(report: dict[str, Any], role: str, quarter: str) -> dict[str, Any]:
    return next(c for c in report["cells"] if c["role"] == role and c["quarter"] == quarter)


def test_import_and_gap_per_quarter_and_role(run: Any, tmp_path: Path) -> None:
    _setup(run, tmp_path)
    report = run("portfolio", "gap", "--json").json
    assert (report["first"], report["last"]) == ("2026-Q1", "2027-Q2")
    first = _cell(report, "DEV", "2026-Q1")
    assert first["demand_hours"] == 1600  # 800 (P-1) + 800 (P-2)
    assert first["capacity_hours"] == 560
    assert first["gap_fte"] == 2.6  # (1600 − 560) / 400
    assert _cell(report, "DEV", "2026-Q2")["gap_fte"] == 0.6
    # P-2's operating load: 0.5 FTE ORG from 2026-Q2 = 200 h against 280 h.
    assert _cell(report, "ORG", "2026-Q2")["gap_fte"] == -0.2
    dev = next(r for r in report["roles"] if r["role"] == "DEV")
    assert dev["name"] == "Entwicklung"
    assert dev["posts"] == 0  # two quarters only: a temporary peak
    assert dev["max_peak_fte"] == 2.6
    assert report["conflicts"] == []
    text = run("portfolio", "gap")
    assert "Stellenmehrbedarf insgesamt: 0 VZÄ" in text.out


def test_faulty_rows_are_named_and_nothing_is_imported(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "kaputt.csv"
    bad.write_text(
        "nr,titel,beginn,ende,aufwand_dev\n"
        "X-1,Gut,2026-Q1,2026-Q2,100\n"
        "X-2,Schlecht,2026-Q5,2026-Q2,100\n"
        "X-3,,2026-Q1,2026-Q2,viel\n",
        encoding="utf-8",
    )
    result = run("portfolio", "import", str(bad))
    assert result.code == 1
    assert "Zeile 3: »2026-Q5« ist kein Quartal" in result.err
    assert "Zeile 4: Spalte »titel« ist leer." in result.err
    assert "Das Portfolio ist leer" in run("portfolio", "gap").err


def test_xlsx_round_trip_keeps_projects_and_staff(run: Any, tmp_path: Path) -> None:
    _setup(run, tmp_path)
    book = tmp_path / "portfolio.xlsx"
    assert run("portfolio", "export", str(book)).code == 0
    again = run("portfolio", "import", str(book), "--json").json
    assert again == {"created": 0, "updated": 2, "staff_roles": ["DEV", "ORG"]}
    assert run("portfolio", "gap", "--json").json["cells"][0]["capacity_hours"] == 560


def test_scenario_snapshot_and_diff(run: Any, tmp_path: Path) -> None:
    _setup(run, tmp_path)
    assert run("portfolio", "freeze", "Ausschuss März", "--date", "2026-03-12").code == 0
    made = run("portfolio", "scenario", "set", "Verschieben", "shift:P-2:+2", "posts:DEV:2026-Q1:1")
    assert "P-2 um 2 Quartal(e) später" in made.out
    report = run("portfolio", "gap", "--scenario", "Verschieben", "--json").json
    assert _cell(report, "DEV", "2026-Q1")["gap_fte"] == -0.4  # (800 − 960) / 400
    assert _cell(report, "DEV", "2026-Q3")["gap_fte"] == -0.4
    (tmp_path / "neu.csv").write_text(
        "nr;titel;beginn;ende;aufwand_dev\nP-3;Netzerneuerung;2026-Q3;2027-Q4;6400\n",
        encoding="utf-8",
    )
    run("portfolio", "import", str(tmp_path / "neu.csv"))
    diff = run("portfolio", "diff", "Ausschuss März", "--json").json
    assert diff["changes"] == [{"project": "P-3", "change": "neu: Netzerneuerung"}]
    # P-3: 6400 h over 6 quarters ≈ 1067 h against 560 h → 1.27 FTE, lasting: 1.5 posts.
    assert (diff["posts_before"], diff["posts_after"]) == (0, 1.5)
    frozen = run("portfolio", "gap", "--snapshot", "Ausschuss März", "--json").json
    assert frozen["projects"] == 2
    assert "gibt es schon" in run("portfolio", "freeze", "Ausschuss März").err


def test_level_moves_the_low_priority_project_out_of_the_peak(run: Any, tmp_path: Path) -> None:
    _setup(run, tmp_path)
    result = run("portfolio", "level", "--seconds", "10", "--save-as", "Geglättet", "--json")
    assert result.code == 0, result.err
    levelled = result.json
    assert levelled["peak_gap_before_fte"] == 2.6
    assert levelled["peak_gap_after_fte"] == 0.6  # P-2 alone in 2026-Q3: (800 − 560) / 400
    assert levelled["shifts"] == ["shift:P-2:+2"]  # P-1 is running: it stays
    scenario = run("portfolio", "gap", "--scenario", "Geglättet", "--json").json
    assert scenario["peak_gap_fte"] == 0.6
