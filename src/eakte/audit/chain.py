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
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64

# The string encoder ``json.dumps(…, ensure_ascii=False)`` uses (C-accelerated).
_quote = encode_basestring


def canonical(event: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no insignificant white space, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(event)).hexdigest()


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
