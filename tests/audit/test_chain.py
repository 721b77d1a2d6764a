"""The body stored for an event (and hashed) is exactly the canonical JSON of the event."""

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eakte.audit.chain import canonical, details_text, event_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def events(at: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The hashed fields of an event, with times drawn from ``at``."""
    return st.fixed_dictionaries(
        {
            "seq": st.integers(min_value=1),
            "at": at,
            "actor": st.text(),
            "action": st.text(),
            "object_type": st.text(),
            "object_id": st.text(),
            "details": st.dictionaries(st.text(), json_values, max_size=4),
        }
    )


@given(events(st.text()))
def test_event_text_is_the_canonical_json(event: dict[str, Any]) -> None:
    stored = details_text(event["details"])
    assert json.loads(stored) == event["details"]
    text = event_text(
        event["seq"],
        event["at"],
        event["actor"],
        event["action"],
        event["object_type"],
        event["object_id"],
        stored,
    )
    assert text.encode() == canonical(event)
