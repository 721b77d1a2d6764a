"""The demo county at work: cases with the people working them, a routing slip under way, a
shared dossier, a due resubmission and a deputy — so that every desk shows something."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from eakte.db.engine import Database
from eakte.db.schema import cases, dossiers, org_units
from eakte.records import grants
from eakte.records.assignment import assign_case
from eakte.records.common import today
from eakte.records.organisation import get_user
from eakte.resubmissions import service as resubmissions
from eakte.routing import deputies
from eakte.routing.service import StepSpec, start_slip

# Unit → the clerk who works its open cases in the demo.
CLERKS = {"BAU": "m.wagner", "OA": "k.becker", "JA": "t.yilmaz", "SA": "a.schmidt"}


def _open_cases(db: Database, unit: str) -> list[Any]:
    with db.read() as connection:
        return list(
            connection.execute(
                select(cases.c.reference, dossiers.c.reference.label("dossier"))
                .join(dossiers, dossiers.c.id == cases.c.dossier_id)
                .join(org_units, org_units.c.id == dossiers.c.lead_unit_id)
                .where(org_units.c.code == unit, cases.c.closed_at.is_(None))
                .order_by(cases.c.id)
            ).all()
        )


def build_workflow(db: Database) -> dict[str, int]:
    counts = {"assigned": 0, "routing_slips": 0, "grants": 0, "resubmissions": 0}
    for unit, login in CLERKS.items():
        for row in _open_cases(db, unit):
            with db.write() as connection:
                assign_case(connection, row.reference, login, login)
            counts["assigned"] += 1
    building = _open_cases(db, "BAU")
    if len(building) >= 2:
        with db.write() as connection:
            wagner = get_user(connection, "m.wagner")
            start_slip(
                connection,
                building[-1].reference,
                "Entwurf Baugenehmigung zur Mitzeichnung und Zeichnung",
                [StepSpec("cosign", unit="BAU-1"), StepSpec("sign", user="d.fischer")],
                wagner,
                close_case=True,
            )
            counts["routing_slips"] += 1
            resubmissions.create(
                connection,
                building[0].reference,
                wagner,
                today(),
                "Nachforderung Statik: Frist läuft ab",
            )
            resubmissions.create(
                connection,
                building[1].reference,
                wagner,
                today() + timedelta(days=14),
                "Stellungnahme Naturschutz erinnern",
            )
            counts["resubmissions"] += 2
            deputies.set_deputies(connection, "d.fischer", ["h.vogel"], "d.fischer")
    public_order = _open_cases(db, "OA")
    if public_order:
        with db.write() as connection:
            grants.add_grant(
                connection,
                public_order[0].dossier,
                "k.becker",
                unit_code="BAU",
                note="Beteiligung des Bauamts",
            )
            counts["grants"] += 1
    return counts
