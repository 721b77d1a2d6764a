"""Follow-ups (Wiedervorlagen): a date on which a case comes back onto someone's desk.

A follow-up is for its creator, another person or an org unit's inbox; whoever it is for must be
able to read the case. It is due from its date on until somebody marks it done. Marking done and
postponing are optimistic: the caller names the ``row_version`` it saw, and a follow-up that
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
from eakte.db.schema import cases, dossiers, follow_ups, org_units, user_units, users
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
class FollowUp:
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
            follow_ups,
            cases.c.uuid.label("case_uuid"),
            cases.c.reference.label("case_reference"),
            cases.c.subject.label("case_subject"),
            cases.c.closed_at.label("case_closed_at"),
            dossiers.c.closed_at.label("dossier_closed_at"),
            dossiers.c.confidentiality,
            target_user.c.login.label("user_login"),
            org_units.c.code.label("unit_code"),
        )
        .join(cases, cases.c.id == follow_ups.c.case_id)
        .join(dossiers, dossiers.c.id == cases.c.dossier_id)
        .outerjoin(target_user, target_user.c.id == follow_ups.c.for_user_id)
        .outerjoin(org_units, org_units.c.id == follow_ups.c.for_unit_id)
        .where(*conditions)
    )


def _follow_up(row: Any) -> FollowUp:
    return FollowUp(
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


def get_follow_up(connection: Connection, follow_up_id: int) -> FollowUp:
    row = connection.execute(_select(follow_ups.c.id == follow_up_id)).first()
    if row is None:
        raise NotFoundError(f"Die Wiedervorlage {follow_up_id} gibt es nicht (mehr).")
    return _follow_up(row)


def of_case(connection: Connection, case_id: int) -> list[FollowUp]:
    """All follow-ups of a case: open ones by date, then the done ones, newest first."""
    rows = connection.execute(
        _select(follow_ups.c.case_id == case_id).order_by(follow_ups.c.due_on, follow_ups.c.id)
    ).all()
    found = [_follow_up(r) for r in rows]
    done = sorted((f for f in found if f.done), key=lambda f: f.done_at or f.created_at)
    return [f for f in found if not f.done] + done[::-1]


def due_for(connection: Connection, user: User, on: date | None = None) -> list[FollowUp]:
    """Open follow-ups due on ``on`` (default today) or earlier, for the user or one of the
    user's units' inboxes, on cases the user may still read; the oldest first."""
    sql = (
        "SELECT f.id FROM follow_ups f JOIN cases c ON c.id = f.case_id "
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
        _select(follow_ups.c.id.in_(list(ids) or [-1])).order_by(
            follow_ups.c.due_on, follow_ups.c.id
        )
    ).all()
    return [_follow_up(r) for r in rows]


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


def _details(follow_up_id: int, reference: str, **rest: Any) -> dict[str, Any]:
    return {"follow_up": follow_up_id, "reference": reference, **rest}


def create(
    connection: Connection,
    case_ref: str,
    user: User,
    due_on: date,
    note: str = "",
    for_user: str | None = None,
    for_unit: str | None = None,
    on: date | None = None,
) -> FollowUp:
    """Put a follow-up on a case the user may read: for the user (default), another person
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
    follow_up_id = connection.execute(
        follow_ups.insert()
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
        .returning(follow_ups.c.id)
    ).scalar_one()
    audit.record(
        connection,
        user.login,
        "followup.create",
        "case",
        case.uuid,
        _details(follow_up_id, case.reference, due_on=due_on.isoformat(), note=note, to=label),
    )
    return get_follow_up(connection, follow_up_id)


def may_act(user: User, follow_up: FollowUp) -> bool:
    """Marking done and postponing: whom it is for (a unit's members) and its creator."""
    return (
        follow_up.for_user == user.login
        or follow_up.for_unit_id in user.unit_ids
        or follow_up.created_by == user.login
    )


def _readable(connection: Connection, follow_up_id: int, user: User) -> FollowUp:
    """The follow-up if ``user`` reads its case; else it answers like a missing one."""
    follow_up = get_follow_up(connection, follow_up_id)
    try:
        require_readable_case(connection, follow_up.case_uuid, user)
    except NotFoundError:
        raise NotFoundError(f"Die Wiedervorlage {follow_up_id} gibt es nicht (mehr).") from None
    return follow_up


def _actionable(connection: Connection, follow_up_id: int, user: User) -> FollowUp:
    follow_up = _readable(connection, follow_up_id, user)
    if not may_act(user, follow_up):
        raise PermissionDeniedError(
            f"Diese Wiedervorlage ist für {follow_up.target}; erledigen oder verschieben kann "
            "sie nur, für wen sie ist, oder wer sie angelegt hat."
        )
    return follow_up


def _changed_meanwhile(connection: Connection, follow_up_id: int) -> ConflictError:
    try:
        current = get_follow_up(connection, follow_up_id)
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
    connection: Connection, follow_up_id: int, expected_version: int, user: User
) -> FollowUp:
    """Mark a follow-up done; of two people doing so at once, one wins."""
    follow_up = _actionable(connection, follow_up_id, user)
    changed = connection.execute(
        update(follow_ups)
        .where(
            follow_ups.c.id == follow_up_id,
            follow_ups.c.row_version == expected_version,
            follow_ups.c.done_at.is_(None),
        )
        .values(done_at=now(), done_by=user.login, row_version=follow_ups.c.row_version + 1)
    ).rowcount
    if changed != 1:
        raise _changed_meanwhile(connection, follow_up_id)
    audit.record(
        connection,
        user.login,
        "followup.done",
        "case",
        follow_up.case_uuid,
        _details(
            follow_up_id,
            follow_up.case_reference,
            due_on=follow_up.due_on.isoformat(),
            to=_label(follow_up),
        ),
    )
    return get_follow_up(connection, follow_up_id)


def postpone(
    connection: Connection,
    follow_up_id: int,
    expected_version: int,
    user: User,
    due_on: date,
    on: date | None = None,
) -> FollowUp:
    """Move an open follow-up to another day."""
    follow_up = _actionable(connection, follow_up_id, user)
    _ensure_open(follow_up.case_reference, follow_up.case_closed)
    _check_date(due_on, on)
    changed = connection.execute(
        update(follow_ups)
        .where(
            follow_ups.c.id == follow_up_id,
            follow_ups.c.row_version == expected_version,
            follow_ups.c.done_at.is_(None),
        )
        .values(due_on=due_on, row_version=follow_ups.c.row_version + 1)
    ).rowcount
    if changed != 1:
        raise _changed_meanwhile(connection, follow_up_id)
    audit.record(
        connection,
        user.login,
        "followup.postpone",
        "case",
        follow_up.case_uuid,
        _details(
            follow_up_id,
            follow_up.case_reference,
            due_on=due_on.isoformat(),
            previous=follow_up.due_on.isoformat(),
            to=_label(follow_up),
        ),
    )
    return get_follow_up(connection, follow_up_id)


def remove(connection: Connection, follow_up_id: int, user: User) -> FollowUp:
    """Delete an open follow-up (its creator only); a done one stays as a record."""
    follow_up = _readable(connection, follow_up_id, user)
    if follow_up.created_by != user.login:
        raise PermissionDeniedError(
            f"Eine Wiedervorlage löscht nur, wer sie angelegt hat ({follow_up.created_by})."
        )
    if follow_up.done:
        raise ConflictError("Eine erledigte Wiedervorlage bleibt als Nachweis stehen.")
    deleted = connection.execute(
        delete(follow_ups).where(follow_ups.c.id == follow_up_id, follow_ups.c.done_at.is_(None))
    ).rowcount
    if deleted != 1:
        raise _changed_meanwhile(connection, follow_up_id)
    audit.record(
        connection,
        user.login,
        "followup.delete",
        "case",
        follow_up.case_uuid,
        _details(
            follow_up_id,
            follow_up.case_reference,
            due_on=follow_up.due_on.isoformat(),
            note=follow_up.note,
            to=_label(follow_up),
        ),
    )
    return follow_up


def _label(follow_up: FollowUp) -> str:
    return f"unit:{follow_up.for_unit}" if follow_up.for_unit else str(follow_up.for_user)
