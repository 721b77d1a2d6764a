"""Pure hashing of audit events: ``hash = SHA-256(prev_hash ‖ canonical JSON of the event)``.

The canonical JSON of an event is the object ``{action, actor, at, details, object_id,
object_type, seq}`` with sorted keys, no insignificant white space, UTF-8 and non-ASCII
characters as they are (``json.dumps(…, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``).

``event_text`` builds the same text from the fields and the details as canonical JSON text
(``details_text``); it is what ``audit_log.body`` stores (``storage``), so ``verify`` hashes the
stored bytes as they are.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64

# The string encoder ``json.dumps(…, ensure_ascii=False)`` uses (C-accelerated).
_quote = encode_basestring


def utc_text(moment: datetime) -> str:
    """The time as hashed: UTC, ISO 8601 to the microsecond (stored times may lack a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no insignificant white space, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def details_text(details: dict[str, Any]) -> str:
    """The details as stored: their canonical JSON."""
    return canonical(details).decode()


def event_text(
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details_json: str,
) -> str:
    """The canonical JSON of an event whose details are given as canonical JSON text; equal to
    ``canonical(fields)`` of the same event then."""
    return (
        f'{{"action":{_quote(action)},"actor":{_quote(actor)},"at":{_quote(at)},'
        f'"details":{details_json},"object_id":{_quote(object_id)},'
        f'"object_type":{_quote(object_type)},"seq":{seq}}}'
    )
