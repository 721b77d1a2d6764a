"""File plan import and lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from eakte import audit
from eakte.core.fileplan import PlanRow, parent_code
from eakte.db.schema import dossiers, org_units, plan_items
from eakte.errors import NotFoundError, ValidationError
from eakte.records.common import now


@dataclass(frozen=True)
class PlanItem:
    id: int
    code: str
    title: str
    parent_id: int | None
    retention_years: int | None
    disposition: str | None
    lead_unit_id: int | None


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def _to_item(row: Any) -> PlanItem:
    return PlanItem(
        row.id,
        row.code,
        row.title,
        row.parent_id,
        row.retention_years,
        row.disposition,
        row.lead_unit_id,
    )


def get_plan_item(connection: Connection, code: str) -> PlanItem:
    row = connection.execute(select(plan_items).where(plan_items.c.code == code.strip())).first()
    if row is None:
        raise NotFoundError(
            f"Aktenplanposition {code!r} gibt es nicht; den Aktenplan zeigt »eakte plan list«."
        )
    return _to_item(row)


def is_leaf(connection: Connection, item_id: int) -> bool:
    child = connection.execute(
        select(plan_items.c.id).where(plan_items.c.parent_id == item_id).limit(1)
    ).first()
    return child is None


def _has_dossiers(connection: Connection, item_id: int) -> bool:
    return (
        connection.execute(
            select(dossiers.c.id).where(dossiers.c.plan_item_id == item_id).limit(1)
        ).first()
        is not None
    )


def import_plan(connection: Connection, rows: list[PlanRow], actor: str) -> ImportSummary:
    """Create or update plan items (matched by code). Rows come parents first."""
    existing = {r.code: r for r in connection.execute(select(plan_items)).all()}
    unit_ids = dict(connection.execute(select(org_units.c.code, org_units.c.id)).all())
    ids = {code: row.id for code, row in existing.items()}
    created = updated = unchanged = 0
    for row in rows:
        parent = parent_code(row.code)
        if parent is not None and parent not in ids:
            raise ValidationError(
                f"Zeile {row.line}: zu {row.code} fehlt die übergeordnete Position {parent}."
            )
        if row.lead_unit is not None and row.lead_unit not in unit_ids:
            raise ValidationError(
                f"Zeile {row.line}: Federführung {row.lead_unit!r} ist keine bekannte "
                "Organisationseinheit."
            )
        parent_id = ids[parent] if parent else None
        values = {
            "title": row.title,
            "parent_id": parent_id,
            "retention_years": row.retention_years,
            "disposition": row.disposition.value if row.disposition else None,
            "lead_unit_id": unit_ids[row.lead_unit] if row.lead_unit else None,
        }
        if (
            parent_id is not None
            and row.code not in existing
            and _has_dossiers(connection, parent_id)
        ):
            raise ValidationError(
                f"Zeile {row.line}: {parent} enthält schon Akten und kann deshalb keine "
                f"Unterposition {row.code} bekommen (Akten hängen nur an der untersten Ebene)."
            )
        old = existing.get(row.code)
        if old is None:
            ids[row.code] = connection.execute(
                plan_items.insert()
                .values(code=row.code, created_at=now(), updated_at=now(), **values)
                .returning(plan_items.c.id)
            ).scalar_one()
            created += 1
        elif any(getattr(old, key) != value for key, value in values.items()):
            connection.execute(
                plan_items.update()
                .where(plan_items.c.id == old.id)
                .values(updated_at=now(), **values)
            )
            updated += 1
        else:
            unchanged += 1
    audit.record(
        connection,
        actor,
        "plan.import",
        "plan",
        "fileplan",
        {"created": created, "updated": updated, "unchanged": unchanged},
    )
    return ImportSummary(created, updated, unchanged)


@dataclass(frozen=True)
class PlanListing:
    item: PlanItem
    depth: int
    dossier_count: int
    lead_unit: str | None


def list_plan(connection: Connection) -> list[PlanListing]:
    counts: dict[int, int] = dict(
        connection.execute(
            select(dossiers.c.plan_item_id, func.count()).group_by(dossiers.c.plan_item_id)
        ).all()
    )
    units = dict(connection.execute(select(org_units.c.id, org_units.c.code)).all())
    rows = connection.execute(select(plan_items)).all()
    items = sorted(
        (_to_item(r) for r in rows),
        key=lambda i: [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in i.code.split(".")],
    )
    return [
        PlanListing(
            i,
            i.code.count("."),
            counts.get(i.id, 0),
            units.get(i.lead_unit_id) if i.lead_unit_id else None,
        )
        for i in items
    ]
