"""The E-Akte rollout per department, judged from measured use, and month arithmetic.

A department counts as **live** (in Betrieb) from the first month in which documents were filed
under its lead. Its state against the plan:

    live          documents are filed, go-live reached or not (then: early)
    overdue       the planned go-live has passed and nothing is filed yet
    planned       go-live lies ahead and nothing is filed yet
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATE_DE = {"live": "in Betrieb", "overdue": "überfällig", "planned": "geplant"}


@dataclass(frozen=True)
class MonthlyUse:
    month: date  # first day of the month
    active_users: int
    dossiers: int
    documents: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int) -> list[date]:
    """The ``count`` months up to and including ``today``'s, oldest first."""
    current = month_start(today)
    return [add_months(current, offset) for offset in range(1 - count, 1)]


def first_live_month(series: list[MonthlyUse]) -> date | None:
    return next((use.month for use in series if use.documents > 0), None)


def rollout_state(go_live: date, series: list[MonthlyUse], today: date) -> str:
    if first_live_month(series) is not None:
        return "live"
    return "overdue" if go_live <= today else "planned"
