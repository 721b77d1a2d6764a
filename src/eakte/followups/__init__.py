"""Follow-ups (Wiedervorlagen): a case comes back onto a desk on a given day.

``service``: create a follow-up for oneself, another person or a unit's inbox (whoever it is for
must be able to read the case), list the due ones of a person and those of a case, mark done and
postpone with optimistic locking, delete. ``digest``: the optional daily e-mail of due
follow-ups through the configured SMTP server (``eakte followup digest``).
"""

from eakte.followups.service import (
    FollowUp,
    create,
    due_for,
    get_follow_up,
    mark_done,
    of_case,
    postpone,
    remove,
)

__all__ = [
    "FollowUp",
    "create",
    "due_for",
    "get_follow_up",
    "mark_done",
    "of_case",
    "postpone",
    "remove",
]
