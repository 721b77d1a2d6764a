"""A dossier's own retention rule (abweichende Aufbewahrungsfrist), set by the registry with a
reason; it replaces the plan item's rule for this dossier only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, select

from eakte import audit
from eakte.core.fileplan import Disposition
from eakte.core.retention import OUTCOME_DE, Outcome, validate_reason, validate_years
from eakte.db.schema import retention_overrides
from eakte.errors import ConflictError, ValidationError
from eakte.records.common import now
from eakte.retention.status import RetentionView, county_day, find_dossier_row, retention_of


def ensure_not_disposed(row: Row[Any]) -> None:
    """Nothing about retention changes once a dossier has been handed over or destroyed."""
    if row.disposal:
        raise ConflictError(
            f"Akte {row.reference} wurde am {county_day(row.disposed_at):%d.%m.%Y} "
            f"{OUTCOME_DE[Outcome(row.disposal)]}; ihre Aufbewahrung ist beendet."
        )


def _current(connection: Connection, dossier_id: int) -> dict[str, Any] | None:
    row = connection.execute(
        select(retention_overrides).where(retention_overrides.c.dossier_id == dossier_id)
    ).first()
    return {"years": row.retention_years, "disposition": row.disposition} if row else None


def set_override(
    connection: Connection,
    ref_or_uuid: str,
    years: int,
    disposition: str,
    reason: str,
    actor: str,
) -> RetentionView:
    """Give the dossier its own period and disposition (replacing an earlier override)."""
    text = validate_reason(reason, "Eine abweichende Aufbewahrungsfrist")
    years = validate_years(years)
    kind = Disposition.parse(disposition)
    row = find_dossier_row(connection, ref_or_uuid, lock=True)
    ensure_not_disposed(row)
    previous = _current(connection, row.id)
    if previous == {"years": years, "disposition": kind.value}:
        raise ValidationError(
            f"Akte {row.reference} hat schon die Frist {years} Jahre, Aussonderungsart "
            f"{kind.value}."
        )
    values = {
        "retention_years": years,
        "disposition": kind.value,
        "reason": text,
        "set_at": now(),
        "set_by": actor,
    }
    if previous is None:
        connection.execute(retention_overrides.insert().values(dossier_id=row.id, **values))
    else:
        connection.execute(
            retention_overrides.update()
            .where(retention_overrides.c.dossier_id == row.id)
            .values(**values)
        )
    audit.record(
        connection,
        actor,
        "retention.override",
        "dossier",
        row.uuid,
        {
            "reference": row.reference,
            "years": years,
            "disposition": kind.value,
            "reason": text,
            "previous": previous,
        },
    )
    return retention_of(connection, row.uuid)


def clear_override(
    connection: Connection, ref_or_uuid: str, reason: str, actor: str
) -> RetentionView:
    """Remove the dossier's own rule: the plan item's applies again."""
    text = validate_reason(reason, "Das Aufheben einer abweichenden Frist")
    row = find_dossier_row(connection, ref_or_uuid, lock=True)
    ensure_not_disposed(row)
    previous = _current(connection, row.id)
    if previous is None:
        raise ValidationError(f"Akte {row.reference} hat keine abweichende Aufbewahrungsfrist.")
    connection.execute(
        delete(retention_overrides).where(retention_overrides.c.dossier_id == row.id)
    )
    audit.record(
        connection,
        actor,
        "retention.override_clear",
        "dossier",
        row.uuid,
        {"reference": row.reference, "reason": text, "previous": previous},
    )
    return retention_of(connection, row.uuid)
