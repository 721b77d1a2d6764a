"""E-Akte rollout measured from the records, key figures, and the committee report (HTML, PDF)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from eakte import audit
from eakte.audit.service import chain_rows
from eakte.core.portfolio.rollout import MonthlyUse, add_months, last_months, rollout_state
from eakte.db.engine import Database
from eakte.db.migrate import downgrade, upgrade
from eakte.db.schema import audit_log, org_units
from eakte.ingest.filing import Filer
from eakte.portfolio import measures
from tests.helpers import file_text, make_county
from tests.portfolio.test_portfolio_cli import PROJECTS, STAFF


def test_months_and_rollout_states() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert last_months(date(2026, 2, 17), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    idle = [MonthlyUse(date(2026, 1, 1), 2, 0, 0)]
    used = [MonthlyUse(date(2026, 1, 1), 2, 1, 5)]
    today = date(2026, 6, 1)
    assert rollout_state(date(2026, 3, 1), idle, today) == "overdue"
    assert rollout_state(date(2026, 9, 1), idle, today) == "planned"
    assert rollout_state(date(2026, 9, 1), used, today) == "live"  # early


def _county_with_portfolio(
    db: Database, rules: Any, filer: Filer, run: Any, tmp_path: Path
) -> None:
    county = make_county(db, rules)
    file_text(db, filer, county.bau_case, "Bescheid.txt", "Die Baugenehmigung wird erteilt.")
    files = {
        "projekte.csv": PROJECTS,
        "personal.csv": STAFF,
        "einfuehrung.csv": "nr;einheit;go_live\nP-1;BAU;01.01.2026\nP-1;JA;2020-01-01\n"
        "P-1;D2;2099-01-01\n",
        "kennzahlen.csv": "nr;kennzahl;monat;wert\nP-2;Reichweite Social Media;2026-01;1200\n"
        "P-2;Reichweite Social Media;02/2026;1800\nP-2;Plakate;2026-01-01;40\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        result = run("portfolio", "import", str(tmp_path / name))
        assert result.code == 0, result.err


def test_report_shows_rollout_measured_from_records_and_key_figures(
    db: Database, rules: Any, filer: Filer, run: Any, tmp_path: Path
) -> None:
    _county_with_portfolio(db, rules, filer, run, tmp_path)
    html_file = tmp_path / "vorlage.html"
    assert run("portfolio", "report", "-o", str(html_file)).code == 0
    html = html_file.read_text(encoding="utf-8")
    assert "zusätzliche Stellen (VZÄ)" in html and "So wird gerechnet" in html
    rows = {
        line.split("</td>")[0].split("<td>")[-1]: line
        for line in html.split("<tr>")
        if "(BAU)" in line or "(JA)" in line or "(D2)" in line
    }
    assert "in Betrieb" in rows["Bauamt (BAU)"]  # a document was filed this month
    assert "überfällig" in rows["Jugendamt (JA)"]  # go-live 2020, nothing filed
    assert "geplant" in rows["Dezernat II (D2)"]
    assert "Reichweite Social Media" in html and "3.000" in html  # 1200 + 1800
    assert "Plakate" in html


def test_report_as_pdf(db: Database, rules: Any, filer: Filer, run: Any, tmp_path: Path) -> None:
    _county_with_portfolio(db, rules, filer, run, tmp_path)
    pdf = tmp_path / "vorlage.pdf"
    result = run("portfolio", "report", "-o", str(pdf))
    assert result.code == 0, result.err
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_unknown_unit_in_rollout_is_refused(run: Any, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PROJECTS, encoding="utf-8")
    run("portfolio", "import", str(tmp_path / "p.csv"))
    (tmp_path / "e.csv").write_text("nr;einheit;go_live\nP-1;XYZ;2026-13-01\n", encoding="utf-8")
    result = run("portfolio", "import", str(tmp_path / "e.csv"))
    assert result.code == 1 and "Go-live »2026-13-01« ist kein Datum" in result.err


def test_key_figure_entered_on_the_command_line(run: Any, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PROJECTS, encoding="utf-8")
    run("portfolio", "import", str(tmp_path / "p.csv"))
    entered = run("portfolio", "figure", "P-2", "Plakate", "2026-02", "55,5")
    assert entered.code == 0 and "P-2: Plakate 02/2026 = 55.5" in entered.out
    html_file = tmp_path / "v.html"
    run("portfolio", "report", "-o", str(html_file))
    assert "Plakate" in html_file.read_text(encoding="utf-8")
    assert "nicht" in run("portfolio", "figure", "P-9", "Plakate", "2026-02", "1").err


def _unit_ids(db: Database) -> dict[str, int]:
    with db.read() as connection:
        return {row.code: row.id for row in connection.execute(select(org_units))}


def test_active_people_per_unit_and_month(db: Database, rules: Any) -> None:
    """People of a unit with any audited action count once per month; actors who are nobody's
    people (the system, the CLI) do not count."""
    make_county(db, rules)
    units = _unit_ids(db)
    with db.write() as connection:
        audit.record(connection, "bau", "test.read", "case", "x")
        audit.record(connection, "bau", "test.read", "case", "y")  # the same person again
        audit.record(connection, "bau1", "test.read", "case", "x")
        audit.record(connection, "scanstelle", "test.read", "case", "x")
    months = last_months(datetime.now(UTC).date(), 2)
    with db.read() as connection:
        use = measures.measure(connection, [units["BAU"], units["BAU-1"], units["JA"]], months)
    now = {code: use[units[code]][-1].active_users for code in ("BAU", "BAU-1", "JA")}
    assert now == {"BAU": 1, "BAU-1": 1, "JA": 0}
    assert use[units["BAU"]][0].active_users == 0  # last month


def test_the_migration_notes_the_active_people_of_earlier_months(db: Database, rules: Any) -> None:
    """Migration 0012 fills the active people from the events recorded before it."""
    make_county(db, rules)
    units = _unit_ids(db)
    earlier = datetime(2026, 2, 27, 23, 30, tzinfo=UTC)
    with db.write() as connection:
        audit.record(connection, "ja", "test.read", "case", "x")
        last_id, prev_hash = audit.head(connection)
        rows = chain_rows(last_id, prev_hash, [(earlier, "ja2", "test.read", "case", "x", {})])
        connection.execute(audit_log.insert(), rows)
    downgrade(db, "0011")
    upgrade(db)
    months = [date(2026, 2, 1), date(2026, 3, 1)]
    with db.read() as connection:
        assert audit.verify(connection).ok
        use = measures.measure(connection, [units["JA"]], months)
        today = datetime.now(UTC).date()
        this_month = measures.measure(connection, [units["JA"]], last_months(today, 1))
    assert [u.active_users for u in use[units["JA"]]] == [1, 0]
    assert this_month[units["JA"]][0].active_users == 1
