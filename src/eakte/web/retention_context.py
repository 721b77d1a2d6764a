"""What pages show of a dossier's retention (kept apart from ``registry`` so that ``pages``
can use it without an import cycle)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from eakte.core.retention import APPRAISAL_DE, DISPOSITION_DE, OUTCOME_DE
from eakte.records.organisation import User
from eakte.retention.status import retention_of

LABELS: dict[str, Any] = {
    "disposition_labels": {k.value: v for k, v in DISPOSITION_DE.items()},
    "appraisal_labels": {k.value: v for k, v in APPRAISAL_DE.items()},
    "disposal_outcome_labels": {k.value: v for k, v in OUTCOME_DE.items()},
}


def retention_context(connection: Connection, user: User, dossier_uuid: str) -> dict[str, Any]:
    """The dossier page's retention card: rule, dates, holds; forms for the registry."""
    return {
        "retention": retention_of(connection, dossier_uuid),
        "may_manage_retention": user.has_role("registry"),
        "retention_back": "akte",
        **LABELS,
    }
