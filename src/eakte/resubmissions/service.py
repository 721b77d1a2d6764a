"""Resubmissions (Wiedervorlagen): a date on which a case comes back onto someone's desk.

A resubmission is for its creator, another person or an org unit's inbox; whoever it is for must be
able to read the case. It is due from its date on until somebody marks it done. Marking done and
postponing are optimistic: the caller names the ``row_version`` it saw, and a resubmission that
someone else changed meanwhile gives a ``ConflictError``. Every change is an audit event on the
case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Date, bindparam, delete, select, text, update

from eakte import audit
from eakte.core.records import Confidentiality
from eakte.db.schema import cases, dossiers, org_units, resubmissions, user_units, users
from eakte.errors import (
    ClosedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from eakte.records.access import CASE_FILTER, can_read, expanding_params, read_scope
from eakte.records.common import COUNTY_TIME, now, today
from eakte.records.dossiers import Case, get_case, get_dossier_by_id
from eakte.records.lookup import require_readable_case
from eakte.records.organisation import User, get_unit, get_user

MAX_NOTE = 500
MAX_YEARS_AHEAD = 10
UNIT_PREFIX = "Postkorb "


@dataclass(frozen=True)
class Resubmission:
    id: int
    case_id: int
    case_uuid: str
    case_reference: str
    case_subject: str
    case_closed: bool
    confidentiality: str
    due_on: date
    note: str
    for_user: str | None  # login, or None when for a unit's inbox
    for_unit: str | None  # unit code
    for_unit_id: int | None
    created_by: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    row_version: int

    @property
    def target(self) -> str:
        """Whom it is for, as a person reads it: a login or »Postkorb CODE«."""
        return UNIT_PREFIX + self.for_unit if self.for_unit else str(self.for_user)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, on: date) -> bool:
        return not self.done and self.due_on < on

    @property
    def confidential(self) -> bool:
        """Vertraulich or above: subject and note stay out of e-mails."""
        return self.confidentiality >= Confidentiality.CONFIDENTIAL.value


def _select(*conditions: Any) -> Any:
    target_user = users.alias("target_user")
    return (
        select(
            resubmissions,
            cases.c.uuid.label("case_uuid"),
            cases.c.reference.label("case_reference"),
            cases.c.subject.label("case_subject"),
            cases.c.closed_at.label("case_closed_at"),
            dossiers.c.closed_at.label("dossier_closed_at"),
            dossiers.c.confidentiality,
            target_user.c.login.label("user_login"),
            org_units.c.code.label("unit_code"),
        )
        .join(cases, cases.c.id == resubmissions.c.case_id)
        .join(dossiers, dossiers.c.id == cases.c.dossier_id)
        .outerjoin(target_user, target_user.c.id == resubmissions.c.for_user_id)
        .outerjoin(org_units, org_units.c.id == resubmissions.c.for_unit_id)
        .where(*conditions)
    )


def _resubmission(row: Any) -> Resubmission:
    return Resubmission(
        row.id,
        row.case_id,
        row.case_uuid,
        row.case_reference,
        row.case_subject,
        row.case_closed_at is not None or row.dossier_closed_at is not None,
        row.confidentiality,
        row.due_on,
        row.note,
        row.user_login,
        row.unit_code,
        row.for_unit_id,
        row.created_by,
        row.created_at,
        row.done_at,
        row.done_by,
        row.row_version,
    )


def get_resubmission(connection: Connection, resubmission_id: int) -> Resubmission:
    row = connection.execute(_select(resubmissions.c.id == resubmission_id)).first()
    if row is None:
        raise NotFoundError(f"Die Wiedervorlage {resubmission_id} gibt es nicht (mehr).")
    return _resubmission(row)


def of_case(connection: Connection, case_id: int) -> list[Resubmission]:
    """All resubmissions of a case: open ones by date, then the done ones, newest first."""
    rows = connection.execute(
        _select(resubmissions.c.case_id == case_id).order_by(
            resubmissions.c.due_on, resubmissions.c.id
        )
    ).all()
    found = [_resubmission(r) for r in rows]
    done = sorted((f for f in found if f.done), key=lambda f: f.done_at or f.created_at)
    return [f for f in found if not f.done] + done[::-1]


def due_for(connection: Connection, user: User, on: date | None = None) -> list[Resubmission]:
    """Open resubmissions due on ``on`` (default today) or earlier, for the user or one of the
    user's units' inboxes, on cases the user may still read; the oldest first."""
    sql = (
        "SELECT f.id FROM resubmissions f JOIN cases c ON c.id = f.case_id "
        "JOIN dossiers dz ON dz.id = c.dossier_id "
        "WHERE f.done_at IS NULL AND f.due_on <= :day "
        f"AND (f.for_user_id = :me OR f.for_unit_id IN :mine) AND {CASE_FILTER}"
    )
    statement = text(sql).bindparams(
        bindparam("day", type_=Date), bindparam("mine", expanding=True), *expanding_params(sql)
    )
    ids = connection.execute(
        statement,
        {
            **read_scope(connection, user).params(),
            "day": on or today(),
            "me": user.id,
            "mine": list(user.unit_ids) or [-1],
        },
    ).scalars()
    rows = connection.execute(
        _select(resubmissions.c.id.in_(list(ids) or [-1])).order_by(
            resubmissions.c.due_on, resubmissions.c.id
        )
    ).all()
    return [_resubmission(r) for r in rows]


def _reads(connection: Connection, person: User, case: Case) -> bool:
    dossier = get_dossier_by_id(connection, case.dossier_id)
    return can_read(
        connection, person, dossier.lead_unit_id, dossier.confidentiality, dossier.id, case.id
    )


def _unit_members(connection: Connection, unit_id: int) -> list[User]:
    logins = connection.execute(
        select(users.c.login)
        .join(user_units, user_units.c.user_id == users.c.id)
        .where(user_units.c.unit_id == unit_id, users.c.active.is_(True))
        .order_by(users.c.login)
    ).scalars()
    return [get_user(connection, login) for login in logins]


def _target(
    connection: Connection, case: Case, user: User, person: str | None, unit: str | None
) -> tuple[int | None, int | None, str]:
    """(for_user_id, for_unit_id, label for the audit) after checking the target reads the
    case. The refusal names only the problem, nothing of what else the target may read."""
    person, unit = (person or "").strip() or None, (unit or "").strip() or None
    if person and unit:
        raise ValidationError(
            "Eine Wiedervorlage ist für eine Person oder eine Einheit, nicht beides."
        )
    if unit:
        found = get_unit(connection, unit)
        if not any(_reads(connection, m, case) for m in _unit_members(connection, found.id)):
            raise ValidationError(
                f"Niemand in der Einheit {found.code} kann den Vorgang {case.reference} lesen; "
                "eine Wiedervorlage in ihren Postkorb liefe ins Leere. Bitte zuerst eine "
                "Freigabe erteilen oder eine andere Einheit wählen."
            )
        return None, found.id, f"unit:{found.code}"
    target = get_user(connection, person) if person and person != user.login else user
    if target.id != user.id and not _reads(connection, target, case):
        raise ValidationError(
            f"{target.login} kann den Vorgang {case.reference} nicht lesen; eine "
            "Wiedervorlage für diese Person ist deshalb nicht möglich. Bitte zuerst eine "
            "Freigabe erteilen oder eine andere Person wählen."
        )
    return target.id, None, target.login


def parse_day(value: str, label: str = "Datum") -> date:
    """A day as forms and the command line give it: 2026-12-01 or 01.12.2026."""
    value = value.strip()
    try:
        if "." in value:
            day, month, year = (int(part) for part in value.split("."))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{label} {value!r} ist kein Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT."
        ) from None


def _check_date(due_on: date, on: date | None) -> None:
    day = on or today()
    if due_on < day:
        raise ValidationError(
            f"Das Datum {due_on:%d.%m.%Y} liegt in der Vergangenheit; eine Wiedervorlage "
            "braucht heute oder einen späteren Tag."
        )
    if due_on.year > day.year + MAX_YEARS_AHEAD:
        raise ValidationError(
            f"Eine Wiedervorlage liegt höchstens {MAX_YEARS_AHEAD} Jahre in der Zukunft."
        )


def _ensure_open(case_reference: str, closed: bool) -> None:
    if closed:
        raise ClosedError(
            f"Vorgang {case_reference} ist abgeschlossen (z.d.A.); Wiedervorlagen gibt es nur "
            "für offene Vorgänge."
        )


def _details(resubmission_id: int, reference: str, **rest: Any) -> dict[str, Any]:
    return {"resubmission": resubmission_id, "reference": reference, **rest}


def create(
    connection: Connection,
    case_ref: str,
    user: User,
    due_on: date,
    note: str = "",
    for_user: str | None = None,
    for_unit: str | None = None,
    on: date | None = None,
) -> Resubmission:
    """Put a resubmission on a case the user may read: for the user (default), another person
    (``for_user``, a login) or a unit's inbox (``for_unit``, a code)."""
    require_readable_case(connection, case_ref, user)
    case = get_case(connection, case_ref.strip())
    dossier = get_dossier_by_id(connection, case.dossier_id)
    _ensure_open(case.reference, case.closed_at is not None or dossier.closed_at is not None)
    _check_date(due_on, on)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(f"Die Notiz ist länger als {MAX_NOTE} Zeichen; bitte kürzen.")
    person_id, unit_id, label = _target(connection, case, user, for_user, for_unit)
    resubmission_id = connection.execute(
        resubmissions.insert()
        .values(
            case_id=case.id,
            due_on=due_on,
            note=note,
            for_user_id=person_id,
            for_unit_id=unit_id,
            created_at=now(),
            created_by=user.login,
            row_version=1,
        )
        .returning(resubmissions.c.id)
    ).scalar_one()
    audit.record(
        connection,
        user.login,
        "resubmission.create",
        "case",
        case.uuid,
        _details(resubmission_id, case.reference, due_on=due_on.isoformat(), note=note, to=label),
    )
    return get_resubmission(connection, resubmission_id)


def may_act(user: User, resubmission: Resubmission) -> bool:
    """Marking done and postponing: whom it is for (a unit's members) and its creator."""
    return (
        resubmission.for_user == user.login
        or resubmission.for_unit_id in user.unit_ids
        or resubmission.created_by == user.login
    )


def _readable(connection: Connection, resubmission_id: int, user: User) -> Resubmission:
    """The resubmission if ``user`` reads its case; else it answers like a missing one."""
    resubmission = get_resubmission(connection, resubmission_id)
    try:
        require_readable_case(connection, resubmission.case_uuid, user)
    except NotFoundError:
        raise NotFoundError(f"Die Wiedervorlage {resubmission_id} gibt es nicht (mehr).") from None
    return resubmission


def _actionable(connection: Connection, resubmission_id: int, user: User) -> Resubmission:
    resubmission = _readable(connection, resubmission_id, user)
    if not may_act(user, resubmission):
        raise PermissionDeniedError(
            f"Diese Wiedervorlage ist für {resubmission.target}; erledigen oder verschieben kann "
            "sie nur, für wen sie ist, oder wer sie angelegt hat."
        )
    return resubmission


def _changed_meanwhile(connection: Connection, resubmission_id: int) -> ConflictError:
    try:
        current = get_resubmission(connection, resubmission_id)
    except NotFoundError:
        return ConflictError("Diese Wiedervorlage wurde inzwischen gelöscht.")
    if current.done_at is not None:
        return ConflictError(
            f"Diese Wiedervorlage wurde inzwischen von {current.done_by} erledigt "
            f"({_local(current.done_at):%d.%m.%Y %H:%M}); Ihre Eingabe wurde nicht gespeichert."
        )
    return ConflictError(
        "Diese Wiedervorlage wurde inzwischen geändert (jetzt fällig am "
        f"{current.due_on:%d.%m.%Y}); Ihre Eingabe wurde nicht gespeichert. Bitte die Seite "
        "neu laden."
    )


def _local(moment: datetime) -> datetime:
    # Stored times are UTC; SQLite returns them without a zone.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(COUNTY_TIME)


def mark_done(
    connection: Connection, resubmission_id: int, expected_version: int, user: User
) -> Resubmission:
    """Mark a resubmission done; of two people doing so at once, one wins."""
    resubmission = _actionable(connection, resubmission_id, user)
    changed = connection.execute(
        update(resubmissions)
        .where(
            resubmissions.c.id == resubmission_id,
            resubmissions.c.row_version == expected_version,
            resubmissions.c.done_at.is_(None),
        )
        .values(done_at=now(), done_by=user.login, row_version=resubmissions.c.row_version + 1)
    ).rowcount
    if changed != 1:
        raise _changed_meanwhile(connection, resubmission_id)
    audit.record(
        connection,
        user.login,
        "resubmission.done",
        "case",
        resubmission.case_uuid,
        _details(
            resubmission_id,
            resubmission.case_reference,
            due_on=resubmission.due_on.isoformat(),
            to=_label(resubmission),
        ),
    )
    return get_resubmission(connection, resubmission_id)


def postpone(
    connection: Connection,
    resubmission_id: int,
    expected_version: int,
    user: User,
    due_on: date,
    on: date | None = None,
) -> Resubmission:
    """Move an open resubmission to another day."""
    resubmission = _actionable(connection, resubmission_id, user)
    _ensure_open(resubmission.case_reference, resubmission.case_closed)
    _check_date(due_on, on)
    changed = connection.execute(
        update(resubmissions)
        .where(
            resubmissions.c.id == resubmission_id,
            resubmissions.c.row_version == expected_version,
            resubmissions.c.done_at.is_(None),
        )
        .values(due_on=due_on, row_version=resubmissions.c.row_version + 1)
    ).rowcount
    if changed != 1:
        raise _changed_meanwhile(connection, resubmission_id)
    audit.record(
        connection,
        user.login,
        "resubmission.postpone",
        "case",
        resubmission.case_uuid,
        _details(
            resubmission_id,
            resubmission.case_reference,
            due_on=due_on.isoformat(),
            previous=resubmission.due_on.isoformat(),
            to=_label(resubmission),
        ),
    )
    return get_resubmission(connection, resubmission_id)


def remove(connection: Connection, resubmission_id: int, user: User) -> Resubmission:
    """Delete an open resubmission (its creator only); a done one stays as a record."""
    resubmission = _readable(connection, resubmission_id, user)
    if resubmission.created_by != user.login:
        raise PermissionDeniedError(
            f"Eine Wiedervorlage löscht nur, wer sie angelegt hat ({resubmission.created_by})."
        )
    if resubmission.done:
        raise ConflictError("Eine erledigte Wiedervorlage bleibt als Nachweis stehen.")
    deleted = connection.execute(
        delete(resubmissions).where(
            resubmissions.c.id == resubmission_id, resubmissions.c.done_at.is_(None)
        )
    ).rowcount
    if deleted != 1:
        raise _changed_meanwhile(connection, resubmission_id)
    audit.record(
        connection,
        user.login,
        "resubmission.delete",
        "case",
        resubmission.case_uuid,
        _details(
            resubmission_id,
            resubmission.case_reference,
            due_on=resubmission.due_on.isoformat(),
            note=resubmission.note,
            to=_label(resubmission),
        ),
    )
    return resubmission


def _label(resubmission: Resubmission) -> str:
    return f"unit:{resubmission.for_unit}" if resubmission.for_unit else str(resubmission.for_user)
