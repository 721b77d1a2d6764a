"""Resubmissions (Wiedervorlagen): a case comes back onto a desk on a given day.

``service``: create a resubmission for oneself, another person or a unit's inbox (whoever it is for
must be able to read the case), list the due ones of a person and those of a case, mark done and
postpone with optimistic locking, delete. ``digest``: the optional daily e-mail of due
resubmissions through the configured SMTP server (``eakte resubmission digest``).
"""

from eakte.resubmissions.service import (
    Resubmission,
    create,
    due_for,
    get_resubmission,
    mark_done,
    of_case,
    postpone,
    remove,
)

__all__ = [
    "Resubmission",
    "create",
    "due_for",
    "get_resubmission",
    "mark_done",
    "of_case",
    "postpone",
    "remove",
]
