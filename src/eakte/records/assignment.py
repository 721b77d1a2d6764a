"""Who works a case (Bearbeitung): the assignee finds it under "Meine Vorgänge" on the desk."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from eakte import audit
from eakte.db.schema import cases, users
from eakte.errors import ValidationError
from eakte.records.access import read_scope
from eakte.records.dossiers import ensure_case_writable, get_case, get_dossier_by_id
from eakte.records.organisation import get_user


def assignee_of(connection: Connection, case_id: int) -> str | None:
    login = connection.execute(
        select(users.c.login)
        .join(cases, cases.c.assignee_id == users.c.id)
        .where(cases.c.id == case_id)
    ).scalar()
    return str(login) if login else None


def assign_case(connection: Connection, case_ref: str, login: str | None, actor: str) -> None:
    """Give the case to ``login`` (or to nobody); that person must be able to work it."""
    case = get_case(connection, case_ref)
    ensure_case_writable(connection, case)
    before = assignee_of(connection, case.id)
    assignee_id = None
    if login:
        person = get_user(connection, login)
        dossier = get_dossier_by_id(connection, case.dossier_id)
        scope = read_scope(connection, person)
        if not (
            person.has_role("clerk")
            and scope.writes(dossier.lead_unit_id, dossier.id, dossier.confidentiality)
        ):
            raise ValidationError(
                f"{person.name} ({login}) kann diesen Vorgang nicht bearbeiten (keine "
                "Sachbearbeitung der federführenden Einheit und keine Schreibfreigabe)."
            )
        assignee_id = person.id
    if before == (login or None):
        return
    connection.execute(
        update(cases)
        .where(cases.c.id == case.id)
        .values(assignee_id=assignee_id, row_version=cases.c.row_version + 1)
    )
    audit.record(
        connection,
        actor,
        "case.assign",
        "case",
        case.uuid,
        {"reference": case.reference, "from": before, "to": login or None},
    )
