"""A small county for tests, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eakte.core.fileplan import parse_plan_csv
from eakte.db.engine import Database
from eakte.demo import files
from eakte.ingest.filing import Filer
from eakte.records import dossiers, fileplan, organisation

PLAN = """code,title,retention_years,disposition,lead_unit
63,Bauordnung,,,BAU
63.1,Baugenehmigungen,,,BAU
63.1.2,Baugenehmigungsverfahren,30,B,BAU
51,Jugend,,,JA
51.2,Hilfen zur Erziehung,,,JA
51.2.1,Einzelfallhilfen,30,B,JA
"""


@dataclass
class County:
    bau_dossier: dossiers.Dossier
    bau_case: dossiers.Case
    ja_dossier: dossiers.Dossier
    ja_case: dossiers.Case


def make_county(db: Database, rules: tuple[Any, Any]) -> County:
    dossier_rule, case_rule = rules
    with db.write() as c:
        organisation.add_unit(c, "KV", "Kreisverwaltung", None, "test")
        organisation.add_unit(c, "D2", "Dezernat II", "KV", "test")
        organisation.add_unit(c, "BAU", "Bauamt", "D2", "test")
        organisation.add_unit(c, "BAU-1", "Sachgebiet Baugenehmigungen", "BAU", "test")
        organisation.add_unit(c, "JA", "Jugendamt", "KV", "test")
        organisation.add_user(c, "bau", "Maria Wagner", ["BAU"], "test")
        organisation.add_user(c, "bau1", "Stefan Keller", ["BAU-1"], "test")
        organisation.add_user(c, "ja", "Tarek Yilmaz", ["JA"], "test", clearance="003")
        organisation.add_user(c, "ja2", "Jana Berg", ["JA"], "test")  # clearance 002
        organisation.add_user(c, "dez", "Dirk Fischer", ["D2"], "test")
        fileplan.import_plan(c, parse_plan_csv(PLAN), "test")
        bau_dossier = dossiers.create_dossier(
            c, dossier_rule, "63.1.2", "Neubau Lindenstraße 12", None, "test"
        )
        bau_case = dossiers.create_case(c, case_rule, bau_dossier.reference, "Bauantrag", "test")
        ja_dossier = dossiers.create_dossier(
            c, dossier_rule, "51.2.1", "Hilfe zur Erziehung", None, "test", "003"
        )
        ja_case = dossiers.create_case(c, case_rule, ja_dossier.reference, "Hilfeplan", "test")
    return County(bau_dossier, bau_case, ja_dossier, ja_case)


def file_text(db: Database, filer: Filer, case: dossiers.Case, name: str, body: str) -> Any:
    """File ``body`` as a text file named ``name`` into ``case``."""
    prepared = filer.prepare_bytes(body.encode("utf-8"), name)
    with db.write() as c:
        dossier = dossiers.get_dossier_by_id(c, case.dossier_id)
        return filer.commit(c, case, dossier, prepared, "test")


def write_samples(folder: Path) -> dict[str, Path]:
    """One file of every supported format, generated here."""
    folder.mkdir(parents=True, exist_ok=True)
    when = __import__("datetime").datetime(2025, 3, 14, 10, 0)
    samples = {
        "pdf": (
            "Bescheid.pdf",
            files.pdf_bytes(
                "Bescheid über die Baugenehmigung für die Garage in der Straße Am Mühlbach.",
                "Baugenehmigung Garage",
                when,
            ),
        ),
        "docx": (
            "Stellungnahme.docx",
            files.docx_bytes(
                "Die Untere Naturschutzbehörde stimmt dem Vorhaben zu.", "Stellungnahme", when
            ),
        ),
        "odt": (
            "Vermerk.odt",
            files.odt_bytes(
                "Ortstermin mit dem Bauherrn: Die Abstandsflächen sind eingehalten.", "Vermerk"
            ),
        ),
        "txt": ("Notiz.txt", "Rückruf wegen Brandschutzgutachten vereinbart.".encode()),
        "md": ("Protokoll.md", b"# Protokoll\n\nBesprechung zur Erschliessung des Baugebiets."),
        "html": (
            "Seite.html",
            "<html><head><title>Hinweis</title><script>alert(1)</script>"
            "</head><body><p>Öffnungszeiten der Bauaufsicht</p></body></html>".encode(),
        ),
        "eml": (
            "Nachricht.eml",
            files.eml_bytes(
                "Bürger <b@example.org>",
                "bauamt@example.org",
                "Nachreichung Statik",
                "Anbei die Statik zum Bauantrag.",
                when,
                (
                    (
                        "Statik.pdf",
                        files.pdf_bytes("Standsicherheitsnachweis Tragwerk"),
                        "application/pdf",
                    ),
                ),
            ),
        ),
        "png": ("Scan.png", files.scan_png_bytes("Eingangsstempel", 3)),
    }
    paths = {}
    for key, (name, data) in samples.items():
        path = folder / name
        path.write_bytes(data)
        paths[key] = path
    return paths
