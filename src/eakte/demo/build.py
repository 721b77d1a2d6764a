"""Building the demo county through the same services the CLI uses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from eakte.auth.passwords import hash_password
from eakte.core.fileplan import parse_plan_csv
from eakte.core.references import ReferenceRule
from eakte.db.engine import Database
from eakte.demo import files
from eakte.demo.county import (
    DOSSIERS,
    OLD_DOSSIERS,
    PEOPLE,
    PLACES,
    PLAN_CSV,
    STREETS,
    TOPIC_TEXT,
    UNITS,
    USERS,
)
from eakte.demo.portfolio import build_portfolio
from eakte.demo.workflow import build_workflow
from eakte.ingest.filing import Filer, PreparedFile
from eakte.records import dossiers, fileplan, organisation

ACTOR = "demo"
DEMO_PASSWORD = "demo"


def _letter(topic: str, subject: str, person: str, when: datetime, signer: str) -> str:
    heading, body = TOPIC_TEXT[topic]
    return (
        f"Landkreis Musterland – Kreisverwaltung\n{person}\n\n"
        f"{when:%d.%m.%Y}\n\nBetreff: {subject}\nHier: {heading}\n\n"
        f"Sehr geehrte Damen und Herren,\n\n{body}\n\n"
        "Bei Rückfragen erreichen Sie uns montags bis freitags von 8 bis 12 Uhr.\n\n"
        f"Mit freundlichen Grüßen\nIm Auftrag\n{signer}"
    )


def _note(subject: str, when: datetime, signer: str) -> str:
    return (
        f"Aktenvermerk vom {when:%d.%m.%Y}\n\nBetreff: {subject}\n\n"
        "1. Telefonat mit der Antragstellerin: Unterlagen werden bis Monatsende nachgereicht.\n"
        "2. Frist notiert, Wiedervorlage in vier Wochen.\n"
        f"3. Zur Kenntnis an die Sachgebietsleitung.\n\ngez. {signer}"
    )


def _documents(
    kind: str, topic: str, subject: str, person: str, when: datetime, signer: str, seed: int
) -> list[tuple[str, bytes]]:
    letter = _letter(topic, subject, person, when, signer)
    if kind == "letter_pdf":
        return [(f"Schreiben {when:%Y-%m-%d}.pdf", files.pdf_bytes(letter, subject, when))]
    if kind == "permit_pdf":
        permit = letter.replace(
            "Sehr geehrte Damen und Herren,",
            "Baugenehmigung – hiermit wird die Baugenehmigung erteilt.",
        )
        return [("Baugenehmigung.pdf", files.pdf_bytes(permit, f"Baugenehmigung {subject}", when))]
    if kind == "letter_docx":
        return [(f"Stellungnahme {when:%Y-%m-%d}.docx", files.docx_bytes(letter, subject, when))]
    if kind == "letter_odt":
        return [(f"Schreiben {when:%Y-%m-%d}.odt", files.odt_bytes(letter, subject))]
    if kind == "note_txt":
        return [(f"Vermerk {when:%Y-%m-%d}.txt", _note(subject, when, signer).encode())]
    if kind == "mail":
        attachment = files.pdf_bytes(letter, f"Anlage zu {subject}", when)
        mail = files.eml_bytes(
            f"{person} <post@example.org>",
            "poststelle@landkreis-musterland.example",
            f"Nachreichung Unterlagen: {subject}",
            f"Guten Tag,\n\nanbei die angeforderten Unterlagen zu {subject}.\n\n"
            f"Mit freundlichen Grüßen\n{person}",
            when,
            (("Unterlagen.pdf", attachment, "application/pdf"),),
        )
        return [(f"E-Mail {when:%Y-%m-%d}.eml", mail)]
    if kind == "scan":
        page = files.scan_png_bytes(f"Eingangsstempel {when:%d.%m.%Y}\n\n{letter}", seed)
        return [
            ("Scan Posteingang.png", page),
            ("Scan Posteingang.pdf", files.image_pdf_bytes(page)),
        ]
    raise ValueError(kind)


def _prepare_case(
    filer: Filer,
    kinds: list[str],
    topic: str,
    subject: str,
    person: str,
    start: datetime,
    signer: str,
    rng: random.Random,
) -> list[PreparedFile]:
    prepared = []
    for number, kind in enumerate(kinds):
        when = start + timedelta(days=7 * number + rng.randrange(5))
        for name, data in _documents(
            kind, topic, subject, person, when, signer, rng.randrange(1000)
        ):
            prepared.append(filer.prepare_bytes(data, name))
    return prepared


def build_demo(
    db: Database, filer: Filer, dossier_rule: ReferenceRule, case_rule: ReferenceRule
) -> dict[str, Any]:
    """Create the demo county in an empty database; returns counts."""
    rng = random.Random(2026)
    with db.write() as connection:
        for code, name, parent in UNITS:
            organisation.add_unit(connection, code, name, parent, ACTOR)
        password = hash_password(DEMO_PASSWORD)
        for login, name, units, roles, clearance in USERS:
            organisation.add_user(connection, login, name, units, ACTOR, roles, clearance, password)
        fileplan.import_plan(connection, parse_plan_csv(PLAN_CSV), ACTOR)
    signers = {u[2][0]: u[1] for u in USERS}
    counts = {"units": len(UNITS), "users": len(USERS), "dossiers": 0, "cases": 0, "documents": 0}
    for plan_code, subject_rule, unit, level, case_specs in DOSSIERS:
        subject = subject_rule.format(
            street=rng.choice(STREETS), place=rng.choice(PLACES), person=rng.choice(PEOPLE)
        )
        person = rng.choice(PEOPLE)
        with db.write() as connection:
            dossier = dossiers.create_dossier(
                connection, dossier_rule, plan_code, subject, unit, ACTOR, level
            )
        counts["dossiers"] += 1
        start = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=rng.randrange(200))
        for case_subject, kinds in case_specs:
            topic = plan_code.split(".")[0]
            with db.read() as connection:
                unit_code = next(
                    u.code
                    for u in organisation.list_units(connection)
                    if u.id == dossier.lead_unit_id
                )
            signer = signers.get(unit_code, "Hannah Vogel")
            prepared = _prepare_case(
                filer, kinds, topic, f"{subject} – {case_subject}", person, start, signer, rng
            )
            with db.write() as connection:
                case = dossiers.create_case(
                    connection, case_rule, dossier.reference, case_subject, ACTOR
                )
                for item in prepared:
                    filed = filer.commit(connection, case, dossier, item, ACTOR)
                    counts["documents"] += 1 + filed.attachments
            counts["cases"] += 1
            start += timedelta(days=30)
    _old_dossiers(db, filer, dossier_rule, case_rule, rng, counts)
    counts.update(build_workflow(db))
    counts["projects"] = build_portfolio(db)["projects"]
    return counts


def _old_dossiers(
    db: Database,
    filer: Filer,
    dossier_rule: ReferenceRule,
    case_rule: ReferenceRule,
    rng: random.Random,
    counts: dict[str, int],
) -> None:
    """Dossiers closed long ago: due for disposal in the registry (Registratur)."""
    for plan_code, subject, created, closed, case_subject, kinds in OLD_DOSSIERS:
        start = datetime(*created, 9, tzinfo=UTC)
        ended = datetime(*closed, 15, tzinfo=UTC)
        prepared = _prepare_case(
            filer,
            kinds,
            plan_code.split(".")[0],
            subject,
            rng.choice(PEOPLE),
            start,
            "Hannah Vogel",
            rng,
        )
        with db.write() as connection:
            dossier = dossiers.create_dossier(
                connection, dossier_rule, plan_code, subject, None, ACTOR, created_at=start
            )
            case = dossiers.create_case(
                connection, case_rule, dossier.reference, case_subject, ACTOR
            )
            for item in prepared:
                counts["documents"] += (
                    1 + filer.commit(connection, case, dossier, item, ACTOR).attachments
                )
            dossiers.close_case(connection, case.reference, ACTOR, closed_at=ended)
            dossiers.close_dossier(connection, dossier.reference, ACTOR, closed_at=ended)
        counts["dossiers"] += 1
        counts["cases"] += 1
