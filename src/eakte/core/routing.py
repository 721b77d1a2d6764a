"""The Geschäftsgang as pure rules: which steps of a routing slip are open, what an action does.

A slip has steps at positions 1, 2, …; steps sharing a position run in parallel, a position
opens when every step before it is done. Kinds and the outcomes each allows:

* acknowledge (zur Kenntnis): acknowledged
* cosign (Mitzeichnung): approved, approved_with_remarks, rejected (returns the slip)
* sign (Zeichnung): signed, rejected (returns the slip)

Remarks are required for approved_with_remarks and rejected. A rejection returns the slip to
its sender: every step not yet done is skipped. When the last position is done, the slip is
completed (and, if so requested, its case is closed).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from eakte.errors import ValidationError


class StepKind(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    COSIGN = "cosign"
    SIGN = "sign"


class Outcome(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    APPROVED = "approved"
    APPROVED_WITH_REMARKS = "approved_with_remarks"
    REJECTED = "rejected"
    SIGNED = "signed"


class StepState(enum.StrEnum):
    WAITING = "waiting"
    OPEN = "open"
    DONE = "done"
    RETURNED = "returned"  # the step that rejected
    SKIPPED = "skipped"


class SlipState(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


ALLOWED: dict[StepKind, tuple[Outcome, ...]] = {
    StepKind.ACKNOWLEDGE: (Outcome.ACKNOWLEDGED,),
    StepKind.COSIGN: (Outcome.APPROVED, Outcome.APPROVED_WITH_REMARKS, Outcome.REJECTED),
    StepKind.SIGN: (Outcome.SIGNED, Outcome.REJECTED),
}
NEEDS_REMARKS = {Outcome.APPROVED_WITH_REMARKS, Outcome.REJECTED}

KIND_DE = {
    StepKind.ACKNOWLEDGE: "zur Kenntnis",
    StepKind.COSIGN: "Mitzeichnung",
    StepKind.SIGN: "Zeichnung",
}
OUTCOME_DE = {
    Outcome.ACKNOWLEDGED: "zur Kenntnis genommen",
    Outcome.APPROVED: "mitgezeichnet",
    Outcome.APPROVED_WITH_REMARKS: "mitgezeichnet mit Anmerkungen",
    Outcome.REJECTED: "abgelehnt und zurückgegeben",
    Outcome.SIGNED: "gezeichnet",
}
STEP_STATE_DE = {
    StepState.WAITING: "wartet",
    StepState.OPEN: "offen",
    StepState.DONE: "erledigt",
    StepState.RETURNED: "zurückgegeben",
    StepState.SKIPPED: "entfallen",
}
SLIP_STATE_DE = {
    SlipState.OPEN: "im Umlauf",
    SlipState.COMPLETED: "abgeschlossen",
    SlipState.RETURNED: "zurückgegeben",
    SlipState.CANCELLED: "zurückgezogen",
}
MAX_STEPS = 30


def parse_kind(value: str) -> StepKind:
    aliases = {
        "kenntnis": "acknowledge",
        "zk": "acknowledge",
        "mitzeichnung": "cosign",
        "mz": "cosign",
        "zeichnung": "sign",
        "z": "sign",
    }
    value = aliases.get(value.strip().lower(), value.strip().lower())
    try:
        return StepKind(value)
    except ValueError as exc:
        raise ValidationError(
            f"Schrittart {value!r} ist unbekannt: erlaubt sind acknowledge (zur Kenntnis), "
            "cosign (Mitzeichnung) und sign (Zeichnung)."
        ) from exc


def check_outcome(kind: StepKind, outcome: str, remarks: str) -> Outcome:
    """The outcome if ``kind`` allows it and the remarks it needs are there."""
    try:
        parsed = Outcome(outcome)
    except ValueError as exc:
        raise ValidationError(f"Das Ergebnis {outcome!r} gibt es nicht.") from exc
    if parsed not in ALLOWED[kind]:
        allowed = ", ".join(OUTCOME_DE[o] for o in ALLOWED[kind])
        raise ValidationError(
            f"Ein Schritt »{KIND_DE[kind]}« kann nur so erledigt werden: {allowed}."
        )
    if parsed in NEEDS_REMARKS and not remarks.strip():
        raise ValidationError(
            f"Für »{OUTCOME_DE[parsed]}« bitte eine Anmerkung schreiben (was zu ändern ist)."
        )
    return parsed


def positions(parallel_flags: Sequence[bool]) -> list[int]:
    """Positions for steps in order; a step flagged parallel shares its predecessor's."""
    result: list[int] = []
    for number, parallel in enumerate(parallel_flags):
        if number == 0 or not parallel:
            result.append((result[-1] if result else 0) + 1)
        else:
            result.append(result[-1])
    return result


@dataclass(frozen=True)
class StepView:
    id: int
    position: int
    state: StepState


@dataclass(frozen=True)
class Transition:
    open_steps: list[int]  # ids that become open
    skip_steps: list[int]  # ids that become skipped
    slip_state: SlipState


def after_action(steps: Sequence[StepView], acted: int, outcome: Outcome) -> Transition:
    """What follows when step ``acted`` (already counted as done or returned) ended so."""
    if outcome is Outcome.REJECTED:
        pending = [s.id for s in steps if s.id != acted and s.state in _PENDING]
        return Transition([], pending, SlipState.RETURNED)
    states = {s.id: (StepState.DONE if s.id == acted else s.state) for s in steps}
    still = [s for s in steps if states[s.id] in _PENDING]
    if not still:
        return Transition([], [], SlipState.COMPLETED)
    current = min(s.position for s in still)
    if any(states[s.id] is StepState.OPEN for s in still if s.position == current):
        return Transition([], [], SlipState.OPEN)  # a parallel step is still at work
    return Transition(
        [s.id for s in still if s.position == current and states[s.id] is StepState.WAITING],
        [],
        SlipState.OPEN,
    )


_PENDING = {StepState.WAITING, StepState.OPEN}
