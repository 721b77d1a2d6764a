"""Tamper-evident audit log: every change appends a hash-chained event in the same transaction.

Exports ``record`` (append an event), ``verify`` (recompute the chain, name the first broken
link) and ``head`` (the newest hash, to be kept elsewhere).
"""

from eakte.audit.service import (
    AuditEvent,
    ChainReport,
    events_of,
    head,
    record,
    record_many,
    verify,
)

__all__ = [
    "AuditEvent",
    "ChainReport",
    "events_of",
    "head",
    "record",
    "record_many",
    "verify",
]
