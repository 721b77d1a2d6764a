"""What the dossier and case pages offer of closing and reopening (apart from the router, so
that the page module can use it without an import cycle)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from eakte.core.retention import OUTCOME_DE, Outcome
from eakte.errors import EakteError
from eakte.records import dossiers as dossier_service
from eakte.records.access import read_scope
from eakte.records.lookup import require_writable
from eakte.records.organisation import User


def _may_reopen(connection: Connection, record_id: str, user: User) -> bool:
    """Reopening is the registry's, in dossiers it may write to."""
    if not user.has_role("registry"):
        return False
    try:
        require_writable(connection, record_id, user, contents=False)
    except EakteError:
        return False
    return True


def lifecycle_context(
    connection: Connection, user: User, kind: str, record: dict[str, Any]
) -> dict[str, Any]:
    """``lifecycle`` for the template: may_close, may_reopen, and why reopening is not possible
    (``blocked``)."""
    if kind == "dossier":
        dossier = dossier_service.get_dossier(connection, record["id"])
        disposal = dossier.disposal
        closed = dossier.closed_at is not None
        may_close = not closed and dossier_service.manages(
            read_scope(connection, user), dossier, user
        )
        blocked = f"Die Akte wurde {OUTCOME_DE[Outcome(disposal)]}." if disposal else None
    else:
        dossier = dossier_service.get_dossier(connection, record["dossier_id"])
        closed, may_close = record["closed_at"] is not None, False
        blocked = (
            "Die Akte ist abgeschlossen; zuerst die Akte wiedereröffnen."
            if dossier.closed_at is not None
            else None
        )
    may_reopen = closed and not blocked and _may_reopen(connection, record["id"], user)
    return {
        "lifecycle": {
            "may_close": may_close,
            "may_reopen": may_reopen,
            "blocked": blocked if closed and user.has_role("registry") else None,
        }
    }
