"""Org units (a tree) and users with their unit memberships."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, select
from sqlalchemy.exc import IntegrityError

from eakte import audit
from eakte.core.records import Confidentiality
from eakte.core.units import validate_unit_code
from eakte.db.schema import org_units, user_units, users
from eakte.errors import ConflictError, NotFoundError, ValidationError
from eakte.records.common import now


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    parent_id: int | None


def get_unit(connection: Connection, code: str) -> Unit:
    row = connection.execute(select(org_units).where(org_units.c.code == code)).first()
    if row is None:
        raise NotFoundError(
            f"Organisationseinheit {code!r} gibt es nicht; vorhandene zeigt »eakte unit list«."
        )
    return Unit(row.id, row.code, row.name, row.parent_id)


def list_units(connection: Connection) -> list[Unit]:
    rows = connection.execute(select(org_units).order_by(org_units.c.code)).all()
    return [Unit(r.id, r.code, r.name, r.parent_id) for r in rows]


def add_unit(
    connection: Connection, code: str, name: str, parent_code: str | None, actor: str
) -> Unit:
    code = validate_unit_code(code)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Der Name der Organisationseinheit darf nicht leer sein.")
    parent = get_unit(connection, parent_code) if parent_code else None
    if connection.execute(select(org_units.c.id).where(org_units.c.code == code)).first():
        raise ConflictError(f"Organisationseinheit {code} gibt es schon.")
    unit_id = connection.execute(
        org_units.insert()
        .values(code=code, name=name, parent_id=parent.id if parent else None, created_at=now())
        .returning(org_units.c.id)
    ).scalar_one()
    audit.record(
        connection, actor, "unit.create", "unit", code, {"name": name, "parent": parent_code}
    )
    return Unit(unit_id, code, name, parent.id if parent else None)


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str
    unit_ids: tuple[int, ...]
    roles: frozenset[str] = frozenset({"clerk"})
    clearance: str = "002"

    def has_role(self, role: str) -> bool:
        return role in self.roles


def _validate_login(login: str) -> str:
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise ValidationError(f"Anmeldename {login!r} ist ungültig: 1–64 Zeichen ohne Leerzeichen.")
    return login


def add_user(
    connection: Connection,
    login: str,
    name: str,
    unit_codes: list[str],
    actor: str,
    roles: list[str] | None = None,
    clearance: str | None = None,
    password_hash: str | None = None,
    email: str | None = None,
) -> User:
    """Create a person; ``roles`` default to clerk, ``clearance`` to 002 (internal)."""
    login = _validate_login(login)
    address = validate_email(email) if email else None
    role_set = validate_roles(roles or ["clerk"])
    level = Confidentiality.parse(clearance or "002").value
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Der Name der Person darf nicht leer sein.")
    if not unit_codes:
        raise ValidationError(
            "Jede Person gehört zu mindestens einer Organisationseinheit (--unit)."
        )
    units = [get_unit(connection, code) for code in unit_codes]
    if connection.execute(select(users.c.id).where(users.c.login == login)).first():
        raise ConflictError(f"Eine Person mit dem Anmeldenamen {login} gibt es schon.")
    try:
        user_id = connection.execute(
            users.insert()
            .values(
                login=login,
                name=name,
                active=True,
                created_at=now(),
                roles=",".join(sorted(role_set)),
                clearance=level,
                password_hash=password_hash,
                email=address,
            )
            .returning(users.c.id)
        ).scalar_one()
    except IntegrityError as exc:
        raise ConflictError(f"Eine Person mit dem Anmeldenamen {login} gibt es schon.") from exc
    connection.execute(user_units.insert(), [{"user_id": user_id, "unit_id": u.id} for u in units])
    audit.record(
        connection,
        actor,
        "user.create",
        "user",
        login,
        {
            "name": name,
            "units": [u.code for u in units],
            "roles": sorted(role_set),
            "clearance": level,
            **({"email": address} if address else {}),
        },
    )
    return User(user_id, login, name, tuple(u.id for u in units), role_set, level)


def validate_email(address: str) -> str:
    """A plausible mail address (``name@host``); the mail server decides the rest."""
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if (
        not local
        or not domain
        or len(address) > 254
        or any(c.isspace() or c in '<>,;"' for c in address)
        or domain.startswith(".")
        or domain.endswith(".")
    ):
        raise ValidationError(
            f"E-Mail-Adresse {address!r} ist ungültig; erwartet wird name@beispiel.de."
        )
    return address


def set_email(connection: Connection, login: str, address: str | None, actor: str) -> None:
    """Set or (with ``None``) remove the address the resubmission digest goes to."""
    person = get_user(connection, login)
    cleaned = validate_email(address) if address else None
    connection.execute(users.update().where(users.c.id == person.id).values(email=cleaned))
    audit.record(connection, actor, "user.email", "user", login, {"email": cleaned})


def emails(connection: Connection) -> dict[str, str]:
    """Login → e-mail address of everyone who has one."""
    rows = connection.execute(
        select(users.c.login, users.c.email).where(users.c.email.is_not(None))
    ).all()
    return {row.login: row.email for row in rows}


USER_COLUMNS = (
    users.c.id,
    users.c.login,
    users.c.name,
    users.c.active,
    users.c.roles,
    users.c.clearance,
    user_units.c.unit_id,
)


def with_units(query: Select[Any]) -> Select[Any]:
    """``query`` (over a FROM that contains ``users``) with the user's columns and units: a row
    per unit (one with ``unit_id`` None for a person without units), read by ``user_of``. Every
    request looks its user up, so person and units come in one round trip."""
    return query.add_columns(*USER_COLUMNS).outerjoin(
        user_units, user_units.c.user_id == users.c.id
    )


def user_of(rows: Sequence[Row[Any]]) -> User | None:
    """The active person in ``rows`` of a ``with_units`` query (None: none, or deactivated)."""
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return User(
        first.id,
        first.login,
        first.name,
        tuple(sorted(r.unit_id for r in rows if r.unit_id is not None)),
        frozenset(filter(None, first.roles.split(","))),
        first.clearance,
    )


_USER_BY_LOGIN = with_units(select().where(users.c.login == bindparam("login")))


def get_user(connection: Connection, login: str) -> User:
    user = user_of(connection.execute(_USER_BY_LOGIN, {"login": login}).all())
    if user is None:
        raise NotFoundError(f"Eine Person mit dem Anmeldenamen {login!r} gibt es nicht.")
    return user


# portfolio: sees and steers the digitalisation portfolio (eakte.portfolio); no record rights.
ROLES = ("admin", "registry", "clerk", "reader", "portfolio")


def validate_roles(roles: list[str]) -> frozenset[str]:
    cleaned = frozenset(r.strip().lower() for r in roles if r.strip())
    unknown = cleaned - set(ROLES)
    if unknown or not cleaned:
        raise ValidationError(
            f"Rolle(n) {', '.join(sorted(unknown)) or '(keine)'} unbekannt: erlaubt sind "
            "admin, registry, clerk, reader und portfolio."
        )
    return cleaned


def list_users(connection: Connection) -> list[tuple[str, str, list[str]]]:
    rows = connection.execute(
        select(users.c.login, users.c.name, org_units.c.code)
        .join(user_units, user_units.c.user_id == users.c.id)
        .join(org_units, org_units.c.id == user_units.c.unit_id)
        .order_by(users.c.login, org_units.c.code)
    ).all()
    result: dict[str, tuple[str, list[str]]] = {}
    for login, name, code in rows:
        result.setdefault(login, (name, []))[1].append(code)
    return [(login, name, codes) for login, (name, codes) in result.items()]
