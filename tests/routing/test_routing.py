"""Routing slips on both backends: co-signing, signing, parallel steps, returns, deputies (i.V.),
reading rights for the duration of a step, and two people acting at once."""

import threading
from datetime import timedelta
from typing import Any

import pytest

from eakte import audit
from eakte.core.routing import positions
from eakte.db.engine import Database
from eakte.errors import (
    ClosedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from eakte.ingest.filing import Filer
from eakte.records import dossiers
from eakte.records.common import today
from eakte.records.lookup import describe
from eakte.records.organisation import User, get_user
from eakte.routing import deputies
from eakte.routing.service import StepSpec, act, cancel, get_slip, returned_to, start_slip, work_for
from tests.helpers import County, file_text, make_county


@pytest.fixture
def county(db: Database, rules: Any) -> County:
    return make_county(db, rules)


def _user(db: Database, login: str) -> User:
    with db.read() as c:
        return get_user(c, login)


def _reads_case(db: Database, login: str, county: County) -> bool:
    with db.read() as c:
        try:
            describe(c, county.bau_case.reference, _user(db, login))
            return True
        except NotFoundError:
            return False


def _start(db: Database, county: County, specs: list[StepSpec], close: bool = False) -> Any:
    with db.write() as c:
        return start_slip(
            c, county.bau_case.reference, "Bescheidentwurf", specs, get_user(c, "bau"), close
        )


def _act(db: Database, login: str, step: Any, outcome: str, remarks: str = "", **kw: Any) -> Any:
    with db.write() as c:
        return act(c, step.id, step.row_version, get_user(c, login), outcome, remarks, **kw)


def test_cosign_then_sign_closes_the_case(db: Database, county: County, filer: Filer) -> None:
    assert not _reads_case(db, "ja", county)
    slip = _start(
        db, county, [StepSpec("cosign", user="ja"), StepSpec("sign", user="dez")], close=True
    )
    assert [s.state for s in slip.steps] == ["open", "waiting"]
    # The co-signer reads the case for the duration of the step, but not the whole dossier.
    assert _reads_case(db, "ja", county)
    with db.read() as c, pytest.raises(NotFoundError):
        describe(c, county.bau_dossier.reference, get_user(c, "ja"))
    with db.read() as c:
        assert [w.step.kind for w in work_for(c, get_user(c, "ja"))] == ["cosign"]
        assert work_for(c, get_user(c, "dez")) == []
    slip = _act(db, "ja", slip.steps[0], "approved")
    assert [s.state for s in slip.steps] == ["done", "open"]
    assert not _reads_case(db, "ja", county)  # the step is over
    slip = _act(db, "dez", slip.steps[1], "signed")
    assert slip.state == "completed" and slip.steps[1].outcome_label == "gezeichnet"
    with db.read() as c:
        assert dossiers.get_case(c, county.bau_case.reference).closed_at is not None
        actions = [e.action for e in audit.events_of(c, "case", county.bau_case.uuid)]
    assert actions[-5:] == [
        "routing.start",
        "routing.act",
        "routing.act",
        "routing.complete",
        "case.close",
    ]
    with pytest.raises(ClosedError):
        file_text(db, filer, county.bau_case, "Nachtrag.txt", "zu spät")


def test_parallel_steps_open_together_and_the_next_waits_for_both(
    db: Database, county: County
) -> None:
    assert positions([False, True, False]) == [1, 1, 2]
    slip = _start(
        db,
        county,
        [
            StepSpec("cosign", user="ja"),
            StepSpec("acknowledge", unit="BAU-1", parallel=True),
            StepSpec("sign", user="dez"),
        ],
    )
    assert [s.state for s in slip.steps] == ["open", "open", "waiting"]
    assert slip.steps[1].assignee == "Postkorb BAU-1"
    slip = _act(db, "bau1", slip.steps[1], "acknowledged")  # any member of the inbox's unit
    assert [s.state for s in slip.steps] == ["open", "done", "waiting"]
    slip = _act(db, "ja", slip.steps[0], "approved_with_remarks", "Frist ergänzen")
    assert [s.state for s in slip.steps] == ["done", "done", "open"]
    assert slip.steps[0].remarks == "Frist ergänzen" and slip.steps[1].acted_by == "bau1"


def test_rejecting_returns_the_slip_to_its_sender(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("cosign", user="ja"), StepSpec("sign", user="dez")])
    with pytest.raises(ValidationError, match="Anmerkung"):
        _act(db, "ja", slip.steps[0], "rejected")
    with pytest.raises(ValidationError, match="nur so erledigt"):
        _act(db, "ja", slip.steps[0], "signed")
    slip = _act(db, "ja", slip.steps[0], "rejected", "Rechtsgrundlage fehlt")
    assert slip.state == "returned" and [s.state for s in slip.steps] == ["returned", "skipped"]
    with db.read() as c:
        back = returned_to(c, get_user(c, "bau"))
        assert [s.uuid for s in back] == [slip.uuid]
        assert back[0].steps[0].remarks == "Rechtsgrundlage fehlt"
        assert work_for(c, get_user(c, "dez")) == []
        assert dossiers.get_case(c, county.bau_case.reference).closed_at is None


def test_a_deputy_works_the_absent_persons_steps_as_iv(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("sign", user="dez")])
    day = today()
    with db.write() as c:
        deputies.set_deputies(c, "dez", ["ja2"], "dez")
        deputies.add_absence(c, "dez", day, day + timedelta(days=5), "Urlaub", "dez")
    with db.read() as c:
        ja2 = get_user(c, "ja2")
        items = work_for(c, ja2)
        assert [(w.step.id, w.acting_for) for w in items] == [(slip.steps[0].id, "dez")]
        assert work_for(c, ja2, on=day + timedelta(days=6)) == []  # back from leave
    assert _reads_case(db, "ja2", county)  # the deputy reads the case during the absence
    slip = _act(db, "ja2", slip.steps[0], "signed")
    step = slip.steps[0]
    assert (step.acted_by, step.acted_for) == ("ja2", "dez")
    with db.read() as c:
        event = audit.events_of(c, "case", county.bau_case.uuid)[-2]
        assert event.action == "routing.act" and event.details["acted_for"] == "dez"
        assert audit.verify(c).ok


def test_not_addressed_people_cannot_act(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("cosign", user="ja")])
    with pytest.raises(NotFoundError):  # bau1 may not even read the case
        _act(db, "bau1", slip.steps[0], "approved")
    with pytest.raises(PermissionDeniedError, match="an ja gerichtet"):
        _act(db, "dez", slip.steps[0], "approved")  # reads it, but is not addressed
    with pytest.raises(ValidationError, match="genau eine Person"):
        _start(db, county, [StepSpec("cosign", user="ja", unit="JA")])
    with pytest.raises(NotFoundError):
        _start(db, county, [StepSpec("cosign", user="niemand")])
    with db.write() as c, pytest.raises(NotFoundError):
        start_slip(
            c, county.bau_case.reference, "x", [StepSpec("sign", user="dez")], get_user(c, "ja")
        )


def test_two_people_on_one_inbox_step_one_wins(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("cosign", unit="JA")])
    seen = slip.steps[0]  # both have the page open at row_version 1
    _act(db, "ja", seen, "approved")
    with pytest.raises(ConflictError, match="von ja erledigt"):
        _act(db, "ja2", seen, "approved_with_remarks", "Bitte ändern")
    with db.read() as c:
        final = get_slip(c, slip.uuid)
    assert final.steps[0].acted_by == "ja" and final.steps[0].remarks == ""


def test_truly_concurrent_actions_one_wins(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("cosign", unit="JA")])
    step = slip.steps[0]
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def work(login: str) -> None:
        barrier.wait()
        try:
            _act(db, login, step, "approved")
            results[login] = "ok"
        except ConflictError:
            results[login] = "conflict"

    threads = [threading.Thread(target=work, args=(login,)) for login in ("ja", "ja2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["conflict", "ok"]
    with db.read() as c:
        acts = [e for e in audit.events_of(c, "case", county.bau_case.uuid)]
    assert [e.action for e in acts].count("routing.act") == 1


def test_the_sender_withdraws_a_slip(db: Database, county: County) -> None:
    slip = _start(db, county, [StepSpec("cosign", user="ja")])
    with db.write() as c, pytest.raises(PermissionDeniedError):
        cancel(c, slip.uuid, slip.row_version, get_user(c, "dez"))
    with db.write() as c:
        cancelled = cancel(c, slip.uuid, slip.row_version, get_user(c, "bau"))
    assert cancelled.state == "cancelled" and cancelled.steps[0].state == "skipped"
    assert not _reads_case(db, "ja", county)
    with pytest.raises(ConflictError, match="zurückgezogen"):
        _act(db, "ja", slip.steps[0], "approved")


def test_absence_and_deputy_input_is_checked(db: Database, county: County) -> None:
    day = today()
    with db.write() as c, pytest.raises(ValidationError, match="vor ihrem Beginn"):
        deputies.add_absence(c, "dez", day, day - timedelta(days=1), "", "dez")
    with db.write() as c, pytest.raises(ValidationError, match="sich selbst"):
        deputies.set_deputies(c, "dez", ["dez"], "dez")
    with db.write() as c:
        deputies.set_deputies(c, "dez", ["ja2", "bau"], "dez")
    with db.read() as c:
        assert deputies.deputies_of(c, "dez") == ["bau", "ja2"]
    with pytest.raises(PermissionDeniedError):
        deputies.ensure_may_manage(_user(db, "ja"), "dez")
