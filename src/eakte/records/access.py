"""Who may read and write which dossiers: the one place every read path asks.

A user reads a dossier when

* its lead unit is one of the user's units — or lies below one of them, if the county's policy
  ``superior_units_read`` is on (the default: a department head reads her offices' files);
* it is granted explicitly to the user, or to a unit the user covers in the same way;
* the user takes part in an open routing step of one of its cases (that case only);

and only up to the user's clearance (confidentiality level). Writing (filing, closing) needs the
clerk or registry role and the lead unit's right or a write grant. Registry and admin roles are
no bypass for reading content.

Search, listings, lookups and downloads all use ``read_scope`` and the SQL filters below, so
that a hit, a count, a facet and a page agree on what a user may see.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, exists, or_, select

from eakte.core.access import ReadScope
from eakte.core.units import descendants
from eakte.db.engine import remembered
from eakte.db.schema import (
    absences,
    deputies,
    grants,
    org_units,
    policies,
    routing_slips,
    routing_steps,
    users,
)
from eakte.records.common import today
from eakte.records.organisation import User

SUPERIOR_UNITS_READ = "superior_units_read"
POLICY_DEFAULTS = {SUPERIOR_UNITS_READ: "on"}

# Bind parameters the filters below use; expand them with ``expanding_params``.
EXPANDING = ("units", "grant_dossiers", "grant_cases")


# Readable documents ``d`` (their ``unit_id`` is the dossier's lead unit).
DOCUMENT_FILTER = (
    "(d.unit_id IN :units OR d.dossier_id IN :grant_dossiers OR d.case_id IN :grant_cases) "
    "AND d.dossier_id IN (SELECT dz.id FROM dossiers dz WHERE dz.confidentiality <= :clearance)"
)
# Readable dossiers ``dz`` as a whole (a routing step opens one case, not its dossier).
DOSSIER_FILTER = (
    "(dz.lead_unit_id IN :units OR dz.id IN :grant_dossiers) AND dz.confidentiality <= :clearance"
)
# Readable cases ``c`` of dossiers ``dz``.
CASE_FILTER = (
    "(dz.lead_unit_id IN :units OR dz.id IN :grant_dossiers OR c.id IN :grant_cases) "
    "AND dz.confidentiality <= :clearance"
)


def expanding_params(sql: str) -> list[BindParameter[Any]]:
    """The expanding bind parameters a statement using the filters above needs."""
    return [bindparam(name, expanding=True) for name in EXPANDING if f":{name}" in sql]


def unit_parents(connection: Connection) -> dict[int, int | None]:
    return {
        row.id: row.parent_id
        for row in connection.execute(select(org_units.c.id, org_units.c.parent_id))
    }


def policy(connection: Connection, key: str) -> str:
    """A county-wide policy (read once per read-only transaction)."""
    return remembered(connection, ("policy", key), lambda: _policy(connection, key))


def _policy(connection: Connection, key: str) -> str:
    value = connection.execute(select(policies.c.value).where(policies.c.key == key)).scalar()
    return str(value) if value is not None else POLICY_DEFAULTS[key]


def covered_units(connection: Connection, user: User) -> set[int]:
    """The user's units and, under ``superior_units_read``, every unit below them."""
    if policy(connection, SUPERIOR_UNITS_READ) == "on":
        return descendants(user.unit_ids, unit_parents(connection))
    return set(user.unit_ids)


def readable_unit_ids(connection: Connection, user: User) -> set[int]:
    """Units whose dossiers ``user`` may read by the unit rule (grants aside)."""
    return covered_units(connection, user)


def principals(connection: Connection, user: User, on: date | None = None) -> dict[int, str]:
    """People (id → login) whose routing steps ``user`` works on ``on``: the user, and everyone
    who named the user as deputy and is absent that day."""
    day = on or today()
    rows = connection.execute(
        select(users.c.id, users.c.login)
        .join(deputies, deputies.c.user_id == users.c.id)
        .where(
            deputies.c.deputy_id == user.id,
            exists().where(
                absences.c.user_id == users.c.id,
                absences.c.starts_on <= day,
                absences.c.ends_on >= day,
            ),
        )
    ).all()
    return {user.id: user.login, **{row.id: row.login for row in rows}}


def routed_case_ids(connection: Connection, user: User) -> set[int]:
    """Cases the user may read because an open step of a routing slip is addressed to them
    (or to their unit's inbox, or to someone they stand in for) — for that step's duration."""
    people = sorted(principals(connection, user))
    rows = connection.execute(
        select(routing_slips.c.case_id)
        .join(routing_steps, routing_steps.c.slip_id == routing_slips.c.id)
        .where(
            routing_slips.c.state == "open",
            routing_steps.c.state == "open",
            or_(
                routing_steps.c.assignee_user_id.in_(people),
                routing_steps.c.assignee_unit_id.in_(list(user.unit_ids) or [-1]),
            ),
        )
    ).all()
    return {row.case_id for row in rows}


def read_scope(connection: Connection, user: User) -> ReadScope:
    """What ``user`` may read. Within one read-only transaction it is computed once (a page
    asks several times: lookup, grants, routing, desk)."""
    key = ("read_scope", user.id, user.clearance, user.roles)
    return remembered(connection, key, lambda: _read_scope(connection, user))


def _read_scope(connection: Connection, user: User) -> ReadScope:
    units = covered_units(connection, user)
    rows = connection.execute(
        select(grants.c.dossier_id, grants.c.access).where(
            or_(
                grants.c.user_id == user.id,
                grants.c.unit_id.in_(sorted(units) or [-1]),
            )
        )
    ).all()
    case_ids = routed_case_ids(connection, user)
    return ReadScope(
        units=frozenset(units),
        dossiers=frozenset(row.dossier_id for row in rows),
        write_dossiers=frozenset(row.dossier_id for row in rows if row.access == "write"),
        cases=frozenset(case_ids),
        clearance=user.clearance,
    )


def can_read(
    connection: Connection,
    user: User,
    unit_id: int,
    confidentiality: str,
    dossier_id: int = -1,
    case_id: int | None = None,
) -> bool:
    """May ``user`` read a dossier (or, with ``case_id``, a case) led by ``unit_id``?"""
    return read_scope(connection, user).reads(unit_id, dossier_id, confidentiality, case_id)
