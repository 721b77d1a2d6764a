"""The demo county's digitalisation programme: about a hundred projects, five roles, staff, the
E-Akte rollout per department, a campaign's reach figures, a scenario and a frozen stand."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from sqlalchemy import Connection

from eakte.core.portfolio.model import Plan, Project, StaffLine
from eakte.core.portfolio.quarters import quarter
from eakte.core.portfolio.scenarios import parse_change
from eakte.db.engine import Database
from eakte.portfolio import measures, repository

ACTOR = "demo"
ROLES = (
    ("PL", "Projektleitung"),
    ("DEV", "Anwendungen und Fachverfahren"),
    ("NET", "Netze und Infrastruktur"),
    ("ORG", "Organisation und Prozesse"),
    ("SUP", "Support und Schulung"),
)
STAFF = (
    StaffLine("PL", 4, 1.0, note="Stammpersonal"),
    StaffLine("DEV", 8, 0.9, note="Stammpersonal"),
    StaffLine("NET", 5, 1.0, note="Stammpersonal"),
    StaffLine("ORG", 4, 0.8, note="Stammpersonal"),
    StaffLine("SUP", 6, 1.0, note="Stammpersonal"),
    StaffLine("DEV", 1, 1.0, last=quarter(2026, 4), note="befristet bis Ende 2026"),
)
OZG_SERVICES = (
    ("Wohngeld online", "SA"),
    ("Elterngeld-Anbindung (EfA)", "JA"),
    ("i-Kfz Zulassung", "OA"),
    ("Führerscheinantrag online", "OA"),
    ("Digitaler Bauantrag", "BAU"),
    ("Gewerbeanmeldung online", "OA"),
    ("Anwohnerparkausweis", "OA"),
    ("Sondernutzungserlaubnis", "OA"),
    ("Waffenrechtliche Erlaubnis", "OA"),
    ("Jagdschein online", "OA"),
    ("Fischereischein online", "OA"),
    ("BAföG digital", "SA"),
    ("Schülerbeförderung", "HA"),
    ("Kita-Platz-Vergabe", "JA"),
    ("Eingliederungshilfe", "SA"),
    ("Unterhaltsvorschuss online", "JA"),
    ("Wohnberechtigungsschein", "SA"),
    ("Einbürgerungsantrag", "OA"),
    ("Aufenthaltstitel digital", "OA"),
    ("Veranstaltungsgenehmigung", "OA"),
    ("Abfallgebühren und Sperrmüll", "HA"),
    ("Bauvorbescheid online", "BAU"),
    ("Denkmalrechtliche Genehmigung", "BAU"),
    ("Baumfällgenehmigung", "BAU"),
    ("Schwerbehindertenausweis", "SA"),
    ("Hilfe zur Pflege", "SA"),
    ("Bildung und Teilhabe", "SA"),
    ("Gaststättenerlaubnis", "OA"),
    ("Lebensmittelkontrolle Meldungen", "OA"),
    ("Hundesteuer und Tierhaltung", "OA"),
    ("Vormundschaftsmeldungen", "JA"),
    ("Jugendarbeitsschutz", "JA"),
    ("Blindenhilfe", "SA"),
    ("Beglaubigungen digital", "HA"),
)
SITES = (
    "Kreishaus",
    "Außenstelle Nordstadt",
    "Außenstelle Südheim",
    "Straßenmeisterei",
    "Gesundheitsamt",
    "Kreisarchiv",
    "Berufskolleg",
    "Gymnasium am Park",
    "Gesamtschule Ost",
    "Förderschule",
    "Musikschule",
    "Jobcenter",
)
OTHER = (
    ("E-Rechnung im Rechnungseingang", "Finanzen", "HA"),
    ("ISMS nach BSI IT-Grundschutz", "Sicherheit", "IT"),
    ("Digitale Sitzungsverwaltung (Ratsinformationssystem)", "Verwaltung", "HA"),
    ("Personalverwaltung und Zeiterfassung", "Verwaltung", "HA"),
    ("eVergabe-Plattform", "Finanzen", "HA"),
    ("Open-Data-Portal", "Bürgerdienste", "IT"),
    ("Geoportal und GIS-Erneuerung", "Infrastruktur", "BAU"),
    ("Bürgerterminvergabe", "Bürgerdienste", "OA"),
    ("KI-Assistenz im Bürgerservice (Pilot)", "Innovation", "IT"),
    ("Digitales Archiv (Langzeitspeicherung)", "Verwaltung", "ARCH"),
    ("Mobile Device Management", "Infrastruktur", "IT"),
    ("Windows-11-Umstellung der Arbeitsplätze", "Infrastruktur", "IT"),
    ("Telefonie auf VoIP", "Infrastruktur", "IT"),
    ("Rechenzentrum: Backup und Notfallvorsorge", "Sicherheit", "IT"),
    ("Schulung Digitalkompetenz Beschäftigte", "Verwaltung", "HA"),
    ("Hybride Sitzungsräume", "Infrastruktur", "HA"),
    ("Smart-Region-Sensorik (Pegel, Parken)", "Innovation", "BAU"),
    ("Breitbandausbau: Koordination Förderprogramm", "Infrastruktur", "BAU"),
    ("Chatbot für häufige Fragen", "Bürgerdienste", "IT"),
    ("Zentrale Scanstelle", "Verwaltung", "HA"),
)
MIGRATIONS = (
    ("Migration Fachverfahren Jugendhilfe", "JA"),
    ("Ablösung Fachverfahren Bauaufsicht", "BAU"),
    ("Migration Fachverfahren Sozialhilfe", "SA"),
    ("Neues Finanzverfahren (Doppik)", "HA"),
    ("Fachverfahren Ordnungswidrigkeiten", "OA"),
)
# Effort per role in hours for a project of size 1, and its duration in quarters.
PROFILES = {
    "OZG": ({"PL": 60, "DEV": 220, "ORG": 160, "SUP": 60}, 3, {"SUP": 0.03, "DEV": 0.03}),
    "Netz": ({"PL": 60, "NET": 700, "SUP": 80}, 2, {}),
    "Schule": ({"PL": 30, "NET": 260, "SUP": 120}, 2, {}),
    "Fachverfahren": ({"PL": 700, "DEV": 2600, "ORG": 900, "SUP": 500}, 6, {"DEV": 0.3}),
    "Sonstiges": ({"PL": 240, "DEV": 500, "NET": 200, "ORG": 350, "SUP": 200}, 4, {"SUP": 0.05}),
}
ROLLOUT = (
    ("BAU", date(2026, 1, 1)),
    ("JA", date(2026, 3, 1)),
    ("OA", date(2026, 6, 1)),
    ("SA", date(2026, 9, 1)),
    ("HA", date(2026, 10, 1)),
    ("ARCH", date(2027, 3, 1)),
    ("IT", date(2027, 6, 1)),
)
CAMPAIGN = {  # a location marketing campaign's reach per channel and month (2026)
    "Reichweite Social Media": (18000, 26000, 41000, 39000, 52000, 61000, 58000, 66000, 71000),
    "Plakatkontakte (geschätzt)": (0, 0, 120000, 120000, 90000, 0, 0, 110000, 110000),
    "Besuche Website": (3100, 3600, 5200, 4800, 6100, 7000, 6400, 7900, 8300),
    "Presseartikel": (2, 1, 5, 3, 4, 6, 2, 5, 4),
}
CURRENT = quarter(2026, 4)


def _status(start: int, end: int) -> str:
    if end < CURRENT:
        return "done"
    return "running" if start <= CURRENT else "planned"


def _project(
    code: str,
    title: str,
    kind: str,
    department: str,
    start: int,
    rng: random.Random,
    **extra: object,
) -> Project:
    efforts, duration, operating = PROFILES[kind]
    size = rng.choice((0.6, 0.8, 1.0, 1.0, 1.3, 1.6))
    duration = max(1, duration + rng.choice((-1, 0, 0, 1)))
    end = start + duration - 1
    criteria = {
        "Rechtspflicht": rng.choice((0, 0, 5, 10)),
        "Nutzen": rng.randint(2, 10),
        "Dringlichkeit": rng.randint(1, 10),
    }
    priority = round(
        4 * criteria["Rechtspflicht"] + 3 * criteria["Nutzen"] + 3 * criteria["Dringlichkeit"]
    )
    return Project(
        code=code,
        title=title,
        start=start,
        end=end,
        department=department,
        category={"Sonstiges": str(extra.pop("category", "")), "Schule": "Schulen"}.get(kind, kind),
        status=_status(start, end),
        priority=min(100, priority),
        criteria=criteria,
        effort_hours={role: round(hours * size, -1) for role, hours in efforts.items()},
        operating_fte=operating,
        **extra,  # type: ignore[arg-type]
    )


def demo_projects() -> list[Project]:
    rng = random.Random(7)
    projects = [
        Project(
            "P-001",
            "E-Akte: Einführung in allen Ämtern",
            quarter(2025, 3),
            quarter(2027, 4),
            department="IT",
            category="E-Akte",
            status="running",
            priority=95,
            criteria={"Rechtspflicht": 10, "Nutzen": 10, "Dringlichkeit": 9},
            effort_hours={"PL": 2400, "DEV": 3200, "NET": 800, "ORG": 4200, "SUP": 3600},
            operating_fte={"DEV": 0.5, "SUP": 1.0},
            deadline=quarter(2027, 4),
            fixed=True,
        ),
        Project(
            "P-002",
            "OZG-Plattform und Servicekonto",
            quarter(2025, 4),
            quarter(2026, 2),
            department="IT",
            category="OZG",
            status="done",
            priority=90,
            effort_hours={"PL": 500, "DEV": 1800, "NET": 300, "ORG": 400},
            operating_fte={"DEV": 0.3},
        ),
        Project(
            "P-003",
            "Standortmarketing »Musterland – hier geht was«",
            quarter(2026, 1),
            quarter(2026, 4),
            department="HA",
            category="Marketing",
            status="running",
            priority=40,
            effort_hours={"PL": 300, "ORG": 200, "DEV": 120},
        ),
    ]
    number = 4
    for index, (title, unit) in enumerate(OZG_SERVICES):
        start = quarter(2026, 3) + index // 4 + rng.randint(0, 2)
        projects.append(
            _project(f"P-{number:03d}", title, "OZG", unit, start, rng, depends_on=("P-002",))
        )
        number += 1
    for index, site in enumerate(SITES):
        start = quarter(2026, 1) + index + rng.randint(0, 1)
        projects.append(
            _project(f"P-{number:03d}", f"Netzerneuerung {site}", "Netz", "IT", start, rng)
        )
        number += 1
    for title, unit in MIGRATIONS:
        start = quarter(2026, 2) + rng.randint(0, 6)
        projects.append(_project(f"P-{number:03d}", title, "Fachverfahren", unit, start, rng))
        number += 1
    for title, category, unit in OTHER:
        start = quarter(2025, 4) + rng.randint(0, 10)
        extra: dict[str, object] = {"category": category}
        if title.startswith("E-Rechnung"):  # a legal duty with a fixed date
            start, extra["deadline"] = quarter(2026, 2), quarter(2027, 4)
        projects.append(_project(f"P-{number:03d}", title, "Sonstiges", unit, start, rng, **extra))
        number += 1
    while number <= 100:  # school digitalisation (DigitalPakt) fills the programme up
        start = quarter(2026, 3) + rng.randint(0, 8)
        title = f"Schuldigitalisierung Schule {number - 74}: WLAN und Endgeräte"
        projects.append(_project(f"P-{number:03d}", title, "Schule", "HA", start, rng))
        number += 1
    return projects


def _figures(connection: Connection) -> None:
    for name, values in CAMPAIGN.items():
        for month, value in enumerate(values, start=1):
            measures.set_key_figure(connection, "P-003", name, date(2026, month, 1), value)
    for month, value in enumerate((0, 40, 95, 160, 230, 290, 310, 380, 420, 455), start=1):
        measures.set_key_figure(connection, "P-004", "Online-Anträge", date(2026, month, 1), value)


def build_portfolio(db: Database) -> dict[str, int]:
    """Fill the portfolio of the demo county; returns counts."""
    projects = demo_projects()
    with db.write() as connection:
        for code, name in ROLES:
            repository.ensure_role(connection, code, name)
        for role, _ in ROLES:
            lines = [line for line in STAFF if line.role == role]
            repository.set_staff(connection, role, lines, ACTOR)
        # The stand the committee saw in March, before three projects grew and one was added.
        earlier = [p for p in projects if p.code != "P-100"]
        frozen = Plan(
            tuple(repository.list_roles(connection)),
            tuple(earlier),
            STAFF,
            quarter(2025, 3),
            quarter(2029, 2),
        )
        repository.freeze(connection, "Ausschuss 12.03.2026", date(2026, 3, 12), frozen, ACTOR)
        for project in projects:
            if project.code in {"P-050", "P-051", "P-052"}:
                efforts = {r: h * 1.5 for r, h in project.effort_hours.items()}
                project = replace(project, effort_hours=efforts)
            repository.save_project(connection, project, ACTOR)
        for unit, go_live in ROLLOUT:
            measures.set_rollout(connection, "P-001", unit, go_live)
        _figures(connection)
        changes = [
            parse_change("shift:P-050:+2"),
            parse_change("shift:P-051:+2"),
            parse_change("shift:P-052:+2"),
            parse_change("posts:DEV:2026-Q3:2"),
        ]
        repository.save_scenario(
            connection,
            "Drei Migrationen später, zwei Stellen ab Juli",
            changes,
            "Vorschlag der IT-Leitung für die Sitzung im Herbst",
            ACTOR,
        )
    return {"projects": len(projects)}
