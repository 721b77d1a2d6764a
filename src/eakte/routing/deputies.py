"""Deputies (Vertretung) and absences: while a person is away, the people they named see and
work their routing steps, recorded as acting on their behalf (i.V.)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, select

from eakte import audit
from eakte.db.schema import absences, deputies, users
from eakte.errors import NotFoundError, PermissionDeniedError, ValidationError
from eakte.records.common import now, today
from eakte.records.organisation import User, get_user

MAX_ABSENCE_DAYS = 366


@dataclass(frozen=True)
class Absence:
    id: int
    starts_on: date
    ends_on: date
    note: str


def ensure_may_manage(user: User, login: str) -> None:
    """A person manages their own deputies and absences; an administrator anybody's."""
    if user.login != login and not user.has_role("admin"):
        raise PermissionDeniedError(
            "Vertretungen und Abwesenheiten pflegt jede Person selbst (oder die Administration)."
        )


def deputies_of(connection: Connection, login: str) -> list[str]:
    principal = get_user(connection, login)
    return list(
        connection.execute(
            select(users.c.login)
            .join(deputies, deputies.c.deputy_id == users.c.id)
            .where(deputies.c.user_id == principal.id)
            .order_by(users.c.login)
        ).scalars()
    )


def set_deputies(connection: Connection, login: str, deputy_logins: list[str], actor: str) -> None:
    """Replace the deputies ``login`` names (an empty list removes them all)."""
    principal = get_user(connection, login)
    wanted = sorted({d.strip() for d in deputy_logins if d.strip()})
    if login in wanted:
        raise ValidationError("Niemand kann sich selbst vertreten.")
    ids = [get_user(connection, d).id for d in wanted]
    before = deputies_of(connection, login)
    connection.execute(delete(deputies).where(deputies.c.user_id == principal.id))
    if ids:
        created = now()
        connection.execute(
            deputies.insert(),
            [{"user_id": principal.id, "deputy_id": i, "created_at": created} for i in ids],
        )
    audit.record(connection, actor, "user.deputies", "user", login, {"from": before, "to": wanted})


def absences_of(connection: Connection, login: str, from_day: date | None = None) -> list[Absence]:
    """Absences of ``login`` that have not ended before ``from_day`` (default today)."""
    principal = get_user(connection, login)
    day = from_day or today()
    rows = connection.execute(
        select(absences)
        .where(absences.c.user_id == principal.id, absences.c.ends_on >= day)
        .order_by(absences.c.starts_on)
    ).all()
    return [Absence(r.id, r.starts_on, r.ends_on, r.note) for r in rows]


def add_absence(
    connection: Connection, login: str, starts_on: date, ends_on: date, note: str, actor: str
) -> Absence:
    if ends_on < starts_on:
        raise ValidationError("Das Ende der Abwesenheit liegt vor ihrem Beginn.")
    if (ends_on - starts_on).days > MAX_ABSENCE_DAYS:
        raise ValidationError("Eine Abwesenheit dauert höchstens ein Jahr; bitte aufteilen.")
    principal = get_user(connection, login)
    note = " ".join(note.split())[:200]
    absence_id = connection.execute(
        absences.insert()
        .values(
            user_id=principal.id, starts_on=starts_on, ends_on=ends_on, note=note, created_at=now()
        )
        .returning(absences.c.id)
    ).scalar_one()
    audit.record(
        connection,
        actor,
        "user.absence",
        "user",
        login,
        {"from": starts_on.isoformat(), "to": ends_on.isoformat(), "note": note},
    )
    return Absence(absence_id, starts_on, ends_on, note)


def remove_absence(connection: Connection, login: str, absence_id: int, actor: str) -> None:
    principal = get_user(connection, login)
    row = connection.execute(
        select(absences).where(absences.c.id == absence_id, absences.c.user_id == principal.id)
    ).first()
    if row is None:
        raise NotFoundError(f"Diese Abwesenheit von {login} gibt es nicht.")
    connection.execute(delete(absences).where(absences.c.id == absence_id))
    audit.record(
        connection,
        actor,
        "user.absence_removed",
        "user",
        login,
        {"from": row.starts_on.isoformat(), "to": row.ends_on.isoformat()},
    )
