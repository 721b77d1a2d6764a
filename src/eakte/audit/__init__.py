"""Tamper-evident audit log: every change appends a hash-chained event in the same transaction.

Exports ``record`` (append an event), ``verify`` (recompute the chain in one transaction, name
the first altered, removed or reordered event; against a kept head also truncation and a
rewritten chain), ``verify_database`` (the same, a long chain in parallel processes) and
``head`` (number and hash of the newest event, to be kept elsewhere).
"""

from eakte.audit.service import (
    AuditEvent,
    events_of,
    head,
    record,
    record_many,
)
from eakte.audit.verification import ChainReport, verify, verify_database

__all__ = [
    "AuditEvent",
    "ChainReport",
    "events_of",
    "head",
    "record",
    "record_many",
    "verify",
    "verify_database",
]
