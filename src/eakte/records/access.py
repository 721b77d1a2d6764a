"""What a user may read: dossiers whose lead unit is one of the user's units or below, up to
the user's clearance (confidentiality level).

Every read path (search, show, download) asks this module, so that the rule lives in one place.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from eakte.core.units import descendants
from eakte.db.schema import org_units
from eakte.records.organisation import User


def unit_parents(connection: Connection) -> dict[int, int | None]:
    return {
        row.id: row.parent_id
        for row in connection.execute(select(org_units.c.id, org_units.c.parent_id))
    }


def readable_unit_ids(connection: Connection, user: User) -> set[int]:
    """Units whose dossiers ``user`` may read."""
    return descendants(user.unit_ids, unit_parents(connection))


def can_read(connection: Connection, user: User, unit_id: int, confidentiality: str) -> bool:
    """May ``user`` read a dossier led by ``unit_id`` at this confidentiality level?"""
    return confidentiality <= user.clearance and unit_id in readable_unit_ids(connection, user)
