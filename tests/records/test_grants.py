"""Reading rights beyond the lead unit: grants to units and people, the "units above" policy;
every read path (lookup, search hits/counts/facets, listings) agrees, writing needs more."""

from typing import Any

import pytest

from eakte import audit
from eakte.db.engine import Database
from eakte.db.search_backends import SqliteSearch
from eakte.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from eakte.ingest.filing import Filer
from eakte.records import grants, listing
from eakte.records.access import SUPERIOR_UNITS_READ, read_scope
from eakte.records.dossiers import get_dossier
from eakte.records.lookup import describe, require_readable_case, require_writable
from eakte.records.organisation import User, get_user
from eakte.search import search
from tests.helpers import County, file_text, make_county


@pytest.fixture
def county(db: Database, rules: Any, filer: Filer) -> County:
    county = make_county(db, rules)
    for number in range(3):
        file_text(db, filer, county.bau_case, f"B{number}.txt", f"Garage am Mühlbach {number}")
    file_text(db, filer, county.ja_case, "Hilfeplan.txt", "Hilfeplan Garage Mühlbach")
    return county


def _user(db: Database, login: str) -> User:
    with db.read() as c:
        return get_user(c, login)


def _sees(db: Database, login: str, county: County) -> dict[str, Any]:
    """What ``login`` notices of the Bauamt's dossier on every read path."""
    user = _user(db, login)
    with db.read() as c:
        try:
            describe(c, county.bau_dossier.reference, user)
            page = True
        except NotFoundError:
            page = False
        result = search(c, user, "Mühlbach", facets=True)
        return {
            "page": page,
            "hits": sum(1 for h in result.hits if h.dossier_reference.startswith("63")),
            "total": result.total,
            "units": dict(result.facets.get("unit", [])),
            "open_cases": [r.reference for r in listing.open_cases(c, user)],
            "plan_counts": sum(listing.dossier_counts(c, user).values()),
        }


def test_a_unit_grant_opens_the_dossier_on_every_path_until_revoked(
    db: Database, county: County
) -> None:
    before = _sees(db, "ja", county)
    assert before["page"] is False and before["hits"] == 0 and "BAU" not in before["units"]
    assert county.bau_case.reference not in before["open_cases"]
    with db.write() as c:
        grant = grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
    during = _sees(db, "ja", county)
    assert during["page"] is True and during["hits"] == 3 and during["units"]["BAU"] == 3
    assert during["total"] == before["total"] + 3
    assert county.bau_case.reference in during["open_cases"]
    assert during["plan_counts"] == before["plan_counts"] + 1
    with db.write() as c:
        grants.revoke_grant(c, county.bau_dossier.reference, grant.id, "bau")
    assert _sees(db, "ja", county) == before


def test_a_personal_grant_opens_it_for_that_person_only(db: Database, county: County) -> None:
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.reference, "bau", login="ja2")
    assert _sees(db, "ja2", county)["page"] is True
    assert _sees(db, "ja", county)["page"] is False  # same unit, no grant


def test_confidentiality_still_narrows_a_grant(db: Database, county: County) -> None:
    with db.write() as c:
        grants.add_grant(c, county.ja_dossier.reference, "ja", unit_code="BAU")
    bau = _user(db, "bau")  # clearance 002, the Jugendamt's dossier is 003
    with db.read() as c, pytest.raises(NotFoundError):
        describe(c, county.ja_dossier.reference, bau)
    with db.read() as c:
        assert search(c, bau, "Hilfeplan").total == 0


def test_a_read_grant_does_not_allow_filing_a_write_grant_does(
    db: Database, county: County
) -> None:
    ja = _user(db, "ja")
    with db.write() as c:
        grant = grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
    with db.read() as c:
        require_readable_case(c, county.bau_case.reference, ja)
        with pytest.raises(PermissionDeniedError, match="lesen, aber nichts ablegen"):
            require_readable_case(c, county.bau_case.reference, ja, write=True)
        with pytest.raises(PermissionDeniedError):
            require_writable(c, county.bau_case.reference, ja)
    with db.write() as c:
        grants.revoke_grant(c, county.bau_dossier.reference, grant.id, "bau")
        grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA", access="write")
    with db.read() as c:
        require_readable_case(c, county.bau_case.reference, ja, write=True)
        assert require_writable(c, county.bau_case.reference, ja)["type"] == "case"


def test_the_units_above_read_only_while_the_policy_is_on(db: Database, county: County) -> None:
    assert _sees(db, "dez", county)["page"] is True  # default: Dezernat reads its offices
    with db.write() as c:
        grants.set_policy(c, SUPERIOR_UNITS_READ, "off", "admin")
    off = _sees(db, "dez", county)
    assert off["page"] is False and off["hits"] == 0 and off["plan_counts"] == 0
    assert _sees(db, "bau", county)["hits"] == 3  # the lead unit itself still reads
    assert _sees(db, "bau1", county)["page"] is False  # a sub-unit never reads upwards
    with db.read() as c:
        events = [e.action for e in audit.events_of(c, "policy", SUPERIOR_UNITS_READ)]
    assert events == ["policy.set"]


def test_only_the_lead_unit_or_registry_manage_grants(db: Database, county: County) -> None:
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
        dossier = get_dossier(c, county.bau_dossier.reference)
        grants.ensure_may_manage(c, dossier, get_user(c, "bau"))
        with pytest.raises(PermissionDeniedError):
            grants.ensure_may_manage(c, dossier, get_user(c, "ja"))  # a grantee re-grants not
        with pytest.raises(NotFoundError):
            grants.ensure_may_manage(
                c, get_dossier(c, county.ja_dossier.reference), get_user(c, "bau")
            )


def test_grant_input_errors_are_clear_and_change_nothing(db: Database, county: County) -> None:
    ref = county.bau_dossier.reference
    with db.write() as c:
        grants.add_grant(c, ref, "bau", unit_code="JA")
    cases = [
        (dict(unit_code="JA"), ConflictError, "schon eine Freigabe"),
        (dict(unit_code="BAU"), ValidationError, "führt die Akte selbst"),
        (dict(unit_code="JA", login="ja"), ValidationError, "genau eine"),
        (dict(), ValidationError, "genau eine"),
        (dict(unit_code="XX"), NotFoundError, "XX"),
        (dict(login="nobody"), NotFoundError, "nobody"),
        (dict(login="ja", access="admin"), ValidationError, "read"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message), db.write() as c:
            grants.add_grant(c, ref, "bau", **kwargs)
    with db.read() as c:
        assert [g.grantee for g in grants.list_grants(c, county.bau_dossier.id)] == ["Einheit JA"]
        actions = [e.action for e in audit.events_of(c, "dossier", county.bau_dossier.uuid)]
    assert actions.count("dossier.grant") == 1


def test_the_count_beyond_the_ranking_cap_honours_grants(
    db: Database, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More readable hits than the ranking cap: the exact total is counted separately, and
    # the granted dossier must be in it (SQLite; PostgreSQL ranks every match anyway).
    monkeypatch.setattr(SqliteSearch, "RANK_CAP", 2)
    with db.write() as c:
        grants.add_grant(c, county.bau_dossier.reference, "bau", login="ja2")
    ja2 = _user(db, "ja2")
    with db.read() as c:
        assert search(c, ja2, "Garage").total == 3  # the Jugendamt's own file is 003
    bau = _user(db, "bau")
    with db.read() as c:
        assert search(c, bau, "Garage").total == 3


def test_a_grant_counts_at_once_inside_the_transaction_that_makes_it(
    db: Database, county: County
) -> None:
    """The read scope is remembered for a read-only transaction only: a write transaction that
    grants and then reads (a script filing right after granting) sees its own grant."""
    user = _user(db, "ja")
    with db.write() as c:
        assert county.bau_dossier.id not in read_scope(c, user).dossiers
        grants.add_grant(c, county.bau_dossier.reference, "bau", unit_code="JA")
        describe(c, county.bau_dossier.reference, user)  # no NotFoundError
    with db.read() as c:
        first = read_scope(c, user)
        assert first is read_scope(c, user)  # one page asks once
        assert county.bau_dossier.id in first.dossiers
