"""Retention rules as pure functions: dates, inheritance, holds, what completing does."""

from datetime import date

import pytest

from eakte.core.fileplan import Disposition
from eakte.core.retention import (
    Appraisal,
    Outcome,
    PlanRule,
    RetentionStatus,
    Rule,
    assess,
    due_on,
    effective_rule,
    outcome,
    retention_ends,
    validate_reason,
)
from eakte.errors import ValidationError

TEN_V = Rule(10, Disposition.DESTROY, "32.1.2", "32.1.2")


@pytest.mark.parametrize(
    ("closed", "years", "ends", "first_due"),
    [
        (date(2014, 1, 1), 10, date(2024, 12, 31), date(2025, 1, 1)),
        (date(2014, 12, 31), 10, date(2024, 12, 31), date(2025, 1, 1)),
        (date(2024, 2, 29), 5, date(2029, 12, 31), date(2030, 1, 1)),  # leap day
        (date(2023, 7, 1), 1, date(2024, 12, 31), date(2025, 1, 1)),  # ends in a leap year
        (date(2020, 6, 30), 0, date(2020, 12, 31), date(2021, 1, 1)),
    ],
)
def test_retention_runs_from_the_end_of_the_closing_year(
    closed: date, years: int, ends: date, first_due: date
) -> None:
    assert retention_ends(closed, years) == ends
    assert due_on(closed, years) == first_due


def test_due_from_new_years_day_not_before() -> None:
    closed = date(2014, 3, 5)
    assert assess(closed, TEN_V, False, None, date(2024, 12, 31)).status is RetentionStatus.RUNNING
    due = assess(closed, TEN_V, False, None, date(2025, 1, 1))
    assert due.is_due and due.retention_ends == date(2024, 12, 31)


def test_open_held_and_disposed_dossiers_are_never_due() -> None:
    late = date(2099, 1, 1)
    assert assess(None, TEN_V, False, None, late).status is RetentionStatus.OPEN
    assert assess(date(2000, 1, 1), TEN_V, True, None, late).status is RetentionStatus.HELD
    gone = assess(date(2000, 1, 1), TEN_V, False, "destroyed", late)
    assert gone.status is RetentionStatus.DESTROYED and not gone.is_due
    assert assess(date(2000, 1, 1), None, False, None, late).status is RetentionStatus.NO_RULE
    # A held dossier without a rule reports the hold first; it is still listed as without rule.
    assert assess(date(2000, 1, 1), None, True, None, late).rule is None


def test_rule_inherits_each_part_from_the_nearest_ancestor() -> None:
    chain = [
        PlanRule("63.1.2", None, None),
        PlanRule("63.1", 30, None),
        PlanRule("63", 10, "B"),
    ]
    rule = effective_rule(None, chain)
    assert rule == Rule(30, Disposition.APPRAISE, "63.1", "63")
    assert rule.source_de == "Aktenplan 63.1 (Frist), 63 (Aussonderungsart)"
    own = effective_rule(None, [PlanRule("32.1.2", 5, "V"), PlanRule("32", 10, "A")])
    assert own == Rule(5, Disposition.DESTROY, "32.1.2", "32.1.2")
    assert own.source_de == "Aktenplan 32.1.2"


def test_override_wins_and_a_missing_part_means_no_rule() -> None:
    chain = [PlanRule("10.4.1", 10, "V")]
    rule = effective_rule((30, "A"), chain)
    assert rule == Rule(30, Disposition.ARCHIVE, "override", "override") and rule.from_override
    assert effective_rule(None, [PlanRule("99.1", 10, None), PlanRule("99", None, None)]) is None
    assert effective_rule(None, [PlanRule("99.1", None, "V")]) is None


def test_outcome_by_disposition_and_appraisal() -> None:
    A, B, V = Disposition.ARCHIVE, Disposition.APPRAISE, Disposition.DESTROY
    assert outcome(A, None) is Outcome.HANDED_OVER
    assert outcome(A, Appraisal.ARCHIVE) is Outcome.HANDED_OVER
    with pytest.raises(ValidationError, match="nicht vernichtet"):
        outcome(A, Appraisal.DESTROY)
    with pytest.raises(ValidationError, match="Bewertung des Archivs fehlt"):
        outcome(B, None)
    assert outcome(B, Appraisal.ARCHIVE) is Outcome.HANDED_OVER
    assert outcome(B, Appraisal.DESTROY) is Outcome.DESTROYED
    assert outcome(V, None) is Outcome.DESTROYED
    assert outcome(V, Appraisal.ARCHIVE) is Outcome.HANDED_OVER  # the archive claims it


def test_reasons_and_appraisals_are_checked() -> None:
    with pytest.raises(ValidationError, match="braucht eine Begründung"):
        validate_reason("   ", "Eine Aufbewahrungssperre")
    assert validate_reason("  Klage  vor dem VG ", "x") == "Klage vor dem VG"
    assert Appraisal.parse("vernichten") is Appraisal.DESTROY
    with pytest.raises(ValidationError, match="unbekannt"):
        Appraisal.parse("behalten")
