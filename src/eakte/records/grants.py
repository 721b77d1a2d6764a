"""Explicit rights on a dossier for another org unit or a person (Freigaben), and county-wide
access policies. Every change is an audit event on the dossier (or the policy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from eakte import audit
from eakte.db.schema import grants, org_units, policies, users
from eakte.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from eakte.records.access import POLICY_DEFAULTS, read_scope
from eakte.records.common import now
from eakte.records.dossiers import Dossier, get_dossier, manages
from eakte.records.organisation import User, get_unit, get_user

ACCESS_LEVELS = {"read": "lesen", "write": "lesen und ablegen"}
POLICY_VALUES = {"on", "off"}


@dataclass(frozen=True)
class Grant:
    id: int
    dossier_id: int
    unit_code: str | None
    user_login: str | None
    access: str
    granted_at: datetime
    granted_by: str
    note: str

    @property
    def grantee(self) -> str:
        return f"Einheit {self.unit_code}" if self.unit_code else f"Person {self.user_login}"


def ensure_may_manage(connection: Connection, dossier: Dossier, user: User) -> None:
    """Registry, or a clerk of the lead unit (not merely a grantee), may change the grants of a
    dossier they can read; anyone else learns nothing about it."""
    scope = read_scope(connection, user)
    if not scope.reads(dossier.lead_unit_id, dossier.id, dossier.confidentiality):
        raise NotFoundError(f"Akte {dossier.reference!r} gibt es nicht.")
    if not manages(scope, dossier, user):
        raise PermissionDeniedError(
            "Freigaben einer Akte ändern nur die Registratur und die Sachbearbeitung der "
            "federführenden Organisationseinheit."
        )


# Built once: every dossier page lists its grants.
_GRANTS_OF = (
    select(grants, org_units.c.code.label("unit_code"), users.c.login.label("user_login"))
    .outerjoin(org_units, org_units.c.id == grants.c.unit_id)
    .outerjoin(users, users.c.id == grants.c.user_id)
    .where(grants.c.dossier_id == bindparam("dossier_id"))
    .order_by(grants.c.id)
)


def list_grants(connection: Connection, dossier_id: int) -> list[Grant]:
    rows = connection.execute(_GRANTS_OF, {"dossier_id": dossier_id}).all()
    return [
        Grant(
            r.id,
            r.dossier_id,
            r.unit_code,
            r.user_login,
            r.access,
            r.granted_at,
            r.granted_by,
            r.note,
        )
        for r in rows
    ]


def add_grant(
    connection: Connection,
    dossier_ref: str,
    actor: str,
    unit_code: str | None = None,
    login: str | None = None,
    access: str = "read",
    note: str = "",
) -> Grant:
    """Grant ``access`` (read or write) on a dossier to one org unit or one person."""
    if bool(unit_code) == bool(login):
        raise ValidationError("Bitte genau eine Organisationseinheit oder eine Person angeben.")
    if access not in ACCESS_LEVELS:
        raise ValidationError("Die Freigabe ist entweder »read« (lesen) oder »write« (ablegen).")
    note = " ".join(note.split())[:500]
    dossier = get_dossier(connection, dossier_ref)
    unit_id = get_unit(connection, unit_code).id if unit_code else None
    user_id = get_user(connection, login).id if login else None
    if unit_id is not None and unit_id == dossier.lead_unit_id:
        raise ValidationError(
            f"Die Einheit {unit_code} führt die Akte selbst; eine Freigabe ist nicht nötig."
        )
    existing = connection.execute(
        select(grants.c.id).where(
            grants.c.dossier_id == dossier.id,
            grants.c.unit_id.is_(None) if unit_id is None else grants.c.unit_id == unit_id,
            grants.c.user_id.is_(None) if user_id is None else grants.c.user_id == user_id,
        )
    ).first()
    if existing is not None:
        raise ConflictError(
            f"Für {unit_code or login} gibt es schon eine Freigabe dieser Akte; bitte diese "
            "entziehen und neu erteilen, um sie zu ändern."
        )
    grant_id = connection.execute(
        grants.insert()
        .values(
            dossier_id=dossier.id,
            unit_id=unit_id,
            user_id=user_id,
            access=access,
            granted_at=now(),
            granted_by=actor,
            note=note,
        )
        .returning(grants.c.id)
    ).scalar_one()
    audit.record(
        connection,
        actor,
        "dossier.grant",
        "dossier",
        dossier.uuid,
        {"reference": dossier.reference, "unit": unit_code, "user": login, "access": access}
        | ({"note": note} if note else {}),
    )
    return next(g for g in list_grants(connection, dossier.id) if g.id == grant_id)


def revoke_grant(connection: Connection, dossier_ref: str, grant_id: int, actor: str) -> Grant:
    dossier = get_dossier(connection, dossier_ref)
    found = [g for g in list_grants(connection, dossier.id) if g.id == grant_id]
    if not found:
        raise NotFoundError(f"Die Freigabe {grant_id} gibt es an Akte {dossier.reference} nicht.")
    connection.execute(grants.delete().where(grants.c.id == grant_id))
    grant = found[0]
    audit.record(
        connection,
        actor,
        "dossier.revoke",
        "dossier",
        dossier.uuid,
        {
            "reference": dossier.reference,
            "unit": grant.unit_code,
            "user": grant.user_login,
            "access": grant.access,
        },
    )
    return grant


def policy_values(connection: Connection) -> dict[str, str]:
    stored = {r.key: r.value for r in connection.execute(select(policies.c.key, policies.c.value))}
    return {key: stored.get(key, default) for key, default in POLICY_DEFAULTS.items()}


def set_policy(connection: Connection, key: str, value: str, actor: str) -> None:
    if key not in POLICY_DEFAULTS:
        raise ValidationError(
            f"Die Regel {key!r} gibt es nicht; bekannt sind: {', '.join(sorted(POLICY_DEFAULTS))}."
        )
    if value not in POLICY_VALUES:
        raise ValidationError("Der Wert einer Regel ist »on« oder »off«.")
    before = policy_values(connection)[key]
    stored = connection.execute(select(policies.c.key).where(policies.c.key == key)).first()
    values = {"value": value, "updated_at": now(), "updated_by": actor}
    if stored:
        connection.execute(policies.update().where(policies.c.key == key).values(**values))
    else:
        connection.execute(policies.insert().values(key=key, **values))
    audit.record(connection, actor, "policy.set", "policy", key, {"from": before, "to": value})
