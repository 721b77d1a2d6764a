"""The fast event text ``verify`` hashes is exactly the canonical JSON of the event."""

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eakte.audit.chain import GENESIS, canonical, details_text, event_text, stored_event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    seq=st.integers(min_value=1),
    at=st.text(),
    actor=st.text(),
    action=st.text(),
    object_type=st.text(),
    object_id=st.text(),
    details=st.dictionaries(st.text(), json_values, max_size=4),
)
def test_event_text_is_the_canonical_json(
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any],
) -> None:
    fields = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }
    stored = details_text(details)
    assert json.loads(stored) == details
    text = event_text(seq, at, actor, action, object_type, object_id, stored)
    assert text.encode() == canonical(fields)


@given(
    seq=st.integers(min_value=1),
    at=st.datetimes(timezones=st.just(UTC)),
    actor=st.text(),
    action=st.text(),
    object_type=st.text(),
    object_id=st.text(),
    details=st.dictionaries(st.text(), json_values, max_size=4),
)
def test_the_event_built_from_stored_bytes_is_the_canonical_json(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any],
) -> None:
    """What the verify loop hashes: the previous hash and the canonical JSON of the event, built
    from the time as SQLite stores it and the details as stored."""
    fields = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }
    prev = GENESIS.encode()
    # As SQLAlchemy writes a time into SQLite.
    stored_at = (
        f"{at.year:04d}-{at.month:02d}-{at.day:02d} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}.{at.microsecond:06d}"
    ).encode()
    built = stored_event(
        prev, seq, stored_at, actor, action, object_type, object_id, details_text(details).encode()
    )
    assert built == prev + canonical(fields)
