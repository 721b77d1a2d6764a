"""Back-off after failed logins: the account locks for a while, longer after each failure."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)


def lock_after_failure(failed_logins: int, now: datetime) -> datetime | None:
    """When the account unlocks after its ``failed_logins``-th failure (``None``: not locked).

    Five attempts are free; then 30 s, doubling per further failure, at most one hour."""
    if failed_logins < FREE_ATTEMPTS:
        return None
    factor: int = 2 ** min(failed_logins - FREE_ATTEMPTS, 12)
    lock: timedelta = min(FIRST_LOCK * factor, LONGEST_LOCK)
    return now + lock
