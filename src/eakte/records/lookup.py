"""Find any record by reference or id and describe it (for ``eakte show`` and the API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from eakte.core.records import STATE_LABELS_DE, DocumentState
from eakte.db.schema import cases, documents, dossiers, org_units, users, versions
from eakte.errors import NotFoundError, PermissionDeniedError
from eakte.records.access import read_scope
from eakte.records.dossiers import dossier_row
from eakte.records.listing import dossier_cases
from eakte.records.organisation import User
from eakte.scan.facts import processing_facts


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _unit_code(connection: Connection, unit_id: int) -> str:
    return str(
        connection.execute(select(org_units.c.code).where(org_units.c.id == unit_id)).scalar_one()
    )


def _check(
    connection: Connection,
    user: User | None,
    dossier_id: int,
    label: str,
    case_id: int | None = None,
    write: bool = False,
    dossier: Any = None,
) -> None:
    """``dossier``: the dossier's row if the caller has it (lead unit and confidentiality)."""
    # A record the user may not read answers exactly like a missing one.
    if user is None:
        return
    if dossier is None:
        dossier = connection.execute(
            select(dossiers.c.lead_unit_id, dossiers.c.confidentiality).where(
                dossiers.c.id == dossier_id
            )
        ).one()
    scope = read_scope(connection, user)
    if not scope.reads(dossier.lead_unit_id, dossier_id, dossier.confidentiality, case_id):
        raise NotFoundError(f"{label} gibt es nicht.")
    if write and not (
        (user.has_role("clerk") or user.has_role("registry"))
        and scope.writes(dossier.lead_unit_id, dossier_id, dossier.confidentiality)
    ):
        raise PermissionDeniedError(
            f"{label}: Sie dürfen hier lesen, aber nichts ablegen oder ändern. Schreibrechte "
            "haben die federführende Organisationseinheit und Personen mit einer "
            "Schreibfreigabe."
        )


def _describe_dossier(connection: Connection, row: Any, contents: bool = True) -> dict[str, Any]:
    """``row``: as ``dossiers.dossier_row`` reads it, with its plan item and lead unit."""
    described = {
        "type": "dossier",
        "id": row.uuid,
        "reference": row.reference,
        "subject": row.subject,
        "plan_item": row.plan_code,
        "plan_title": row.plan_title,
        "lead_unit": row.unit_code,
        "confidentiality": row.confidentiality,
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
        "closed_at": _iso(row.closed_at),
    }
    if not contents:
        return described
    return {**described, "cases": dossier_cases(connection, row.uuid, limit=None).cases}


def _describe_case(connection: Connection, row: Any, contents: bool = True) -> dict[str, Any]:
    """``contents`` is for dossiers; a case always lists its documents."""
    dossier = connection.execute(
        select(dossiers.c.reference, dossiers.c.uuid).where(dossiers.c.id == row.dossier_id)
    ).one()
    docs = connection.execute(
        select(documents).where(documents.c.case_id == row.id).order_by(documents.c.id)
    ).all()
    assignee = None
    if row.assignee_id is not None:
        assignee = connection.execute(
            select(users.c.login).where(users.c.id == row.assignee_id)
        ).scalar()
    return {
        "type": "case",
        "id": row.uuid,
        "assignee": assignee,
        "reference": row.reference,
        "subject": row.subject,
        "dossier": dossier.reference,
        "dossier_id": dossier.uuid,
        "lead_unit": _unit_code(connection, row.lead_unit_id),
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
        "closed_at": _iso(row.closed_at),
        "documents": [
            {
                "id": d.uuid,
                "title": d.title,
                "kind": d.kind,
                "state": d.state,
                "attachment_of": d.parent_id,
                "error": d.extraction_error,
            }
            for d in docs
        ],
    }


def _describe_document(connection: Connection, row: Any, contents: bool = True) -> dict[str, Any]:
    """``contents`` is for dossiers; a document always lists its versions."""
    case = connection.execute(
        select(
            cases.c.reference,
            cases.c.uuid,
            dossiers.c.reference.label("dossier"),
            dossiers.c.uuid.label("dossier_uuid"),
            dossiers.c.disposed_at,
        )
        .join(dossiers, dossiers.c.id == cases.c.dossier_id)
        .where(cases.c.id == row.case_id)
    ).one()
    version_rows = connection.execute(
        select(versions).where(versions.c.document_id == row.id).order_by(versions.c.number)
    ).all()
    parent = None
    if row.parent_id is not None:
        parent = connection.execute(
            select(documents.c.uuid).where(documents.c.id == row.parent_id)
        ).scalar_one()
    return {
        "type": "document",
        "id": row.uuid,
        "title": row.title,
        "case": case.reference,
        "case_id": case.uuid,
        "dossier": case.dossier,
        "dossier_id": case.dossier_uuid,
        "kind": row.kind,
        "media_type": row.media_type,
        "state": row.state,
        "state_label": STATE_LABELS_DE[DocumentState(row.state)],
        "destroyed_at": _iso(case.disposed_at)
        if row.state == DocumentState.DESTROYED.value
        else None,
        "extraction_error": row.extraction_error,
        "document_date": _iso(row.document_date),
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
        "attachment_of": parent,
        "current_version": row.current_version,
        "row_version": row.row_version,
        "versions": [
            {
                "number": v.number,
                "sha256": v.content_sha256,
                "size": v.size,
                "filename": v.filename,
                "media_type": v.media_type,
                "created_at": _iso(v.created_at),
            }
            for v in version_rows
        ],
        **processing_facts(connection, row),  # renditions, scan record, OCR work
    }


def require_readable_case(
    connection: Connection, ref_or_id: str, user: User, write: bool = False
) -> None:
    """Raise ``NotFoundError`` unless the case exists and ``user`` may read it (without loading
    its documents, unlike ``describe``); with ``write``, ``PermissionDeniedError`` unless the
    user may also file into it."""
    row = connection.execute(
        select(cases.c.id, cases.c.dossier_id).where(
            (cases.c.reference == ref_or_id) | (cases.c.uuid == ref_or_id)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"Vorgang {ref_or_id!r} gibt es nicht.")
    _check(connection, user, row.dossier_id, f"Vorgang {ref_or_id!r}", row.id, write)


def require_writable(
    connection: Connection, ref_or_id: str, user: User, contents: bool = True
) -> dict[str, Any]:
    """The record (as ``describe`` finds it) if ``user`` may change it: 404 when unreadable,
    403 when only readable."""
    record = describe(connection, ref_or_id, user, contents=contents)
    found = _find(connection, record["type"], record["id"])
    own = found if record["type"] == "dossier" else None
    dossier_id = found.id if own is not None else found.dossier_id
    label = f"{LABELS[record['type']]} {ref_or_id!r}"
    _check(connection, user, dossier_id, label, write=True, dossier=own)
    return record


LABELS = {"dossier": "Akte", "case": "Vorgang", "document": "Dokument"}


def describe(
    connection: Connection,
    ref_or_id: str,
    user: User | None = None,
    kind: str | None = None,
    *,
    contents: bool = True,
) -> dict[str, Any]:
    """Describe the dossier, case or document named by reference or id; with ``kind``, only a
    record of that kind counts (anything else is "not found"). ``contents=False`` leaves out a
    dossier's cases, for callers that only check access or page them (``listing.dossier_cases``):
    they grow with the dossier."""
    ref_or_id = ref_or_id.strip()
    kinds = [kind] if kind else list(LABELS)
    for candidate in kinds:
        found = _find(connection, candidate, ref_or_id)
        if found is not None:
            dossier_id = found.id if candidate == "dossier" else found.dossier_id
            case_id = (
                found.id
                if candidate == "case"
                else found.case_id
                if candidate == "document"
                else None
            )
            label = f"{LABELS[candidate]} {ref_or_id!r}"
            own = found if candidate == "dossier" else None
            _check(connection, user, dossier_id, label, case_id, dossier=own)
            return DESCRIBERS[candidate](connection, found, contents)
    if kind:
        raise NotFoundError(f"{LABELS[kind]} {ref_or_id!r} gibt es nicht.")
    raise NotFoundError(f"Weder Akte noch Vorgang noch Dokument {ref_or_id!r} gefunden.")


def _find(connection: Connection, kind: str, ref_or_id: str) -> Any:
    if kind == "document":
        return connection.execute(select(documents).where(documents.c.uuid == ref_or_id)).first()
    if kind == "dossier":
        return dossier_row(connection, ref_or_id)
    return connection.execute(
        select(cases).where((cases.c.reference == ref_or_id) | (cases.c.uuid == ref_or_id))
    ).first()


DESCRIBERS = {
    "dossier": _describe_dossier,
    "case": _describe_case,
    "document": _describe_document,
}
