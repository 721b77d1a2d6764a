"""Dates, times and sizes the way the county reads them (pages, history, CSV exports)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Europe/Berlin")


def _parse(value: object) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return None


def local(moment: datetime) -> datetime:
    """``moment`` in the county's time zone; stored times are UTC (SQLite drops the zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME)


def german_date(value: object) -> str:
    """``25.11.2026``; times are shown in the county's local time."""
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        parsed = local(parsed).date()
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def german_datetime(value: object, seconds: bool = False) -> str:
    """``25.11.2026 18:05`` (with ``seconds``: ``18:05:33``) in local time."""
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        return local(parsed).strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M")
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def german_size(size: float) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".0", "").replace(".", ",") + f" {unit}"
    return f"{int(size)} Bytes"
