"""Small helpers shared by the record services."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


COUNTY_TIME = ZoneInfo("Europe/Berlin")


def today() -> date:
    """Today's date where the county is (resubmissions, absences, retention)."""
    return datetime.now(COUNTY_TIME).date()
