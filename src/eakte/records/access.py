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

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from eakte.core.access import ReadScope
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


_POLICY = select(policies.c.value).where(policies.c.key == bindparam("key"))


def _policy(connection: Connection, key: str) -> str:
    value = connection.execute(_POLICY, {"key": key}).scalar()
    return str(value) if value is not None else POLICY_DEFAULTS[key]


def principals(connection: Connection, user: User, on: date | None = None) -> dict[int, str]:
    """People (id → login) whose routing steps ``user`` works on ``on``: the user, and everyone
    who named the user as deputy and is absent that day."""
    day = on or today()
    rows = connection.execute(
        select(users.c.id, users.c.login).where(users.c.id.in_(_absent_principals(user.id, day)))
    ).all()
    return {user.id: user.login, **{row.id: row.login for row in rows}}


def _absent_principals(user_id: Any, day: Any) -> Select[tuple[int]]:
    """Ids of the people who named ``user_id`` as deputy and are absent on ``day``."""
    return select(deputies.c.user_id).where(
        deputies.c.deputy_id == user_id,
        exists().where(
            absences.c.user_id == deputies.c.user_id,
            absences.c.starts_on <= day,
            absences.c.ends_on >= day,
        ),
    )


def read_scope(connection: Connection, user: User) -> ReadScope:
    """What ``user`` may read. Within one read-only transaction it is computed once (a page
    asks several times: lookup, grants, routing, desk)."""
    key = ("read_scope", user.id, user.clearance, user.roles)
    return remembered(connection, key, lambda: _read_scope(connection, user))


def _scope_query() -> Any:
    """One statement for the whole scope (every page asks, so one round trip, not five): rows
    ``(kind, id, access)`` — ``u`` a unit whose dossiers the user reads (the user's units and,
    under ``superior_units_read``, every unit below them), ``g`` a dossier granted to the user
    or to such a unit, ``c`` a case with an open routing step for the user, their unit's inbox
    or someone they stand in for today. Built once: its parameters are ``user_id``,
    ``own_units`` and ``day``."""
    user_id = bindparam("user_id", type_=Integer)
    day = bindparam("day", type_=Date)
    own_units = bindparam("own_units", type_=Integer, expanding=True)
    superior_read = func.coalesce(
        select(policies.c.value).where(policies.c.key == SUPERIOR_UNITS_READ).scalar_subquery(),
        POLICY_DEFAULTS[SUPERIOR_UNITS_READ],
    )
    covered = (
        select(org_units.c.id).where(org_units.c.id.in_(own_units)).cte("covered", recursive=True)
    )
    below = org_units.alias("below")
    covered = covered.union(
        select(below.c.id)
        .join(covered, below.c.parent_id == covered.c.id)
        .where(superior_read == "on")
    )
    no_access = cast(null(), String)
    units_rows = select(literal_column("'u'"), covered.c.id, no_access)
    grant_rows = select(literal_column("'g'"), grants.c.dossier_id, grants.c.access).where(
        or_(grants.c.user_id == user_id, grants.c.unit_id.in_(select(covered.c.id)))
    )
    case_rows = (
        select(literal_column("'c'"), routing_slips.c.case_id, no_access)
        .join(routing_steps, routing_steps.c.slip_id == routing_slips.c.id)
        .where(
            routing_slips.c.state == "open",
            routing_steps.c.state == "open",
            or_(
                routing_steps.c.assignee_user_id == user_id,
                routing_steps.c.assignee_user_id.in_(_absent_principals(user_id, day)),
                routing_steps.c.assignee_unit_id.in_(own_units),
            ),
        )
    )
    return union_all(units_rows, grant_rows, case_rows)


_SCOPE = _scope_query()


def _read_scope(connection: Connection, user: User) -> ReadScope:
    found: dict[str, set[int]] = {"u": set(), "g": set(), "w": set(), "c": set()}
    for kind, object_id, access in connection.execute(
        _SCOPE, {"user_id": user.id, "own_units": list(user.unit_ids) or [-1], "day": today()}
    ):
        found[kind].add(object_id)
        if access == "write":
            found["w"].add(object_id)
    return ReadScope(
        units=frozenset(found["u"]),
        dossiers=frozenset(found["g"]),
        write_dossiers=frozenset(found["w"]),
        cases=frozenset(found["c"]),
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
