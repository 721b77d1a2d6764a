"""Pure hashing of audit events: ``hash = SHA-256(prev_hash ‖ canonical JSON of the event)``.

The canonical JSON of an event is the object ``{action, actor, at, details, object_id,
object_type, seq}`` with sorted keys, no insignificant white space, UTF-8 and non-ASCII
characters as they are (``json.dumps(…, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``).

``event_text`` builds the same text from the stored columns without parsing the details again
when they are stored canonically (as ``details_text`` writes them); ``verify`` uses it for speed.
It is exact: every field but the details is a JSON string literal (or the number ``seq``), so
the text determines the fields — a literal cannot be extended by another literal, and the pair
``,"`` never occurs inside one — and the details, the only raw text, sit between fixed keys.
"""

from __future__ import annotations

import hashlib
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


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(event)).hexdigest()


def details_text(details: dict[str, Any]) -> str:
    """The details as stored: their canonical JSON."""
    return canonical(details).decode()


STORED_EVENT = (
    b'%s{"action":%s,"actor":%s,"at":"%sT%s+00:00","details":%s,"object_id":%s,'
    b'"object_type":%s,"seq":%d}'
)
"""``prev_hash ‖ canonical JSON`` of an event built from its stored bytes (``%`` with the
arguments of ``stored_event``); the verify loop uses it inline."""


def quoted(value: str) -> bytes:
    """The JSON string literal of ``value`` as the canonical form writes it, UTF-8."""
    return _quote(value).encode()


def stored_event(
    prev_hash: bytes,
    seq: int,
    stored_at: bytes,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details_json: bytes,
) -> bytes:
    """What an event's hash covers, from the columns as stored: the time as SQLite keeps it
    (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) and the details as canonical JSON (UTF-8). Only
    valid for a time of exactly that shape; equal to ``prev_hash ‖ canonical(fields)`` then."""
    return STORED_EVENT % (
        prev_hash,
        quoted(action),
        quoted(actor),
        stored_at[:10],
        stored_at[11:],
        details_json,
        quoted(object_id),
        quoted(object_type),
        seq,
    )


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
