"""Where dossiers stand in their retention: the rule in force, the dates, holds, the due list.

The rules themselves are pure (``eakte.core.retention``); this module loads what they need. The
due list reads every closed dossier that could be due at all (a cut-off date from the shortest
period in force keeps younger ones out of the query) and every one without a rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, literal, or_, select

from eakte.core.fileplan import Disposition
from eakte.core.retention import (
    ACTIVE_RUN_STATES,
    Assessment,
    PlanRule,
    Rule,
    assess,
    effective_rule,
    latest_closing_year_due,
)
from eakte.db.schema import (
    disposal_items,
    disposal_runs,
    dossiers,
    legal_holds,
    plan_items,
    retention_overrides,
)
from eakte.errors import NotFoundError
from eakte.records.common import COUNTY_TIME, today
from eakte.records.dossiers import DOSSIER_ROW, dossier_row

MAX_PLAN_DEPTH = 12


@dataclass(frozen=True)
class Override:
    years: int
    disposition: str
    reason: str
    set_at: datetime
    set_by: str


@dataclass(frozen=True)
class Hold:
    id: int
    reason: str
    placed_at: datetime
    placed_by: str
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True)
class RetentionView:
    """One dossier's retention: its metadata (no content), the rule, dates, holds, run."""

    id: int
    uuid: str
    reference: str
    subject: str
    plan_code: str
    plan_title: str
    lead_unit: str
    unit_id: int
    confidentiality: str
    created_at: datetime
    closed_at: datetime | None
    disposed_at: datetime | None
    assessment: Assessment
    override: Override | None
    holds: tuple[Hold, ...]
    active_run: int | None  # id of the disposal run that holds it now

    @property
    def rule(self) -> Rule | None:
        return self.assessment.rule

    @property
    def active_holds(self) -> list[Hold]:
        return [h for h in self.holds if h.active]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used by the CLI and the API."""
        rule = self.rule
        return {
            "id": self.uuid,
            "reference": self.reference,
            "subject": self.subject,
            "plan_item": self.plan_code,
            "plan_title": self.plan_title,
            "lead_unit": self.lead_unit,
            "confidentiality": self.confidentiality,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "status": self.assessment.status.value,
            "status_label": self.assessment.status_de,
            "retention_years": rule.years if rule else None,
            "disposition": rule.disposition.value if rule else None,
            "rule_source": rule.source_de if rule else None,
            "retention_ends": _iso(self.assessment.retention_ends),
            "due_on": _iso(self.assessment.due_on),
            "override": (
                {
                    "years": self.override.years,
                    "disposition": self.override.disposition,
                    "reason": self.override.reason,
                    "set_at": self.override.set_at.isoformat(),
                    "set_by": self.override.set_by,
                }
                if self.override
                else None
            ),
            "holds": [
                {
                    "id": h.id,
                    "reason": h.reason,
                    "placed_at": h.placed_at.isoformat(),
                    "placed_by": h.placed_by,
                    "lifted_at": h.lifted_at.isoformat() if h.lifted_at else None,
                    "lifted_by": h.lifted_by,
                    "lift_reason": h.lift_reason,
                }
                for h in self.holds
            ],
            "disposal_run": self.active_run,
            "disposed_at": self.disposed_at.isoformat() if self.disposed_at else None,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def utc(moment: datetime) -> datetime:
    # SQLite returns stored times without their zone; they are UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def county_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the county (a dossier closed at 00:30 on New Year's
    morning was closed in the new year)."""
    return utc(moment).astimezone(COUNTY_TIME).date()


class PlanRules:
    """The retention fields of the whole file plan, loaded once per call."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.items = {r.id: r for r in rows}

    @classmethod
    def load(cls, connection: Connection) -> PlanRules:
        return cls(
            connection.execute(
                select(
                    plan_items.c.id,
                    plan_items.c.code,
                    plan_items.c.title,
                    plan_items.c.parent_id,
                    plan_items.c.retention_years,
                    plan_items.c.disposition,
                )
            ).all()
        )

    def chain(self, item_id: int) -> list[PlanRule]:
        """The plan item and its ancestors, nearest first."""
        found: list[PlanRule] = []
        current: int | None = item_id
        while current is not None and len(found) <= MAX_PLAN_DEPTH:
            row = self.items[current]
            found.append(PlanRule(row.code, row.retention_years, row.disposition))
            current = row.parent_id
        return found

    def under(self, code: str) -> set[int]:
        """Ids of the plan item ``code`` and every item below it."""
        code = code.strip()
        return {i for i, r in self.items.items() if r.code == code or r.code.startswith(code + ".")}

    def without_rule(self) -> set[int]:
        return {i for i in self.items if effective_rule(None, self.chain(i)) is None}

    def shortest_period(self, overrides: Iterable[Override]) -> int | None:
        periods = [
            rule.years
            for i in self.items
            if (rule := effective_rule(None, self.chain(i))) is not None
        ]
        periods += [o.years for o in overrides]
        return min(periods) if periods else None


def _overrides(connection: Connection, dossier_ids: list[int] | None = None) -> dict[int, Override]:
    query = select(retention_overrides)
    if dossier_ids is not None:
        query = query.where(retention_overrides.c.dossier_id.in_(dossier_ids))
    return {
        r.dossier_id: Override(r.retention_years, r.disposition, r.reason, utc(r.set_at), r.set_by)
        for r in connection.execute(query).all()
    }


def _hold(r: Any) -> Hold:
    return Hold(
        r.id,
        r.reason,
        utc(r.placed_at),
        r.placed_by,
        utc(r.lifted_at) if r.lifted_at else None,
        r.lifted_by,
        r.lift_reason,
    )


def holds_of(
    connection: Connection, dossier_ids: list[int] | None = None, active_only: bool = True
) -> dict[int, list[Hold]]:
    query = select(legal_holds).order_by(legal_holds.c.id.desc())
    if active_only:
        query = query.where(legal_holds.c.lifted_at.is_(None))
    if dossier_ids is not None:
        query = query.where(legal_holds.c.dossier_id.in_(dossier_ids))
    found: dict[int, list[Hold]] = {}
    for r in connection.execute(query).all():
        found.setdefault(r.dossier_id, []).append(_hold(r))
    return found


def active_runs(connection: Connection, dossier_ids: list[int] | None = None) -> dict[int, int]:
    """Dossier id → id of the active (selected or offered) run it is in."""
    query = (
        select(disposal_items.c.dossier_id, disposal_runs.c.id)
        .join(disposal_runs, disposal_runs.c.id == disposal_items.c.run_id)
        .where(disposal_runs.c.state.in_([s.value for s in ACTIVE_RUN_STATES]))
    )
    if dossier_ids is not None:
        query = query.where(disposal_items.c.dossier_id.in_(dossier_ids))
    return {row[0]: row[1] for row in connection.execute(query).all()}


def _view(
    row: Row[Any],
    chain: list[PlanRule],
    override: Override | None,
    holds: list[Hold],
    run: int | None,
    as_of: date,
) -> RetentionView:
    """``row``: a dossier row with ``plan_code``, ``plan_title`` and ``unit_code``; ``chain``:
    its plan item and the item's ancestors, nearest first."""
    pair = (override.years, override.disposition) if override else None
    rule = effective_rule(pair, chain)
    closed = utc(row.closed_at) if row.closed_at else None
    assessment = assess(
        county_day(closed) if closed else None,
        rule,
        any(h.active for h in holds),
        row.disposal,
        as_of,
    )
    return RetentionView(
        row.id,
        row.uuid,
        row.reference,
        row.subject,
        row.plan_code,
        row.plan_title,
        row.unit_code,
        row.lead_unit_id,
        row.confidentiality,
        utc(row.created_at),
        closed,
        utc(row.disposed_at) if row.disposed_at else None,
        assessment,
        override,
        tuple(holds),
        run,
    )


def find_dossier_row(connection: Connection, ref_or_uuid: str, lock: bool = False) -> Row[Any]:
    """The dossier named by reference or id. With ``lock`` the row stays locked until the
    transaction ends (PostgreSQL; SQLite has a single writer anyway), so that a hold, an
    override and a disposal of the same dossier never interleave."""
    query = select(dossiers).where(
        (dossiers.c.reference == ref_or_uuid.strip()) | (dossiers.c.uuid == ref_or_uuid.strip())
    )
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"Akte {ref_or_uuid!r} gibt es nicht.")
    return row


def views(
    connection: Connection,
    dossier_ids: list[int],
    as_of: date | None = None,
    all_holds: bool = False,
) -> list[RetentionView]:
    """Retention views of the given dossiers, in the order of ``dossier_ids``."""
    if not dossier_ids:
        return []
    day = as_of or today()
    plan = PlanRules.load(connection)
    rows = {
        r.id: r for r in connection.execute(DOSSIER_ROW.where(dossiers.c.id.in_(dossier_ids))).all()
    }
    overrides = _overrides(connection, dossier_ids)
    holds = holds_of(connection, dossier_ids, active_only=not all_holds)
    runs = active_runs(connection, dossier_ids)
    return [
        _view(
            rows[i],
            plan.chain(rows[i].plan_item_id),
            overrides.get(i),
            holds.get(i, []),
            runs.get(i),
            day,
        )
        for i in dossier_ids
        if i in rows
    ]


def retention_of(
    connection: Connection, ref_or_uuid: str, as_of: date | None = None
) -> RetentionView:
    """One dossier's retention, with every hold it ever had (newest first). Reads only its plan
    item's chain, not the whole file plan: three statements, two when the dossier's row was
    read before in the same read transaction (its page)."""
    row = dossier_row(connection, ref_or_uuid.strip())
    if row is None:
        raise NotFoundError(f"Akte {ref_or_uuid!r} gibt es nicht.")
    override, holds, run = _retention_facts(connection, row.id)
    return _view(
        row, plan_chain(connection, row.plan_item_id), override, holds, run, as_of or today()
    )


def plan_chain(connection: Connection, item_id: int) -> list[PlanRule]:
    """The retention fields of plan item ``item_id`` and its ancestors, nearest first (as
    ``PlanRules.chain``), walked up by one recursive query."""
    rows = connection.execute(_PLAN_CHAIN, {"item_id": item_id}).all()
    return [PlanRule(r.code, r.retention_years, r.disposition) for r in rows]


def _plan_chain_query() -> Select[Any]:
    start = select(
        plan_items.c.parent_id,
        plan_items.c.code,
        plan_items.c.retention_years,
        plan_items.c.disposition,
        literal(0).label("depth"),
    ).where(plan_items.c.id == bindparam("item_id"))
    chain = start.cte("chain", recursive=True)
    parent = plan_items.alias("parent")
    chain = chain.union_all(
        select(
            parent.c.parent_id,
            parent.c.code,
            parent.c.retention_years,
            parent.c.disposition,
            chain.c.depth + 1,
        ).where(parent.c.id == chain.c.parent_id, chain.c.depth < MAX_PLAN_DEPTH)
    )
    return select(chain.c.code, chain.c.retention_years, chain.c.disposition).order_by(
        chain.c.depth
    )


def _retention_facts(
    connection: Connection, dossier_id: int
) -> tuple[Override | None, list[Hold], int | None]:
    """A dossier's override, every hold it ever had (newest first) and the active run it is
    in, in one statement: one row per hold (a single row without one), each carrying the
    override's columns and the run."""
    rows = connection.execute(_RETENTION_FACTS, {"dossier_id": dossier_id}).all()
    first = rows[0]
    override = (
        Override(
            first.override_years,
            first.override_disposition,
            first.override_reason,
            utc(first.override_set_at),
            first.override_set_by,
        )
        if first.override_years is not None
        else None
    )
    holds = [_hold(r) for r in rows if r.id is not None]
    return override, holds, first.run


def _retention_facts_query() -> Select[Any]:
    run = (
        select(disposal_runs.c.id)
        .join(disposal_items, disposal_items.c.run_id == disposal_runs.c.id)
        .where(
            disposal_items.c.dossier_id == dossiers.c.id,
            disposal_runs.c.state.in_([s.value for s in ACTIVE_RUN_STATES]),
        )
        .order_by(disposal_runs.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    overrides = retention_overrides.c
    return (
        select(
            overrides.retention_years.label("override_years"),
            overrides.disposition.label("override_disposition"),
            overrides.reason.label("override_reason"),
            overrides.set_at.label("override_set_at"),
            overrides.set_by.label("override_set_by"),
            run.label("run"),
            *legal_holds.c,
        )
        .select_from(
            dossiers.outerjoin(
                retention_overrides, overrides.dossier_id == dossiers.c.id
            ).outerjoin(legal_holds, legal_holds.c.dossier_id == dossiers.c.id)
        )
        .where(dossiers.c.id == bindparam("dossier_id"))
        .order_by(legal_holds.c.id.desc())
    )


# Built once: building a statement costs more CPU than running a small one.
_PLAN_CHAIN = _plan_chain_query()
_RETENTION_FACTS = _retention_facts_query()


@dataclass(frozen=True)
class DueReport:
    as_of: date
    due: list[RetentionView]
    without_rule: list[RetentionView]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "due": [v.as_dict() for v in self.due],
            "without_rule": [v.as_dict() for v in self.without_rule],
        }


def _cutoff(as_of: date, shortest: int | None) -> datetime | None:
    """Dossiers closed before this moment (UTC) may be due on ``as_of``; None: none may."""
    if shortest is None:
        return None
    year = latest_closing_year_due(as_of, shortest) + 1
    if year < 1:
        return None
    return datetime(year, 1, 1, tzinfo=COUNTY_TIME).astimezone(UTC)


def list_due(
    connection: Connection,
    as_of: date | None = None,
    plan_code: str | None = None,
    disposition: str | None = None,
) -> DueReport:
    """Closed dossiers whose retention has run out on ``as_of`` (default today), not held and
    not yet disposed of, oldest first; and every closed dossier without a rule."""
    day = as_of or today()
    plan = PlanRules.load(connection)
    overrides = _overrides(connection)
    cutoff = _cutoff(day, plan.shortest_period(overrides.values()))
    no_rule = plan.without_rule()
    candidates: list[ColumnElement[bool]] = (
        [dossiers.c.plan_item_id.in_(sorted(no_rule))] if no_rule else []
    )
    if cutoff is not None:
        candidates.append(dossiers.c.closed_at < cutoff)
    if not candidates:
        return DueReport(day, [], [])
    query = DOSSIER_ROW.where(
        dossiers.c.closed_at.is_not(None), dossiers.c.disposal.is_(None), or_(*candidates)
    )
    if plan_code:
        query = query.where(dossiers.c.plan_item_id.in_(sorted(plan.under(plan_code)) or [-1]))
    wanted = Disposition.parse(disposition) if disposition else None
    holds = holds_of(connection)
    runs = active_runs(connection)
    due: list[RetentionView] = []
    without: list[RetentionView] = []
    for row in connection.execute(query.order_by(dossiers.c.closed_at, dossiers.c.id)).all():
        chain = plan.chain(row.plan_item_id)
        view = _view(
            row, chain, overrides.get(row.id), holds.get(row.id, []), runs.get(row.id), day
        )
        if view.rule is None:
            without.append(view)
        elif view.assessment.is_due and (wanted is None or view.rule.disposition is wanted):
            due.append(view)
    return DueReport(day, due, without)
