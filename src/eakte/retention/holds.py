"""Legal holds (Aufbewahrungssperren): while one is active, a dossier is never due and can be
neither offered nor destroyed, whatever its dates. Several holds may be active at once (two
proceedings); each is lifted on its own, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from eakte import audit
from eakte.core.retention import validate_reason
from eakte.db.schema import dossiers, legal_holds
from eakte.errors import NotFoundError, ValidationError
from eakte.records.common import now
from eakte.retention.overrides import ensure_not_disposed
from eakte.retention.status import Hold, active_runs, find_dossier_row, holds_of, utc


@dataclass(frozen=True)
class PlacedHold:
    hold: Hold
    reference: str
    run: int | None  # the active disposal run the dossier is in: it cannot complete now


def place_hold(connection: Connection, ref_or_uuid: str, reason: str, actor: str) -> PlacedHold:
    """Stop the dossier's retention clock until the hold is lifted."""
    text = validate_reason(reason, "Eine Aufbewahrungssperre")
    row = find_dossier_row(connection, ref_or_uuid, lock=True)
    ensure_not_disposed(row)
    placed = now()
    hold_id = connection.execute(
        legal_holds.insert()
        .values(dossier_id=row.id, reason=text, placed_at=placed, placed_by=actor)
        .returning(legal_holds.c.id)
    ).scalar_one()
    audit.record(
        connection,
        actor,
        "retention.hold",
        "dossier",
        row.uuid,
        {"reference": row.reference, "hold": hold_id, "reason": text},
    )
    hold = Hold(hold_id, text, placed, actor, None, None, None)
    return PlacedHold(hold, row.reference, active_runs(connection, [row.id]).get(row.id))


def lift_hold(
    connection: Connection, ref_or_uuid: str, reason: str, actor: str, hold_id: int | None = None
) -> Hold:
    """Lift one active hold: the one named, or the only one."""
    text = validate_reason(reason, "Das Aufheben einer Aufbewahrungssperre")
    row = find_dossier_row(connection, ref_or_uuid, lock=True)
    active = holds_of(connection, [row.id]).get(row.id, [])
    if hold_id is None:
        if not active:
            raise NotFoundError(f"Akte {row.reference} hat keine aktive Aufbewahrungssperre.")
        if len(active) > 1:
            listed = "; ".join(f"{h.id}: {h.reason}" for h in active)
            raise ValidationError(
                f"Akte {row.reference} hat {len(active)} aktive Sperren ({listed}); bitte die "
                "aufzuhebende mit ihrer Nummer angeben."
            )
        hold_id = active[0].id
    elif hold_id not in {h.id for h in active}:
        raise NotFoundError(f"Akte {row.reference} hat keine aktive Sperre {hold_id}.")
    lifted = now()
    connection.execute(
        update(legal_holds)
        .where(legal_holds.c.id == hold_id, legal_holds.c.lifted_at.is_(None))
        .values(lifted_at=lifted, lifted_by=actor, lift_reason=text)
    )
    audit.record(
        connection,
        actor,
        "retention.release",
        "dossier",
        row.uuid,
        {"reference": row.reference, "hold": hold_id, "reason": text},
    )
    old = next(h for h in active if h.id == hold_id)
    return Hold(old.id, old.reason, old.placed_at, old.placed_by, lifted, actor, text)


@dataclass(frozen=True)
class HeldDossier:
    uuid: str
    reference: str
    subject: str
    hold: Hold


def list_active_holds(connection: Connection) -> list[HeldDossier]:
    """Every active hold with its dossier, oldest first (for the registry's overview)."""
    rows = connection.execute(
        select(legal_holds, dossiers.c.uuid, dossiers.c.reference, dossiers.c.subject)
        .join(dossiers, dossiers.c.id == legal_holds.c.dossier_id)
        .where(legal_holds.c.lifted_at.is_(None))
        .order_by(legal_holds.c.placed_at, legal_holds.c.id)
    ).all()
    return [
        HeldDossier(
            r.uuid,
            r.reference,
            r.subject,
            Hold(r.id, r.reason, utc(r.placed_at), r.placed_by, None, None, None),
        )
        for r in rows
    ]
