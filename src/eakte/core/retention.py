"""Retention (Aufbewahrung) and disposal (Aussonderung) as pure rules.

**When retention ends.** The period starts when the year in which the dossier was closed has
ended (»Die Aufbewahrungsfrist beginnt mit Ablauf des Jahres, in dem die Akte geschlossen
wurde«, the rule of the Registraturrichtlinie and of most state records regulations). A dossier
closed on any day of 2014 with a ten-year rule is therefore kept up to and including
31.12.2024 (``retention_ends``) and is due for disposal from 01.01.2025 (``due_on``). The
closing year is the calendar year in the county's time zone, so a dossier closed at 00:30 on
New Year's morning belongs to the new year. Leap years play no part: only years are counted.

**Which rule applies.** A dossier's own override (set by the registry with a reason) wins.
Otherwise its plan item's rule applies; a plan item without a retention period or without a
disposition takes each of the two from its nearest ancestor that has one (file plans often set
the disposition once for a whole group). A dossier whose chain yields no period or no
disposition has *no rule*: it is reported as »ohne Aufbewahrungsregel« so that the registry
fixes the file plan. It is never silently kept forever, nor ever disposed of.

**What is due.** Open dossiers never are (the clock starts at closing). A dossier with an active
legal hold never is, whatever its dates: the hold stops the clock for as long as it lasts. When
the last hold is lifted, the ordinary rule applies again: a dossier whose retention ended during
the hold is due at once (the hold suspends disposal; it does not lengthen the period).

**What happens at disposal** (``outcome``), by disposition and the archive's appraisal:

* A (archivieren): the archive has declared the records archival in advance; they are handed
  over. An appraisal »destroy« is refused: to destroy them the registry must first change the
  dossier's disposition by an override with a reason.
* B (bewerten): the archive decides per dossier; without its appraisal nothing happens.
* V (vernichten): destroyed unless the archive, to whom everything is offered, claims the
  dossier (appraisal »archive«), which then is handed over.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from eakte.core.fileplan import MAX_RETENTION_YEARS, Disposition
from eakte.errors import ValidationError

MAX_REASON_LENGTH = 500


class RetentionStatus(enum.StrEnum):
    OPEN = "open"  # not closed: the clock has not started
    HELD = "held"  # a legal hold stops the clock
    NO_RULE = "no_rule"  # closed, but no period or no disposition anywhere in its chain
    RUNNING = "running"  # closed, retention not yet over
    DUE = "due"  # retention over, may be offered and disposed of
    HANDED_OVER = "handed_over"  # disposed of: handed over to the archive
    DESTROYED = "destroyed"  # disposed of: destroyed


STATUS_DE = {
    RetentionStatus.OPEN: "offen – die Frist beginnt mit dem Abschluss",
    RetentionStatus.HELD: "gesperrt (Aufbewahrungssperre)",
    RetentionStatus.NO_RULE: "ohne Aufbewahrungsregel",
    RetentionStatus.RUNNING: "Aufbewahrungsfrist läuft",
    RetentionStatus.DUE: "aussonderungsreif",
    RetentionStatus.HANDED_OVER: "an das Archiv übergeben",
    RetentionStatus.DESTROYED: "vernichtet",
}

DISPOSITION_DE = {
    Disposition.ARCHIVE: "A – archivieren",
    Disposition.APPRAISE: "B – bewerten (das Archiv entscheidet)",
    Disposition.DESTROY: "V – vernichten",
}


class Appraisal(enum.StrEnum):
    """The archive's decision on one offered dossier (xdomea 0502)."""

    ARCHIVE = "archive"
    DESTROY = "destroy"

    @classmethod
    def parse(cls, value: str) -> Appraisal:
        aliases = {
            "archivieren": "archive",
            "a": "archive",
            "vernichten": "destroy",
            "v": "destroy",
        }
        key = value.strip().lower()
        try:
            return cls(aliases.get(key, key))
        except ValueError as exc:
            raise ValidationError(
                f"Bewertung {value!r} ist unbekannt: erlaubt sind archive (archivieren) und "
                "destroy (vernichten)."
            ) from exc


APPRAISAL_DE = {Appraisal.ARCHIVE: "archivieren", Appraisal.DESTROY: "vernichten"}


class Outcome(enum.StrEnum):
    HANDED_OVER = "handed_over"
    DESTROYED = "destroyed"


OUTCOME_DE = {Outcome.HANDED_OVER: "an das Archiv übergeben", Outcome.DESTROYED: "vernichtet"}


class RunState(enum.StrEnum):
    """A disposal run: selected → offered (the archive appraises) → completed; or cancelled."""

    SELECTED = "selected"
    OFFERED = "offered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


RUN_STATE_DE = {
    RunState.SELECTED: "zusammengestellt",
    RunState.OFFERED: "dem Archiv angeboten",
    RunState.COMPLETED: "abgeschlossen",
    RunState.CANCELLED: "abgebrochen",
}
ACTIVE_RUN_STATES = (RunState.SELECTED, RunState.OFFERED)


@dataclass(frozen=True)
class PlanRule:
    """The retention fields of one plan item, as the file plan holds them (either may be
    missing)."""

    code: str
    years: int | None
    disposition: str | None


@dataclass(frozen=True)
class Rule:
    """The rule in force for a dossier, and where its parts come from: ``"override"`` or a plan
    item code."""

    years: int
    disposition: Disposition
    years_from: str
    disposition_from: str

    @property
    def from_override(self) -> bool:
        return self.years_from == "override"

    @property
    def source_de(self) -> str:
        if self.from_override:
            return "Abweichung für diese Akte"
        if self.years_from == self.disposition_from:
            return f"Aktenplan {self.years_from}"
        return f"Aktenplan {self.years_from} (Frist), {self.disposition_from} (Aussonderungsart)"


def effective_rule(override: tuple[int, str] | None, chain: Sequence[PlanRule]) -> Rule | None:
    """The rule in force: the override ``(years, disposition)`` if there is one, otherwise the
    plan item's, each part inherited from the nearest ancestor that has it. ``chain`` is the
    dossier's plan item first, then its ancestors up to the top."""
    if override is not None:
        return Rule(override[0], Disposition(override[1]), "override", "override")
    period = next((item for item in chain if item.years is not None), None)
    kind = next((item for item in chain if item.disposition is not None), None)
    if period is None or kind is None:
        return None
    assert period.years is not None and kind.disposition is not None
    return Rule(period.years, Disposition(kind.disposition), period.code, kind.code)


def retention_ends(closed_on: date, years: int) -> date:
    """The last day the dossier must be kept: 31 December of the closing year plus ``years``."""
    return date(closed_on.year + years, 12, 31)


def due_on(closed_on: date, years: int) -> date:
    """The first day the dossier may be disposed of: the day after ``retention_ends``."""
    return date(closed_on.year + years + 1, 1, 1)


def latest_closing_year_due(as_of: date, years: int) -> int:
    """Dossiers closed in this year or earlier are due on ``as_of`` under a ``years`` rule."""
    return as_of.year - years - 1


@dataclass(frozen=True)
class Assessment:
    status: RetentionStatus
    rule: Rule | None
    retention_ends: date | None
    due_on: date | None

    @property
    def is_due(self) -> bool:
        return self.status is RetentionStatus.DUE

    @property
    def status_de(self) -> str:
        return STATUS_DE[self.status]


def assess(
    closed_on: date | None,
    rule: Rule | None,
    held: bool,
    disposal: str | None,
    as_of: date,
) -> Assessment:
    """Where a dossier stands on ``as_of``. ``closed_on`` is the closing day in county time;
    ``disposal`` is what already happened to it (handed_over, destroyed) or None."""
    ends = retention_ends(closed_on, rule.years) if closed_on and rule else None
    first = due_on(closed_on, rule.years) if closed_on and rule else None
    if disposal is not None:
        status = RetentionStatus(disposal)
    elif closed_on is None:
        status = RetentionStatus.OPEN
    elif held:
        status = RetentionStatus.HELD
    elif rule is None:
        status = RetentionStatus.NO_RULE
    elif first is not None and as_of >= first:
        status = RetentionStatus.DUE
    else:
        status = RetentionStatus.RUNNING
    return Assessment(status, rule, ends, first)


def outcome(disposition: Disposition, appraisal: Appraisal | None) -> Outcome:
    """What completing the disposal does with a dossier; ``ValidationError`` when the
    appraisal does not allow completing (see the module docstring)."""
    if disposition is Disposition.ARCHIVE:
        if appraisal is Appraisal.DESTROY:
            raise ValidationError(
                "Aussonderungsart A (archivieren): die Akte wird übergeben, nicht vernichtet. "
                "Soll sie vernichtet werden, zuerst die Aussonderungsart mit Begründung ändern."
            )
        return Outcome.HANDED_OVER
    if disposition is Disposition.APPRAISE and appraisal is None:
        raise ValidationError(
            "Aussonderungsart B (bewerten): die Bewertung des Archivs fehlt noch."
        )
    if appraisal is Appraisal.ARCHIVE:
        return Outcome.HANDED_OVER
    return Outcome.DESTROYED


def check_appraisal(disposition: Disposition, appraisal: Appraisal) -> None:
    """Refuse an appraisal that could never be carried out (``destroy`` on disposition A)."""
    outcome(disposition, appraisal)


def validate_years(years: int) -> int:
    if not 0 <= years <= MAX_RETENTION_YEARS:
        raise ValidationError(
            f"Aufbewahrungsfrist {years} liegt nicht zwischen 0 und {MAX_RETENTION_YEARS} Jahren."
        )
    return years


def validate_reason(reason: str | None, what: str) -> str:
    """A reason is mandatory for every change of retention; it lands in the audit."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError(f"{what} braucht eine Begründung.")
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"Die Begründung ist länger als {MAX_REASON_LENGTH} Zeichen; bitte kürzen."
        )
    return text
