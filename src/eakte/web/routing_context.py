"""What the case page and the desk show of routing (kept apart from the router so that the
page module can use it without an import cycle)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from eakte.core.routing import KIND_DE, OUTCOME_DE, StepKind
from eakte.errors import EakteError
from eakte.records import organisation
from eakte.records.dossiers import get_case
from eakte.records.lookup import require_writable
from eakte.records.organisation import User
from eakte.routing import service as routing

FORM_ROWS = 6
UNIT_PREFIX = "Postkorb "


def case_context(connection: Connection, user: User, case_uuid: str) -> dict[str, Any]:
    """What the case page shows of routing: its slips, the steps the user works, the form."""
    case = get_case(connection, case_uuid)
    try:
        require_writable(connection, case_uuid, user)
        may_start = case.closed_at is None
    except EakteError:
        may_start = False
    work = {item.step.id: item for item in routing.work_for(connection, user)}
    people = organisation.list_users(connection) if may_start else []
    units = organisation.list_units(connection) if may_start else []
    return {
        "slips": routing.slips_of_case(connection, case.id),
        "work": work,
        "may_start_slip": may_start,
        "addressees": [login for login, _, _ in people] + [UNIT_PREFIX + u.code for u in units],
        "step_kinds": KIND_DE,
        "outcomes": OUTCOME_DE,
        "allowed_outcomes": {
            StepKind.ACKNOWLEDGE.value: ["acknowledged"],
            StepKind.COSIGN.value: ["approved", "approved_with_remarks", "rejected"],
            StepKind.SIGN.value: ["signed", "rejected"],
        },
        "form_rows": FORM_ROWS,
    }


def desk_context(connection: Connection, user: User) -> dict[str, Any]:
    return {
        "work": routing.work_for(connection, user),
        "returned": routing.returned_to(connection, user, limit=10),
    }
