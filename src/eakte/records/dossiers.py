"""Dossiers (Akten) and cases (Vorgänge): creation with references, lookup, closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, bindparam, select, text

from eakte import audit
from eakte.core.access import ReadScope
from eakte.core.records import Confidentiality, ensure_open, validate_reason, validate_subject
from eakte.core.references import ReferenceRule
from eakte.core.retention import OUTCOME_DE, Outcome
from eakte.db.engine import memo
from eakte.db.schema import cases, disposal_items, disposal_runs, dossiers, org_units, plan_items
from eakte.errors import ClosedError, ConflictError, NotFoundError, ValidationError
from eakte.records.common import new_uuid, now
from eakte.records.fileplan import get_plan_item, is_leaf
from eakte.records.organisation import User, get_unit


@dataclass(frozen=True)
class Dossier:
    id: int
    uuid: str
    reference: str
    plan_item_id: int
    lead_unit_id: int
    subject: str
    confidentiality: str
    created_at: datetime
    closed_at: datetime | None
    disposal: str | None  # handed_over or destroyed, once it left the county


@dataclass(frozen=True)
class Case:
    id: int
    uuid: str
    reference: str
    dossier_id: int
    lead_unit_id: int
    subject: str
    created_at: datetime
    closed_at: datetime | None


def _dossier(row: object) -> Dossier:
    return Dossier(*(getattr(row, f) for f in Dossier.__dataclass_fields__))


def _case(row: object) -> Case:
    return Case(*(getattr(row, f) for f in Case.__dataclass_fields__))


def next_number(connection: Connection, scope: str) -> int:
    """Next value of a reference counter; counters only ever grow, so numbers are never reused."""
    return int(
        connection.execute(
            text(
                "INSERT INTO reference_counters (scope, last_value) VALUES (:scope, 1) "
                "ON CONFLICT (scope) DO UPDATE SET last_value = reference_counters.last_value + 1 "
                "RETURNING last_value"
            ),
            {"scope": scope},
        ).scalar_one()
    )


def _free_reference(
    connection: Connection, rule: ReferenceRule, table: object, values: dict[str, object]
) -> str:
    scope = rule.scope(**values)
    for _ in range(1000):
        reference = rule.format(next_number(connection, scope), **values)
        taken = connection.execute(
            select(table.c.id).where(table.c.reference == reference)  # type: ignore[attr-defined]
        ).first()
        if taken is None:
            return reference
    raise ConflictError(f"Kein freies Aktenzeichen im Bereich {scope} gefunden.")


def create_dossier(
    connection: Connection,
    rule: ReferenceRule,
    plan_code: str,
    subject: str,
    unit_code: str | None,
    actor: str,
    confidentiality: str | None = None,
    year: int | None = None,
    created_at: datetime | None = None,
) -> Dossier:
    """Create a dossier on a leaf plan item; the lead unit defaults to the plan item's.
    ``created_at`` (default now) is for imports and the demo county: records older than eakte."""
    subject = validate_subject(subject)
    item = get_plan_item(connection, plan_code)
    if not is_leaf(connection, item.id):
        raise ValidationError(
            f"Akten hängen nur an Positionen der untersten Ebene; {item.code} hat Unterpositionen."
        )
    if unit_code:
        unit = get_unit(connection, unit_code)
    elif item.lead_unit_id is not None:
        code = connection.execute(
            select(org_units.c.code).where(org_units.c.id == item.lead_unit_id)
        ).scalar_one()
        unit = get_unit(connection, code)
    else:
        raise ValidationError(f"Position {item.code} hat keine Federführung; bitte --unit angeben.")
    level = Confidentiality.parse(confidentiality)
    created = _past_or_now(created_at)
    reference = _free_reference(
        connection,
        rule,
        dossiers,
        {"plan": item.code, "year": year or created.year, "unit": unit.code},
    )
    values = {
        "uuid": new_uuid(),
        "reference": reference,
        "plan_item_id": item.id,
        "lead_unit_id": unit.id,
        "subject": subject,
        "confidentiality": level.value,
        "created_at": created,
        "created_by": actor,
        "row_version": 1,
    }
    connection.execute(dossiers.insert().values(**values))
    audit.record(
        connection,
        actor,
        "dossier.create",
        "dossier",
        str(values["uuid"]),
        {
            "reference": reference,
            "subject": subject,
            "plan": item.code,
            "unit": unit.code,
            "confidentiality": level.value,
            **({"created_at": created.isoformat()} if created_at is not None else {}),
        },
    )
    return get_dossier(connection, str(values["uuid"]))


def get_dossier(connection: Connection, ref_or_uuid: str) -> Dossier:
    """The dossier by reference or uuid; read once per read-only transaction (the dossier page
    asks for it in several of its parts)."""
    row = dossier_row(connection, ref_or_uuid)
    if row is None:
        raise NotFoundError(f"Akte {ref_or_uuid!r} gibt es nicht.")
    return _dossier(row)


def dossier_row(connection: Connection, ref_or_uuid: str) -> Row[Any] | None:
    """The dossier's whole row by reference or uuid, with its plan item's code and title
    (``plan_code``, ``plan_title``) and its lead unit's code (``unit_code``): all that its page,
    its lifecycle and its retention read of it. Read once per read-only transaction, whichever
    name later asks for it (None: no such dossier)."""
    cache = memo(connection)
    key = ("dossier_row", ref_or_uuid)
    if cache is not None and key in cache:
        return cast("Row[Any] | None", cache[key])
    row = connection.execute(_DOSSIER_ROW_BY_NAME, {"name": ref_or_uuid}).first()
    if cache is not None:
        cache[key] = row
        if row is not None:
            cache[("dossier_row", row.uuid)] = cache[("dossier_row", row.reference)] = row
    return row


DOSSIER_ROW = (
    select(
        dossiers,
        plan_items.c.code.label("plan_code"),
        plan_items.c.title.label("plan_title"),
        org_units.c.code.label("unit_code"),
    )
    .join(plan_items, plan_items.c.id == dossiers.c.plan_item_id)
    .join(org_units, org_units.c.id == dossiers.c.lead_unit_id)
)
# Built once: the dossier page asks for its dossier by name on every request.
_DOSSIER_ROW_BY_NAME = DOSSIER_ROW.where(
    (dossiers.c.reference == bindparam("name")) | (dossiers.c.uuid == bindparam("name"))
)


def get_dossier_by_id(connection: Connection, dossier_id: int) -> Dossier:
    return _dossier(connection.execute(select(dossiers).where(dossiers.c.id == dossier_id)).one())


def create_case(
    connection: Connection, rule: ReferenceRule, dossier_ref: str, subject: str, actor: str
) -> Case:
    subject = validate_subject(subject)
    dossier = get_dossier(connection, dossier_ref)
    ensure_open("dossier", dossier.reference, dossier.closed_at)
    created = now()
    reference = _free_reference(
        connection, rule, cases, {"dossier": dossier.reference, "year": created.year}
    )
    case_uuid = new_uuid()
    connection.execute(
        cases.insert().values(
            uuid=case_uuid,
            reference=reference,
            dossier_id=dossier.id,
            lead_unit_id=dossier.lead_unit_id,
            subject=subject,
            created_at=created,
            created_by=actor,
            row_version=1,
        )
    )
    audit.record(
        connection,
        actor,
        "case.create",
        "case",
        case_uuid,
        {"reference": reference, "subject": subject, "dossier": dossier.reference},
    )
    return get_case(connection, case_uuid)


def get_case(connection: Connection, ref_or_uuid: str) -> Case:
    row = connection.execute(
        select(cases).where((cases.c.reference == ref_or_uuid) | (cases.c.uuid == ref_or_uuid))
    ).first()
    if row is None:
        raise NotFoundError(f"Vorgang {ref_or_uuid!r} gibt es nicht.")
    return _case(row)


def cases_of(connection: Connection, dossier_id: int) -> list[Case]:
    rows = connection.execute(
        select(cases).where(cases.c.dossier_id == dossier_id).order_by(cases.c.id)
    ).all()
    return [_case(r) for r in rows]


def ensure_case_writable(connection: Connection, case: Case) -> Dossier:
    """Raise ``ClosedError`` if the case or its dossier is closed; return the dossier."""
    dossier = get_dossier_by_id(connection, case.dossier_id)
    ensure_open("dossier", dossier.reference, dossier.closed_at)
    ensure_open("case", case.reference, case.closed_at)
    return dossier


def _past_or_now(moment: datetime | None) -> datetime:
    """``moment`` (a time from an import or the demo) or now; never a time in the future."""
    current = now()
    if moment is None:
        return current
    if moment.tzinfo is None:
        raise ValidationError("Zeitpunkte brauchen eine Zeitzone.")
    if moment > current:
        raise ValidationError(f"Der Zeitpunkt {moment:%d.%m.%Y} liegt in der Zukunft.")
    return moment


def close_case(
    connection: Connection, ref: str, actor: str, closed_at: datetime | None = None
) -> Case:
    """Close a case (z.d.A.); ``closed_at`` (default now) is for imports and the demo."""
    case = get_case(connection, ref)
    ensure_case_writable(connection, case)
    closed = _past_or_now(closed_at)
    connection.execute(
        cases.update()
        .where(cases.c.id == case.id)
        .values(closed_at=closed, closed_by=actor, row_version=cases.c.row_version + 1)
    )
    details = {"reference": case.reference}
    if closed_at is not None:
        details["closed_at"] = closed.isoformat()
    audit.record(connection, actor, "case.close", "case", case.uuid, details)
    return get_case(connection, case.uuid)


def close_dossier(
    connection: Connection, ref: str, actor: str, closed_at: datetime | None = None
) -> Dossier:
    """Close a dossier (z.d.A.) whose cases are all closed; its retention starts with the end of
    the closing year. ``closed_at`` (default now) is for imports and the demo."""
    dossier = get_dossier(connection, ref)
    ensure_open("dossier", dossier.reference, dossier.closed_at)
    still_open = [c.reference for c in cases_of(connection, dossier.id) if c.closed_at is None]
    if still_open:
        raise ValidationError(
            f"Akte {dossier.reference} hat noch offene Vorgänge ({', '.join(still_open[:5])}"
            f"{' …' if len(still_open) > 5 else ''}); bitte diese zuerst abschließen."
        )
    closed = _past_or_now(closed_at)
    connection.execute(
        dossiers.update()
        .where(dossiers.c.id == dossier.id)
        .values(closed_at=closed, closed_by=actor, row_version=dossiers.c.row_version + 1)
    )
    details = {"reference": dossier.reference}
    if closed_at is not None:
        details["closed_at"] = closed.isoformat()
    audit.record(connection, actor, "dossier.close", "dossier", dossier.uuid, details)
    return get_dossier(connection, dossier.uuid)


def manages(scope: ReadScope, dossier: Dossier, user: User) -> bool:
    """Whether ``user`` (whose reading rights are ``scope``) steers ``dossier``: closing it and
    changing its grants fall to the registry and to the clerks of its lead unit (a grantee
    does not steer)."""
    if not scope.reads(dossier.lead_unit_id, dossier.id, dossier.confidentiality):
        return False
    own = dossier.lead_unit_id in scope.units and user.has_role("clerk")
    return own or user.has_role("registry")


def reopen_case(connection: Connection, ref: str, reason: str, actor: str) -> Case:
    """Reopen a closed case with a reason (the registry's act: entry points check the role).
    A case in a closed dossier stays closed until the dossier is reopened."""
    reason = validate_reason(reason)
    case = get_case(connection, ref)
    if case.closed_at is None:
        raise ConflictError(f"Vorgang {case.reference} ist nicht abgeschlossen.")
    dossier = get_dossier_by_id(connection, case.dossier_id)
    if dossier.closed_at is not None:
        raise ClosedError(
            f"Vorgang {case.reference} liegt in der abgeschlossenen Akte {dossier.reference}; "
            "bitte zuerst die Akte wiedereröffnen."
        )
    connection.execute(
        cases.update()
        .where(cases.c.id == case.id)
        .values(closed_at=None, closed_by=None, row_version=cases.c.row_version + 1)
    )
    audit.record(
        connection,
        actor,
        "case.reopen",
        "case",
        case.uuid,
        {"reference": case.reference, "reason": reason, "closed_at": case.closed_at.isoformat()},
    )
    return get_case(connection, case.uuid)


def reopen_dossier(connection: Connection, ref: str, reason: str, actor: str) -> Dossier:
    """Reopen a closed dossier with a reason (the registry's act: entry points check the role).
    A dossier that left the county (handed over or destroyed) or is in an unfinished disposal
    run cannot be reopened; its cases stay closed until reopened one by one."""
    reason = validate_reason(reason)
    dossier = get_dossier(connection, ref)
    if dossier.disposal:
        fate = OUTCOME_DE[Outcome(dossier.disposal)]
        raise ClosedError(
            f"Akte {dossier.reference} wurde {fate}; sie kann nicht wiedereröffnet werden."
        )
    if dossier.closed_at is None:
        raise ConflictError(f"Akte {dossier.reference} ist nicht abgeschlossen.")
    run = connection.execute(
        select(disposal_runs.c.id)
        .join(disposal_items, disposal_items.c.run_id == disposal_runs.c.id)
        .where(
            disposal_items.c.dossier_id == dossier.id,
            disposal_runs.c.state.not_in(("completed", "cancelled")),
        )
        .limit(1)
    ).scalar()
    if run is not None:
        raise ConflictError(
            f"Akte {dossier.reference} steht im Aussonderungslauf {run}; bitte sie zuerst aus "
            "dem Lauf nehmen."
        )
    connection.execute(
        dossiers.update()
        .where(dossiers.c.id == dossier.id)
        .values(closed_at=None, closed_by=None, row_version=dossiers.c.row_version + 1)
    )
    audit.record(
        connection,
        actor,
        "dossier.reopen",
        "dossier",
        dossier.uuid,
        {
            "reference": dossier.reference,
            "reason": reason,
            "closed_at": dossier.closed_at.isoformat(),
        },
    )
    return get_dossier(connection, dossier.uuid)
