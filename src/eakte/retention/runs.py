"""Disposal runs (Aussonderungsläufe): select due dossiers → offer them to the archive → record
the archive's appraisal per dossier → complete (hand over or destroy).

Every change of a run is optimistic: the caller names the run's ``row_version`` it saw (a page
carries it in its forms; the CLI takes the current one). The run's row is locked and its state
and version compared before anything is written, so of two registry clerks completing the same
run one wins and the other gets a ``ConflictError`` that says what happened; nothing is done
twice, and a refusal leaves no trace.
Completing re-checks every dossier inside the transaction, with its row locked: a hold placed or
a period lengthened after the run was put together stops the completion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from eakte import audit
from eakte.core.retention import (
    APPRAISAL_DE,
    OUTCOME_DE,
    RUN_STATE_DE,
    STATUS_DE,
    Appraisal,
    Outcome,
    RetentionStatus,
    RunState,
    check_appraisal,
    outcome,
)
from eakte.db.engine import secure_delete
from eakte.db.schema import disposal_items, disposal_runs, dossiers
from eakte.db.search_backends import backend_for
from eakte.errors import ConflictError, EakteError, NotFoundError, ValidationError
from eakte.records.common import new_uuid, now
from eakte.retention.destruction import ItemFacts, destroy_dossier, hand_over_dossier
from eakte.retention.status import RetentionView, county_day, find_dossier_row, utc, views

MAX_NOTE = 500


@dataclass(frozen=True)
class RunItem:
    view: RetentionView  # where the dossier stands now
    appraisal: str | None
    appraised_at: datetime | None
    appraised_by: str | None
    outcome: str | None
    done_at: datetime | None

    @property
    def appraisal_label(self) -> str:
        return APPRAISAL_DE[Appraisal(self.appraisal)] if self.appraisal else ""

    @property
    def outcome_label(self) -> str:
        return OUTCOME_DE[Outcome(self.outcome)] if self.outcome else ""

    @property
    def planned(self) -> Outcome | None:
        """What completing would do now; None while it cannot (see ``problem``)."""
        return None if self.problem else _planned(self)

    @property
    def problem(self) -> str | None:
        """Why completing would stop at this dossier now, in German; None if it would not."""
        if self.outcome:
            return None
        status = self.view.assessment.status
        if status is not RetentionStatus.DUE:
            return _not_due(self.view)
        try:
            _planned(self)
        except ValidationError as exc:
            return exc.message
        return None

    def as_dict(self) -> dict[str, Any]:
        planned = self.planned
        return {
            **self.view.as_dict(),
            "appraisal": self.appraisal,
            "appraised_at": self.appraised_at.isoformat() if self.appraised_at else None,
            "appraised_by": self.appraised_by,
            "planned": planned.value if planned else None,
            "problem": self.problem,
            "outcome": self.outcome,
            "done_at": self.done_at.isoformat() if self.done_at else None,
        }


def _planned(item: RunItem) -> Outcome:
    rule = item.view.rule
    assert rule is not None
    return outcome(rule.disposition, Appraisal(item.appraisal) if item.appraisal else None)


def _not_due(view: RetentionView) -> str:
    status = view.assessment.status
    if status is RetentionStatus.HELD:
        reasons = "; ".join(h.reason for h in view.active_holds)
        return f"Aufbewahrungssperre ({reasons})"
    if status is RetentionStatus.RUNNING and view.assessment.retention_ends:
        return f"Aufbewahrungsfrist läuft bis {view.assessment.retention_ends:%d.%m.%Y}"
    return STATUS_DE[status]


@dataclass(frozen=True)
class Run:
    id: int
    uuid: str  # the xdomea process id (ProzessID) of the offer and the handover
    state: str
    note: str
    created_at: datetime
    created_by: str
    offered_at: datetime | None
    completed_at: datetime | None
    row_version: int
    items: list[RunItem] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return RUN_STATE_DE[RunState(self.state)]

    @property
    def active(self) -> bool:
        return self.state in (RunState.SELECTED, RunState.OFFERED)

    @property
    def problems(self) -> list[str]:
        return [f"{i.view.reference}: {i.problem}" for i in self.items if i.problem]

    def planned(self, result: Outcome) -> list[RunItem]:
        return [i for i in self.items if i.planned is result]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "process_id": self.uuid,
            "state": self.state,
            "state_label": self.state_label,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "offered_at": self.offered_at.isoformat() if self.offered_at else None,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "row_version": self.row_version,
            "dossiers": [i.as_dict() for i in self.items],
        }


def _run_row(connection: Connection, run_ref: int | str, lock: bool = False) -> Any:
    text = str(run_ref).strip()
    column = disposal_runs.c.id if text.isdigit() else disposal_runs.c.uuid
    value: int | str = int(text) if text.isdigit() else text
    query = select(disposal_runs).where(column == value)
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"Aussonderungslauf {text} gibt es nicht.")
    return row


def get_run(connection: Connection, run_ref: int | str) -> Run:
    """The run with its dossiers, each with where it stands today."""
    row = _run_row(connection, run_ref)
    items = connection.execute(
        select(disposal_items)
        .join(dossiers, dossiers.c.id == disposal_items.c.dossier_id)
        .where(disposal_items.c.run_id == row.id)
        .order_by(dossiers.c.reference)
    ).all()
    by_id = {v.id: v for v in views(connection, [i.dossier_id for i in items])}
    return Run(
        row.id,
        row.uuid,
        row.state,
        row.note,
        utc(row.created_at),
        row.created_by,
        utc(row.offered_at) if row.offered_at else None,
        utc(row.completed_at) if row.completed_at else None,
        row.row_version,
        [
            RunItem(
                by_id[i.dossier_id],
                i.appraisal,
                utc(i.appraised_at) if i.appraised_at else None,
                i.appraised_by,
                i.outcome,
                utc(i.done_at) if i.done_at else None,
            )
            for i in items
        ],
    )


@dataclass(frozen=True)
class RunSummary:
    id: int
    state: str
    note: str
    created_at: datetime
    created_by: str
    dossiers: int

    @property
    def state_label(self) -> str:
        return RUN_STATE_DE[RunState(self.state)]


def list_runs(connection: Connection, limit: int = 200) -> list[RunSummary]:
    """Runs, newest first, with their number of dossiers."""
    count = (
        select(func.count()).where(disposal_items.c.run_id == disposal_runs.c.id).scalar_subquery()
    )
    rows = connection.execute(
        select(disposal_runs, count.label("dossiers"))
        .order_by(disposal_runs.c.id.desc())
        .limit(limit)
    ).all()
    return [
        RunSummary(r.id, r.state, r.note, utc(r.created_at), r.created_by, r.dossiers) for r in rows
    ]


def _unique(refs: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for ref in refs:
        if ref.strip():
            seen.setdefault(ref.strip(), None)
    if not seen:
        raise ValidationError("Bitte mindestens eine Akte für den Aussonderungslauf auswählen.")
    return list(seen)


def _refuse(what: str, problems: list[str]) -> None:
    if problems:
        shown = "; ".join(problems[:20]) + (
            f"; … ({len(problems) - 20} weitere)" if len(problems) > 20 else ""
        )
        raise ConflictError(f"{what}: {shown}")


def create_run(
    connection: Connection,
    refs: Sequence[str],
    actor: str,
    note: str = "",
) -> Run:
    """Put due dossiers together for an offer to the archive. Refuses any dossier that is not
    due (open, running, held, without rule, disposed of) or already in an active run."""
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise ValidationError(f"Der Vermerk ist länger als {MAX_NOTE} Zeichen.")
    rows = [find_dossier_row(connection, ref, lock=True) for ref in _unique(refs)]
    ids = list(dict.fromkeys(r.id for r in rows))
    found = views(connection, ids)
    problems = [
        f"{v.reference}: steht schon im Aussonderungslauf {v.active_run}"
        if v.active_run
        else f"{v.reference}: {_not_due(v)}"
        for v in found
        if v.active_run or not v.assessment.is_due
    ]
    _refuse("Nicht aussonderungsreif", problems)
    run_uuid = new_uuid()
    run_id = connection.execute(
        disposal_runs.insert()
        .values(
            uuid=run_uuid,
            state=RunState.SELECTED.value,
            note=note,
            created_at=now(),
            created_by=actor,
            row_version=1,
        )
        .returning(disposal_runs.c.id)
    ).scalar_one()
    connection.execute(
        disposal_items.insert(), [{"run_id": run_id, "dossier_id": v.id} for v in found]
    )
    audit.record_many(
        connection,
        actor,
        [
            (
                "disposal.create",
                "disposal_run",
                run_uuid,
                {"run": run_id, "dossiers": [v.reference for v in found], "note": note},
            ),
            *[
                ("disposal.select", "dossier", v.uuid, {"reference": v.reference, "run": run_id})
                for v in found
            ],
        ],
    )
    return get_run(connection, run_id)


def _state_error(run: Any) -> EakteError:
    state = RunState(run.state)
    if state is RunState.COMPLETED:
        return ConflictError(
            f"Aussonderungslauf {run.id} wurde am {county_day(run.completed_at):%d.%m.%Y} "
            "abgeschlossen; er lässt sich nicht mehr ändern."
        )
    if state is RunState.CANCELLED:
        return ConflictError(f"Aussonderungslauf {run.id} wurde abgebrochen.")
    if state is RunState.SELECTED:
        return ValidationError(
            f"Aussonderungslauf {run.id} ist noch nicht angeboten; bewertet und abgeschlossen "
            "wird erst nach dem Angebot an das Archiv."
        )
    return ConflictError(f"Aussonderungslauf {run.id} ist schon dem Archiv angeboten.")


def _lock(
    connection: Connection,
    run_ref: int | str,
    expected_version: int | None,
    states: Sequence[RunState],
) -> Any:
    """The run, locked until the transaction ends, if it is in one of ``states`` and still at
    the version the caller saw (``None``: whatever it is now); otherwise the error that says
    why not. Nothing is written yet, so a refusal leaves no trace."""
    run = _run_row(connection, run_ref, lock=True)
    if RunState(run.state) not in states:
        raise _state_error(run)
    if expected_version is not None and run.row_version != expected_version:
        raise _changed_meanwhile(run.id)
    return run


def _advance(connection: Connection, run: Any, **values: Any) -> None:
    """Write the run's change, conditional on the version ``_lock`` found (the row lock makes
    this certain on PostgreSQL; on SQLite the single writer does)."""
    changed = connection.execute(
        update(disposal_runs)
        .where(disposal_runs.c.id == run.id, disposal_runs.c.row_version == run.row_version)
        .values(row_version=disposal_runs.c.row_version + 1, **values)
    ).rowcount
    if changed != 1:
        raise _changed_meanwhile(run.id)


def _changed_meanwhile(run_id: int) -> ConflictError:
    return ConflictError(
        f"Aussonderungslauf {run_id} wurde inzwischen von jemand anderem geändert; bitte die "
        "Seite neu laden und noch einmal prüfen."
    )


def offer_run(
    connection: Connection, run_ref: int | str, actor: str, expected_version: int | None = None
) -> Run:
    """Mark the run as offered to the archive (the offer list goes with it: ``offer``)."""
    run = _lock(connection, run_ref, expected_version, [RunState.SELECTED])
    _advance(connection, run, state=RunState.OFFERED.value, offered_at=now())
    offered = get_run(connection, run.id)
    audit.record(
        connection,
        actor,
        "disposal.offer",
        "disposal_run",
        run.uuid,
        {"run": run.id, "dossiers": [i.view.reference for i in offered.items]},
    )
    return offered


def _item_ids(connection: Connection, run_id: int, refs: Sequence[str]) -> dict[str, Any]:
    """Dossier rows of ``refs``, each of which must be in the run."""
    found = {}
    members = set(
        connection.execute(
            select(disposal_items.c.dossier_id).where(disposal_items.c.run_id == run_id)
        ).scalars()
    )
    for ref in refs:
        row = find_dossier_row(connection, ref, lock=True)
        if row.id not in members:
            raise NotFoundError(f"Akte {row.reference} gehört nicht zu Aussonderungslauf {run_id}.")
        found[ref] = row
    return found


def record_appraisals(
    connection: Connection,
    run_ref: int | str,
    appraisals: Mapping[str, str | None],
    actor: str,
    expected_version: int | None = None,
) -> Run:
    """Record the archive's appraisal (archive | destroy; None clears it) for dossiers of an
    offered run. An appraisal the dossier's disposition forbids is refused."""
    if not appraisals:
        raise ValidationError("Keine Bewertung angegeben.")
    run = _lock(connection, run_ref, expected_version, [RunState.OFFERED])
    rows = _item_ids(connection, run.id, list(appraisals))
    current = {v.id: v for v in views(connection, [r.id for r in rows.values()])}
    parsed: dict[str, Appraisal | None] = {}
    for ref, value in appraisals.items():
        choice = parsed[ref] = Appraisal.parse(value) if value else None
        rule = current[rows[ref].id].rule
        if choice is not None and rule is not None:
            try:
                check_appraisal(rule.disposition, choice)
            except ValidationError as exc:
                raise ValidationError(f"{rows[ref].reference}: {exc.message}") from exc
    _advance(connection, run)
    stamp = now()
    for ref, value in parsed.items():
        connection.execute(
            update(disposal_items)
            .where(disposal_items.c.run_id == run.id, disposal_items.c.dossier_id == rows[ref].id)
            .values(
                appraisal=value.value if value else None,
                appraised_at=stamp if value else None,
                appraised_by=actor if value else None,
            )
        )
    audit.record_many(
        connection,
        actor,
        [
            (
                "disposal.appraise",
                "dossier",
                rows[ref].uuid,
                {
                    "reference": rows[ref].reference,
                    "run": run.id,
                    "appraisal": value.value if value else None,
                },
            )
            for ref, value in parsed.items()
        ],
    )
    return get_run(connection, run.id)


def remove_from_run(
    connection: Connection,
    run_ref: int | str,
    dossier_ref: str,
    actor: str,
    expected_version: int | None = None,
) -> Run:
    """Take a dossier out of an active run (for example because a hold was placed on it)."""
    run = _lock(connection, run_ref, expected_version, [RunState.SELECTED, RunState.OFFERED])
    row = _item_ids(connection, run.id, [dossier_ref])[dossier_ref]
    _advance(connection, run)
    connection.execute(
        delete(disposal_items).where(
            disposal_items.c.run_id == run.id, disposal_items.c.dossier_id == row.id
        )
    )
    audit.record(
        connection,
        actor,
        "disposal.remove",
        "dossier",
        row.uuid,
        {"reference": row.reference, "run": run.id},
    )
    return get_run(connection, run.id)


def cancel_run(
    connection: Connection, run_ref: int | str, actor: str, expected_version: int | None = None
) -> Run:
    """Give up a run that is not completed; its dossiers may go into another run."""
    run = _lock(connection, run_ref, expected_version, [RunState.SELECTED, RunState.OFFERED])
    _advance(connection, run, state=RunState.CANCELLED.value)
    audit.record(connection, actor, "disposal.cancel", "disposal_run", run.uuid, {"run": run.id})
    return get_run(connection, run.id)


@dataclass
class Completion:
    run: Run
    handed_over: list[str] = field(default_factory=list)  # references
    destroyed: list[str] = field(default_factory=list)
    hashes: set[str] = field(default_factory=set)  # contents to erase after the commit


def complete_run(
    connection: Connection,
    run_ref: int | str,
    actor: str,
    expected_version: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Completion:
    """Hand over or destroy every dossier of an offered run, in the caller's transaction.

    Stops (and changes nothing) if any dossier is now held, not yet due, without the archive's
    appraisal its disposition needs, or appraised against its disposition. After the commit,
    ``erase_contents(…, completion.hashes)`` removes the bytes no live document needs."""
    run = _lock(connection, run_ref, expected_version, [RunState.OFFERED])
    # Lock the dossiers too: a hold or an override placed now waits for this transaction.
    connection.execute(
        select(dossiers.c.id)
        .join(disposal_items, disposal_items.c.dossier_id == dossiers.c.id)
        .where(disposal_items.c.run_id == run.id)
        .order_by(dossiers.c.id)
        .with_for_update()
    ).all()
    checked = get_run(connection, run.id)  # as of today: there is no date to pass
    if not checked.items:
        raise ValidationError(f"Aussonderungslauf {run.id} enthält keine Akten.")
    _refuse(f"Aussonderungslauf {run.id} lässt sich nicht abschließen", checked.problems)
    _advance(connection, run, state=RunState.COMPLETED.value, completed_at=now())
    done = Completion(checked)
    with secure_delete(connection):
        for item in checked.items:
            facts = ItemFacts(
                run.id, run.uuid, item.appraisal, item.appraised_by, item.appraised_at
            )
            if item.planned is Outcome.DESTROYED:
                done.hashes |= destroy_dossier(connection, item.view, facts, actor)
                done.destroyed.append(item.view.reference)
            else:
                hand_over_dossier(connection, item.view, facts, actor)
                done.handed_over.append(item.view.reference)
            if progress:
                progress(1)
        if done.destroyed:
            backend_for(connection).purge(connection)
    audit.record(
        connection,
        actor,
        "disposal.complete",
        "disposal_run",
        run.uuid,
        {"run": run.id, "handed_over": done.handed_over, "destroyed": done.destroyed},
    )
    done.run = get_run(connection, run.id)
    return done
