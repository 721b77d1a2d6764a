"""Unit inboxes (Posteingang) for scanned documents and moving a document to its case.

A unit's inbox is an ordinary case in a dossier led by that unit, created on first use under
the plan item named in the setting ``scan_inbox_plan`` and remembered in ``scan_inboxes``. So
reading rights, search and the document page work for inbox documents as for any other; the
scan office assigns each to its case (``move_document``), which is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from eakte import audit
from eakte.core.references import ReferenceRule
from eakte.db.schema import cases, documents, dossiers, org_units, scan_inboxes, scan_records
from eakte.errors import ConfigurationError, NotFoundError, ValidationError
from eakte.ingest.versions import reindex_document
from eakte.records import dossiers as dossier_service
from eakte.records.common import now
from eakte.records.dossiers import Case
from eakte.records.lookup import require_readable_case, require_writable
from eakte.records.organisation import User, get_unit

INBOX_CONFIDENTIALITY = "002"  # internal: only the unit (and who may read above it)


def inbox_case(
    connection: Connection,
    unit_code: str,
    plan_code: str | None,
    dossier_rule: ReferenceRule,
    case_rule: ReferenceRule,
    actor: str,
) -> Case:
    """The inbox case of ``unit_code``, created (dossier and case) on first use."""
    unit = get_unit(connection, unit_code)
    case_uuid = connection.execute(
        select(cases.c.uuid)
        .join(scan_inboxes, scan_inboxes.c.case_id == cases.c.id)
        .where(scan_inboxes.c.unit_id == unit.id)
    ).scalar()
    if case_uuid is not None:
        return dossier_service.get_case(connection, case_uuid)
    if not plan_code:
        raise ConfigurationError(
            f"Für den Posteingang von {unit.code} fehlt die Aktenplan-Position: bitte die "
            "Einstellung scan_inbox_plan setzen (EAKTE_SCAN_INBOX_PLAN)."
        )
    dossier = dossier_service.create_dossier(
        connection,
        dossier_rule,
        plan_code,
        f"Posteingang {unit.name}",
        unit.code,
        actor,
        INBOX_CONFIDENTIALITY,
    )
    case = dossier_service.create_case(
        connection, case_rule, dossier.reference, f"Posteingang Scanstelle {unit.code}", actor
    )
    connection.execute(
        scan_inboxes.insert().values(unit_id=unit.id, case_id=case.id, created_at=now())
    )
    return case


def is_inbox(connection: Connection, case_id: int) -> bool:
    return (
        connection.execute(
            select(scan_inboxes.c.unit_id).where(scan_inboxes.c.case_id == case_id)
        ).first()
        is not None
    )


def inbox_documents(connection: Connection, user: User) -> list[dict[str, Any]]:
    """The documents in the inboxes ``user`` may read, oldest first, with their scan record."""
    inboxes = connection.execute(
        select(cases.c.uuid, cases.c.reference, org_units.c.code, org_units.c.name)
        .join(scan_inboxes, scan_inboxes.c.case_id == cases.c.id)
        .join(org_units, org_units.c.id == scan_inboxes.c.unit_id)
        .order_by(org_units.c.code)
    ).all()
    result = []
    for inbox in inboxes:
        try:
            require_readable_case(connection, inbox.uuid, user)
        except NotFoundError:
            continue
        rows = connection.execute(
            select(
                documents.c.uuid,
                documents.c.title,
                documents.c.state,
                documents.c.kind,
                documents.c.created_at,
                scan_records.c.intake,
                scan_records.c.pages,
                scan_records.c.quality,
                scan_records.c.quality_note,
            )
            .join(cases, cases.c.id == documents.c.case_id)
            .outerjoin(scan_records, scan_records.c.document_id == documents.c.id)
            .where(cases.c.uuid == inbox.uuid, documents.c.parent_id.is_(None))
            .order_by(documents.c.id)
        ).all()
        result.append(
            {
                "case_id": inbox.uuid,
                "reference": inbox.reference,
                "unit": inbox.code,
                "unit_name": inbox.name,
                "documents": [dict(row._mapping) for row in rows],
            }
        )
    return result


def _descendants(connection: Connection, document_id: int) -> list[int]:
    ids, level = [document_id], [document_id]
    while level:
        level = list(
            connection.execute(
                select(documents.c.id).where(documents.c.parent_id.in_(level))
            ).scalars()
        )
        ids.extend(level)
    return ids


def move_document(connection: Connection, doc_ref: str, target_case_ref: str, user: User) -> Case:
    """Move a document (with its attachments) into another case: the user must be able to
    change the document and file into the target case. Returns the target case."""
    record = require_writable(connection, doc_ref, user)
    if record["type"] != "document":
        raise ValidationError("Das ist kein Dokument.")
    row = connection.execute(select(documents).where(documents.c.uuid == record["id"])).one()
    if row.parent_id is not None:
        raise ValidationError("Ein Anhang wird mit seinem Dokument verschoben, nicht allein.")
    source = dossier_service.get_case(connection, record["case_id"])
    dossier_service.ensure_case_writable(connection, source)
    target_ref = target_case_ref.strip()
    if not target_ref:
        raise ValidationError("Bitte den Vorgang angeben (Aktenzeichen).")
    require_readable_case(connection, target_ref, user, write=True)
    target = dossier_service.get_case(connection, target_ref)
    target_dossier = dossier_service.ensure_case_writable(connection, target)
    if target.id == source.id:
        raise ValidationError(f"Das Dokument liegt schon im Vorgang {target.reference}.")
    ids = _descendants(connection, row.id)
    connection.execute(
        update(documents)
        .where(documents.c.id.in_(ids))
        .values(
            case_id=target.id,
            dossier_id=target_dossier.id,
            unit_id=target_dossier.lead_unit_id,
            row_version=documents.c.row_version + 1,
        )
    )
    for document_id in ids:  # reading rights and subjects in the index follow the new case
        reindex_document(connection, document_id)
    audit.record(
        connection,
        user.login,
        "document.move",
        "document",
        row.uuid,
        {
            "from": source.reference,
            "to": target.reference,
            "from_dossier": connection.execute(
                select(dossiers.c.reference).where(dossiers.c.id == row.dossier_id)
            ).scalar_one(),
            "attachments": len(ids) - 1,
        },
    )
    return target
