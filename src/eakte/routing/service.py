"""Routing slips (Laufzettel) through co-signing and signing, with deputies (i.V.).

Rules are in ``eakte.core.routing``; this module stores them. Reading rights of participants
come from ``eakte.records.access.read_scope`` (open steps only). Every change is an audit
event on the case; acting on a step is optimistic: the caller names the step's
``row_version`` it saw, and a step someone else finished meanwhile gives a ``ConflictError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from eakte import audit
from eakte.core.routing import (
    KIND_DE,
    MAX_STEPS,
    OUTCOME_DE,
    SLIP_STATE_DE,
    STEP_STATE_DE,
    Outcome,
    SlipState,
    StepKind,
    StepState,
    StepView,
    after_action,
    check_outcome,
    parse_kind,
    positions,
)
from eakte.db.schema import cases, org_units, routing_slips, routing_steps, users
from eakte.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from eakte.records import dossiers
from eakte.records.access import principals
from eakte.records.common import new_uuid, now
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import User, get_unit, get_user


@dataclass(frozen=True)
class StepSpec:
    """A step as a sender writes it: kind, and a person's login or a unit's code."""

    kind: str
    user: str | None = None
    unit: str | None = None
    parallel: bool = False  # runs at the same time as the step before


@dataclass(frozen=True)
class Step:
    id: int
    position: int
    kind: str
    assignee_user: str | None
    assignee_unit: str | None
    state: str
    outcome: str | None
    remarks: str
    acted_by: str | None
    acted_for: str | None
    acted_at: datetime | None
    row_version: int

    @property
    def assignee(self) -> str:
        return f"Postkorb {self.assignee_unit}" if self.assignee_unit else str(self.assignee_user)

    @property
    def kind_label(self) -> str:
        return KIND_DE[StepKind(self.kind)]

    @property
    def outcome_label(self) -> str:
        return OUTCOME_DE[Outcome(self.outcome)] if self.outcome else ""

    @property
    def state_label(self) -> str:
        return STEP_STATE_DE[StepState(self.state)]


@dataclass(frozen=True)
class Slip:
    id: int
    uuid: str
    case_id: int
    case_uuid: str
    case_reference: str
    case_subject: str
    subject: str
    state: str
    close_case: bool
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    row_version: int
    steps: list[Step] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return SLIP_STATE_DE[SlipState(self.state)]


@dataclass(frozen=True)
class WorkItem:
    """An open step somebody may work on now; ``acting_for`` is set when as deputy (i.V.)."""

    slip: Slip
    step: Step
    acting_for: str | None


def _assignee_ids(connection: Connection, spec: StepSpec) -> tuple[int | None, int | None]:
    if bool(spec.user) == bool(spec.unit):
        raise ValidationError(
            "Jeder Schritt geht an genau eine Person oder den Postkorb einer Einheit."
        )
    if spec.user:
        return get_user(connection, spec.user).id, None
    return None, get_unit(connection, str(spec.unit)).id


def start_slip(
    connection: Connection,
    case_ref: str,
    subject: str,
    specs: list[StepSpec],
    user: User,
    close_case: bool = False,
) -> Slip:
    """Send a case on a routing slip; the first position's steps open at once."""
    record = require_writable(connection, case_ref, user)
    if record["type"] != "case":
        raise NotFoundError(f"Vorgang {case_ref!r} gibt es nicht.")
    case = dossiers.get_case(connection, record["id"])
    dossiers.ensure_case_writable(connection, case)
    subject = " ".join(subject.split()) or case.subject
    if not specs:
        raise ValidationError("Ein Laufzettel braucht mindestens einen Schritt.")
    if len(specs) > MAX_STEPS:
        raise ValidationError(f"Höchstens {MAX_STEPS} Schritte je Laufzettel.")
    kinds = [parse_kind(spec.kind) for spec in specs]
    assignees = [_assignee_ids(connection, spec) for spec in specs]
    places = positions([spec.parallel for spec in specs])
    created = now()
    slip_uuid = new_uuid()
    slip_id = connection.execute(
        routing_slips.insert()
        .values(
            uuid=slip_uuid,
            case_id=case.id,
            subject=subject[:500],
            state=SlipState.OPEN.value,
            close_case=close_case,
            created_at=created,
            created_by=user.login,
            row_version=1,
        )
        .returning(routing_slips.c.id)
    ).scalar_one()
    connection.execute(
        routing_steps.insert(),
        [
            {
                "slip_id": slip_id,
                "position": place,
                "kind": kind.value,
                "assignee_user_id": person,
                "assignee_unit_id": unit,
                "state": (StepState.OPEN if place == 1 else StepState.WAITING).value,
                "remarks": "",
                "row_version": 1,
            }
            for kind, (person, unit), place in zip(kinds, assignees, places, strict=True)
        ],
    )
    audit.record(
        connection,
        user.login,
        "routing.start",
        "case",
        case.uuid,
        {
            "reference": case.reference,
            "slip": slip_uuid,
            "subject": subject,
            "close_case": close_case,
            "steps": [
                {"position": p, "kind": k.value, "to": s.user or f"unit:{s.unit}"}
                for p, k, s in zip(places, kinds, specs, strict=True)
            ],
        },
    )
    return get_slip(connection, slip_uuid)


def _steps(connection: Connection, slip_ids: list[int]) -> dict[int, list[Step]]:
    assignee_user = users.alias("assignee_user")
    rows = connection.execute(
        select(
            routing_steps,
            assignee_user.c.login.label("user_login"),
            org_units.c.code.label("unit_code"),
        )
        .outerjoin(assignee_user, assignee_user.c.id == routing_steps.c.assignee_user_id)
        .outerjoin(org_units, org_units.c.id == routing_steps.c.assignee_unit_id)
        .where(routing_steps.c.slip_id.in_(slip_ids or [-1]))
        .order_by(routing_steps.c.position, routing_steps.c.id)
    ).all()
    result: dict[int, list[Step]] = {}
    for r in rows:
        result.setdefault(r.slip_id, []).append(
            Step(
                r.id,
                r.position,
                r.kind,
                r.user_login,
                r.unit_code,
                r.state,
                r.outcome,
                r.remarks,
                r.acted_by,
                r.acted_for,
                r.acted_at,
                r.row_version,
            )
        )
    return result


def _slips(connection: Connection, *conditions: Any) -> list[Slip]:
    rows = connection.execute(
        select(
            routing_slips,
            cases.c.uuid.label("case_uuid"),
            cases.c.reference.label("case_reference"),
            cases.c.subject.label("case_subject"),
        )
        .join(cases, cases.c.id == routing_slips.c.case_id)
        .where(*conditions)
        .order_by(routing_slips.c.id.desc())
    ).all()
    steps = _steps(connection, [r.id for r in rows])
    return [
        Slip(
            r.id,
            r.uuid,
            r.case_id,
            r.case_uuid,
            r.case_reference,
            r.case_subject,
            r.subject,
            r.state,
            r.close_case,
            r.created_by,
            r.created_at,
            r.finished_at,
            r.row_version,
            steps.get(r.id, []),
        )
        for r in rows
    ]


def get_slip(connection: Connection, slip_uuid: str) -> Slip:
    found = _slips(connection, routing_slips.c.uuid == slip_uuid)
    if not found:
        raise NotFoundError(f"Laufzettel {slip_uuid!r} gibt es nicht.")
    return found[0]


def slips_of_case(connection: Connection, case_id: int) -> list[Slip]:
    return _slips(connection, routing_slips.c.case_id == case_id)


def work_for(connection: Connection, user: User, on: date | None = None) -> list[WorkItem]:
    """Open steps the user may work on now: their own, their units' inboxes, and those of
    absent people who named them as deputy."""
    people = principals(connection, user, on)
    candidates = (
        select(routing_steps.c.slip_id)
        .where(
            routing_steps.c.state == StepState.OPEN.value,
            or_(
                routing_steps.c.assignee_user_id.in_(sorted(people)),
                routing_steps.c.assignee_unit_id.in_(list(user.unit_ids) or [-1]),
            ),
        )
        .scalar_subquery()
    )
    open_slips = _slips(
        connection,
        routing_slips.c.state == SlipState.OPEN.value,
        routing_slips.c.id.in_(candidates),
    )
    items = []
    logins = set(people.values()) - {user.login}
    units = set(_unit_codes(connection, user))
    for slip in open_slips:
        for step in slip.steps:
            if step.state != StepState.OPEN.value:
                continue
            if step.assignee_unit in units or step.assignee_user == user.login:
                items.append(WorkItem(slip, step, None))
            elif step.assignee_user in logins:
                items.append(WorkItem(slip, step, step.assignee_user))
    return items


def returned_to(connection: Connection, user: User, limit: int = 20) -> list[Slip]:
    """Slips the user sent that came back rejected, newest first."""
    return _slips(
        connection,
        routing_slips.c.created_by == user.login,
        routing_slips.c.state == SlipState.RETURNED.value,
    )[:limit]


def _unit_codes(connection: Connection, user: User) -> list[str]:
    return list(
        connection.execute(
            select(org_units.c.code).where(org_units.c.id.in_(list(user.unit_ids) or [-1]))
        ).scalars()
    )


def _slip_of_step(connection: Connection, step_id: int) -> tuple[Slip, Step]:
    slip_uuid = connection.execute(
        select(routing_slips.c.uuid)
        .join(routing_steps, routing_steps.c.slip_id == routing_slips.c.id)
        .where(routing_steps.c.id == step_id)
    ).scalar()
    if slip_uuid is None:
        raise NotFoundError(f"Den Laufzettel-Schritt {step_id} gibt es nicht.")
    slip = get_slip(connection, slip_uuid)
    return slip, next(s for s in slip.steps if s.id == step_id)


def act(
    connection: Connection,
    step_id: int,
    expected_version: int,
    user: User,
    outcome: str,
    remarks: str = "",
    on: date | None = None,
) -> Slip:
    """Finish an open step (acknowledge, co-sign, sign or reject and return)."""
    slip, step = _slip_of_step(connection, step_id)
    mine = {i.step.id: i for i in work_for(connection, user, on) if i.slip.id == slip.id}
    if step_id not in mine:
        addressed = step.assignee_unit in _unit_codes(connection, user) or (
            step.assignee_user in principals(connection, user, on).values()
        )
        if addressed:  # it was theirs, but someone else finished it or the slip ended
            raise ConflictError(_done_message(step, slip))
        describe(connection, slip.case_uuid, user, "case")  # 404 unless the case is readable
        raise PermissionDeniedError(
            f"Dieser Schritt ({step.kind_label}) ist an {step.assignee} gerichtet, nicht an Sie."
        )
    parsed = check_outcome(StepKind(step.kind), outcome, remarks)
    acting_for = mine[step_id].acting_for
    rejected = parsed.value == "rejected"
    changed = connection.execute(
        update(routing_steps)
        .where(
            routing_steps.c.id == step_id,
            routing_steps.c.row_version == expected_version,
            routing_steps.c.state == StepState.OPEN.value,
        )
        .values(
            state=(StepState.RETURNED if rejected else StepState.DONE).value,
            outcome=parsed.value,
            remarks=remarks.strip()[:5000],
            acted_by=user.login,
            acted_for=acting_for,
            acted_at=now(),
            row_version=routing_steps.c.row_version + 1,
        )
    ).rowcount
    if changed != 1:
        _, current = _slip_of_step(connection, step_id)
        raise ConflictError(_done_message(current, slip))
    transition = after_action(
        [StepView(s.id, s.position, StepState(s.state)) for s in slip.steps], step_id, parsed
    )
    if transition.open_steps:
        connection.execute(
            update(routing_steps)
            .where(routing_steps.c.id.in_(transition.open_steps))
            .values(state=StepState.OPEN.value, row_version=routing_steps.c.row_version + 1)
        )
    if transition.skip_steps:
        connection.execute(
            update(routing_steps)
            .where(routing_steps.c.id.in_(transition.skip_steps))
            .values(state=StepState.SKIPPED.value, row_version=routing_steps.c.row_version + 1)
        )
    finished = transition.slip_state is not SlipState.OPEN
    connection.execute(
        update(routing_slips)
        .where(routing_slips.c.id == slip.id)
        .values(
            state=transition.slip_state.value,
            finished_at=now() if finished else None,
            row_version=routing_slips.c.row_version + 1,
        )
    )
    details: dict[str, Any] = {
        "reference": slip.case_reference,
        "slip": slip.uuid,
        "step": step_id,
        "kind": step.kind,
        "outcome": parsed.value,
    }
    if remarks.strip():
        details["remarks"] = remarks.strip()[:5000]
    if acting_for:
        details["acted_for"] = acting_for
    audit.record(connection, user.login, "routing.act", "case", slip.case_uuid, details)
    if transition.slip_state is SlipState.COMPLETED:
        audit.record(
            connection,
            user.login,
            "routing.complete",
            "case",
            slip.case_uuid,
            {"reference": slip.case_reference, "slip": slip.uuid},
        )
        if slip.close_case and dossiers.get_case(connection, slip.case_uuid).closed_at is None:
            dossiers.close_case(connection, slip.case_uuid, user.login)
    elif transition.slip_state is SlipState.RETURNED:
        audit.record(
            connection,
            user.login,
            "routing.return",
            "case",
            slip.case_uuid,
            {"reference": slip.case_reference, "slip": slip.uuid, "to": slip.created_by},
        )
    return get_slip(connection, slip.uuid)


def _done_message(step: Step, slip: Slip) -> str:
    if slip.state == SlipState.CANCELLED.value:
        return "Der Laufzettel wurde inzwischen zurückgezogen; es ist nichts mehr zu tun."
    if step.acted_by:
        when = step.acted_at.strftime("%d.%m.%Y %H:%M") if step.acted_at else ""
        return (
            f"Dieser Schritt wurde inzwischen von {step.acted_by} erledigt "
            f"({step.outcome_label}{', ' + when if when else ''}); Ihre Eingabe wurde nicht "
            "gespeichert. Bitte die Seite neu laden."
        )
    return (
        "Dieser Schritt hat sich inzwischen geändert; Ihre Eingabe wurde nicht gespeichert. "
        "Bitte die Seite neu laden und noch einmal entscheiden."
    )


def cancel(connection: Connection, slip_uuid: str, expected_version: int, user: User) -> Slip:
    """Withdraw an open slip (its sender or the registry); pending steps lapse."""
    slip = get_slip(connection, slip_uuid)
    describe(connection, slip.case_uuid, user, "case")
    if slip.created_by != user.login and not user.has_role("registry"):
        raise PermissionDeniedError("Einen Laufzettel zieht nur zurück, wer ihn versandt hat.")
    changed = connection.execute(
        update(routing_slips)
        .where(
            routing_slips.c.id == slip.id,
            routing_slips.c.row_version == expected_version,
            routing_slips.c.state == SlipState.OPEN.value,
        )
        .values(
            state=SlipState.CANCELLED.value,
            finished_at=now(),
            row_version=routing_slips.c.row_version + 1,
        )
    ).rowcount
    if changed != 1:
        raise ConflictError(
            "Der Laufzettel hat sich inzwischen geändert (ein Schritt wurde erledigt oder er "
            "ist schon beendet); bitte die Seite neu laden."
        )
    connection.execute(
        update(routing_steps)
        .where(
            routing_steps.c.slip_id == slip.id,
            routing_steps.c.state.in_([StepState.OPEN.value, StepState.WAITING.value]),
        )
        .values(state=StepState.SKIPPED.value, row_version=routing_steps.c.row_version + 1)
    )
    audit.record(
        connection,
        user.login,
        "routing.cancel",
        "case",
        slip.case_uuid,
        {"reference": slip.case_reference, "slip": slip.uuid},
    )
    return get_slip(connection, slip.uuid)


__all__ = [
    "Slip",
    "Step",
    "StepSpec",
    "WorkItem",
    "act",
    "cancel",
    "get_slip",
    "returned_to",
    "slips_of_case",
    "start_slip",
    "work_for",
]
