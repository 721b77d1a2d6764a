"""Resubmissions (Wiedervorlagen) on both backends: who they may be for, whose desk they reach and
when, closed cases, and two people marking the same inbox resubmission done at once."""

import threading
from datetime import date, timedelta
from typing import Any

import pytest

from eakte import audit
from eakte.db.engine import Database
from eakte.errors import (
    ClosedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from eakte.records import dossiers, grants, organisation
from eakte.records.access import SUPERIOR_UNITS_READ
from eakte.records.common import today
from eakte.records.organisation import get_user
from eakte.resubmissions import service
from tests.helpers import County, make_county


@pytest.fixture
def county(db: Database, rules: Any) -> County:
    return make_county(db, rules)


def _create(
    db: Database, login: str, due_on: date, case: Any = None, county: Any = None, **kw: Any
) -> service.Resubmission:
    with db.write() as c:
        return service.create(
            c, (case or county.bau_case).reference, get_user(c, login), due_on, **kw
        )


def _due(db: Database, login: str, on: date | None = None) -> list[str]:
    with db.read() as c:
        return [f.note for f in service.due_for(c, get_user(c, login), on)]


def test_a_resubmission_for_oneself_comes_back_on_its_day(db: Database, county: County) -> None:
    day = today()
    mine = _create(db, "bau", day + timedelta(days=1), county=county, note="Statik nachgereicht?")
    assert mine.for_user == "bau" and mine.target == "bau" and mine.row_version == 1
    assert _due(db, "bau") == []  # tomorrow
    assert _due(db, "bau", day + timedelta(days=1)) == ["Statik nachgereicht?"]
    later = day + timedelta(days=5)
    with db.read() as c:
        (found,) = service.due_for(c, get_user(c, "bau"), later)
    assert found.overdue(later) and not found.overdue(day + timedelta(days=1))
    with db.read() as c:
        (event,) = [
            e
            for e in audit.events_of(c, "case", county.bau_case.uuid)
            if e.action == "resubmission.create"
        ]
    assert event.details == {
        "resubmission": mine.id,
        "reference": county.bau_case.reference,
        "due_on": (day + timedelta(days=1)).isoformat(),
        "note": "Statik nachgereicht?",
        "to": "bau",
    }


def test_desk_shows_it_only_to_the_right_people(db: Database, county: County) -> None:
    day = today()
    _create(db, "bau", day, county=county, note="für dez", for_user="dez")
    _create(db, "bau", day, county=county, note="Postkorb BAU", for_unit="BAU")
    _create(db, "bau", day, county=county, note="Postkorb D2", for_unit="D2")
    assert _due(db, "dez") == ["für dez", "Postkorb D2"]
    assert _due(db, "bau") == ["Postkorb BAU"]
    assert _due(db, "bau1") == []  # a unit below BAU is another inbox
    assert _due(db, "ja") == [] and _due(db, "ja2") == []


def test_a_case_that_became_unreadable_leaves_the_desk(db: Database, county: County) -> None:
    day = today()
    with db.write() as c:
        grant = grants.add_grant(c, county.bau_dossier.reference, "test", login="bau1")
    _create(db, "bau", day, county=county, note="für bau1", for_user="bau1")
    _create(db, "bau", day, county=county, note="für dez", for_user="dez")
    assert _due(db, "bau1") == ["für bau1"] and _due(db, "dez") == ["für dez"]
    with db.write() as c:
        grants.revoke_grant(c, county.bau_dossier.reference, grant.id, "test")
        grants.set_policy(c, SUPERIOR_UNITS_READ, "off", "test")  # D2 no longer reads BAU
    assert _due(db, "bau1") == [] and _due(db, "dez") == []
    with db.read() as c:
        for_bau1 = service.of_case(c, county.bau_case.id)[0]
    assert for_bau1.for_user == "bau1"
    with db.write() as c, pytest.raises(NotFoundError):
        service.mark_done(c, for_bau1.id, for_bau1.row_version, get_user(c, "bau1"))


def test_the_target_must_be_able_to_read_the_case(db: Database, county: County) -> None:
    day = today()
    with pytest.raises(ValidationError) as refused:
        _create(db, "bau", day, county=county, for_user="ja")
    assert refused.value.message.startswith(
        f"ja kann den Vorgang {county.bau_case.reference} nicht lesen"
    )
    assert "003" not in refused.value.message and "Jugendamt" not in refused.value.message
    with pytest.raises(ValidationError, match="Niemand in der Einheit BAU-1 kann"):
        _create(db, "bau", day, county=county, for_unit="BAU-1")
    with pytest.raises(ValidationError, match="Person oder eine Einheit"):
        _create(db, "bau", day, county=county, for_user="dez", for_unit="BAU")
    with pytest.raises(NotFoundError, match="niemand"):
        _create(db, "bau", day, county=county, for_user="niemand")
    # ja2 is in the Jugendamt but below the dossier's confidentiality; ja may read it.
    with pytest.raises(ValidationError, match="ja2 kann den Vorgang"):
        _create(db, "ja", day, case=county.ja_case, for_user="ja2")
    assert _create(db, "ja", day, case=county.ja_case, for_unit="JA").for_unit == "JA"
    assert _due(db, "ja") == [""] and _due(db, "ja2") == []  # clearance still counts
    # Somebody who may not read the case learns nothing about it.
    with pytest.raises(NotFoundError):
        _create(db, "ja", day, county=county)
    with db.read() as c:
        events = audit.events_of(c, "case", county.bau_case.uuid)
    assert [e.action for e in events].count("resubmission.create") == 0


def test_dates_notes_and_closed_cases_are_checked(db: Database, county: County) -> None:
    day = today()
    with pytest.raises(ValidationError, match="in der Vergangenheit"):
        _create(db, "bau", day - timedelta(days=1), county=county)
    with pytest.raises(ValidationError, match="höchstens 10 Jahre"):
        _create(db, "bau", date(day.year + 11, 1, 1), county=county)
    with pytest.raises(ValidationError, match="länger als 500"):
        _create(db, "bau", day, county=county, note="x" * 501)
    assert service.parse_day("01.12.2026") == service.parse_day("2026-12-01") == date(2026, 12, 1)
    with pytest.raises(ValidationError, match="kein Datum"):
        service.parse_day("31.02.2026")
    kept = _create(db, "bau", day + timedelta(days=3), county=county, note="bleibt")
    with db.write() as c:
        dossiers.close_case(c, county.bau_case.reference, "bau")
    with pytest.raises(ClosedError, match="nur für offene Vorgänge"):
        _create(db, "bau", day, county=county)
    with db.write() as c, pytest.raises(ClosedError):
        service.postpone(c, kept.id, kept.row_version, get_user(c, "bau"), day + timedelta(7))
    with db.write() as c:  # an open resubmission of a closed case can still be dismissed
        assert service.mark_done(c, kept.id, kept.row_version, get_user(c, "bau")).done


def test_done_postpone_and_delete_rights(db: Database, county: County) -> None:
    day = today()
    for_unit = _create(db, "dez", day, county=county, note="Postkorb BAU", for_unit="BAU")
    with db.write() as c, pytest.raises(NotFoundError, match=f"Wiedervorlage {for_unit.id} gibt"):
        service.mark_done(c, for_unit.id, 1, get_user(c, "bau1"))  # cannot read the case
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.reference, "test", login="bau1")
    with db.write() as c, pytest.raises(PermissionDeniedError, match="für Postkorb BAU"):
        service.mark_done(c, for_unit.id, 1, get_user(c, "bau1"))
    with db.write() as c, pytest.raises(PermissionDeniedError, match="wer sie angelegt hat"):
        service.remove(c, for_unit.id, get_user(c, "bau"))
    with db.write() as c:
        moved = service.postpone(c, for_unit.id, 1, get_user(c, "bau"), day + timedelta(days=2))
    assert moved.due_on == day + timedelta(days=2) and moved.row_version == 2
    assert _due(db, "bau") == []
    with db.write() as c:
        removed = service.remove(c, for_unit.id, get_user(c, "dez"))
    assert removed.note == "Postkorb BAU"
    with db.read() as c:
        assert service.of_case(c, county.bau_case.id) == []
        actions = [e.action for e in audit.events_of(c, "case", county.bau_case.uuid)]
    assert actions[-3:] == ["resubmission.create", "resubmission.postpone", "resubmission.delete"]
    done = _create(db, "bau", day, county=county)
    with db.write() as c:
        service.mark_done(c, done.id, done.row_version, get_user(c, "bau"))
    with db.write() as c, pytest.raises(ConflictError, match="bleibt als Nachweis"):
        service.remove(c, done.id, get_user(c, "bau"))


def test_stale_forms_get_a_clear_conflict(db: Database, county: County) -> None:
    day = today()
    seen = _create(db, "dez", day, county=county, for_unit="BAU")  # both pages show version 1
    with db.write() as c:
        service.postpone(c, seen.id, seen.row_version, get_user(c, "dez"), day + timedelta(1))
    with db.write() as c, pytest.raises(ConflictError, match="jetzt fällig am"):
        service.mark_done(c, seen.id, seen.row_version, get_user(c, "bau"))
    with db.write() as c:
        service.mark_done(c, seen.id, seen.row_version + 1, get_user(c, "bau"))
    with db.write() as c, pytest.raises(ConflictError, match="von bau erledigt"):
        service.postpone(c, seen.id, seen.row_version + 1, get_user(c, "dez"), day)


def test_two_people_marking_one_inbox_resubmission_done_at_once(
    db: Database, county: County
) -> None:
    with db.write() as c:  # a second member of BAU
        organisation.add_user(c, "bau2", "Lea Roth", ["BAU"], "test")
    seen = _create(db, "bau", today(), county=county, note="gemeinsam", for_unit="BAU")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def work(login: str) -> None:
        barrier.wait()
        try:
            with db.write() as c:
                service.mark_done(c, seen.id, seen.row_version, get_user(c, login))
            results[login] = "ok"
        except ConflictError as error:
            results[login] = error.message

    threads = [threading.Thread(target=work, args=(login,)) for login in ("bau", "bau2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values())[-1] == "ok"
    (loser,) = [login for login, result in results.items() if result != "ok"]
    (winner,) = [login for login, result in results.items() if result == "ok"]
    assert results[loser].startswith(f"Diese Wiedervorlage wurde inzwischen von {winner} erledigt")
    with db.read() as c:
        final = service.get_resubmission(c, seen.id)
        actions = [e.action for e in audit.events_of(c, "case", county.bau_case.uuid)]
    assert final.done_by == winner and final.row_version == 2 and final.note == "gemeinsam"
    assert actions.count("resubmission.done") == 1
