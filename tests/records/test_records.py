"""Units, users, file plan, dossiers and cases on both backends."""

from typing import Any

import pytest
from sqlalchemy import select, text

from eakte.core.fileplan import parse_plan_csv
from eakte.core.references import dossier_rule
from eakte.db.engine import Database
from eakte.db.schema import plan_items
from eakte.errors import ClosedError, ConflictError, NotFoundError, ValidationError
from eakte.ingest.filing import Filer
from eakte.records import dossiers, fileplan, organisation
from eakte.records.lookup import describe
from tests.helpers import file_text, make_county


def test_references_count_per_plan_item_and_are_never_reused(db: Database, rules: Any) -> None:
    county = make_county(db, rules)
    assert county.bau_dossier.reference.startswith("63.1.2-0001/")
    assert county.bau_case.reference == county.bau_dossier.reference + "-001"
    with db.write() as c:
        second = dossiers.create_dossier(c, rules[0], "63.1.2", "Zweite Akte", None, "t")
        other_plan = dossiers.create_dossier(c, rules[0], "51.2.1", "Andere", None, "t")
        case2 = dossiers.create_case(c, rules[1], county.bau_dossier.reference, "Zwei", "t")
    assert second.reference.startswith("63.1.2-0002/")
    assert other_plan.reference.startswith("51.2.1-0002/")
    assert case2.reference.endswith("-002")


def test_a_failed_transaction_does_not_reuse_or_burn_visible_numbers(
    db: Database, rules: Any
) -> None:
    make_county(db, rules)
    with pytest.raises(RuntimeError), db.write() as c:
        dossiers.create_dossier(c, rules[0], "63.1.2", "Wird verworfen", None, "t")
        raise RuntimeError("abort")
    with db.write() as c:
        after = dossiers.create_dossier(c, rules[0], "63.1.2", "Danach", None, "t")
    assert after.reference.startswith("63.1.2-0002/")


def test_taken_reference_is_skipped(db: Database, rules: Any) -> None:
    make_county(db, rules)
    flat = dossier_rule("{plan}-{seq}")
    with db.write() as c:
        first = dossiers.create_dossier(c, flat, "63.1.2", "A", None, "t")
        # A yearly rule in another scope that happens to produce the same text is skipped.
        c.execute(text("UPDATE reference_counters SET last_value = 0"))
        second = dossiers.create_dossier(c, flat, "63.1.2", "B", None, "t")
    assert first.reference == "63.1.2-1"
    assert second.reference == "63.1.2-2"


def test_dossiers_only_on_leaf_items(db: Database, rules: Any) -> None:
    make_county(db, rules)
    with pytest.raises(ValidationError) as info, db.write() as c:
        dossiers.create_dossier(c, rules[0], "63.1", "Falsch", None, "t")
    assert "untersten Ebene" in info.value.message


def test_plan_item_with_dossiers_cannot_get_children(db: Database, rules: Any) -> None:
    make_county(db, rules)
    rows = parse_plan_csv(
        "code,title,retention_years,disposition,lead_unit\n63.1.2.1,Unterposition,10,V,BAU\n"
    )
    with pytest.raises(ValidationError) as info, db.write() as c:
        fileplan.import_plan(c, rows, "t")
    assert "enthält schon Akten" in info.value.message
    with db.read() as c:
        codes = c.execute(select(plan_items.c.code)).scalars().all()
    assert "63.1.2.1" not in codes


def test_plan_reimport_updates_and_counts(db: Database, rules: Any) -> None:
    make_county(db, rules)
    rows = parse_plan_csv(
        "code,title,retention_years,disposition,lead_unit\n"
        "63,Bauordnung,,,BAU\n63.1,Baugenehmigungen,,,BAU\n"
        "63.1.2,Baugenehmigungsverfahren,50,A,BAU\n63.1.3,Abbruch,10,V,BAU\n"
    )
    with db.write() as c:
        summary = fileplan.import_plan(c, rows, "t")
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 2)
    with db.read() as c:
        item = fileplan.get_plan_item(c, "63.1.2")
        listing = {e.item.code: e.dossier_count for e in fileplan.list_plan(c)}
    assert (item.retention_years, item.disposition) == (50, "A")
    assert listing["63.1.2"] == 1


def test_plan_import_with_missing_parent_or_unit_changes_nothing(db: Database, rules: Any) -> None:
    make_county(db, rules)
    header = "code,title,retention_years,disposition,lead_unit\n"
    for body, part in [
        ("99.1,Ohne Eltern,1,V,\n", "übergeordnete"),
        ("99,Neu,1,V,NIEMAND\n", "Federführung"),
    ]:
        with pytest.raises(ValidationError) as info, db.write() as c:
            fileplan.import_plan(c, parse_plan_csv(header + body), "t")
        assert part in info.value.message
    with db.read() as c:
        assert not [e for e in fileplan.list_plan(c) if e.item.code.startswith("99")]


def test_closing_makes_content_read_only(db: Database, rules: Any, filer: Filer) -> None:
    county = make_county(db, rules)
    file_text(db, filer, county.bau_case, "a.txt", "Inhalt")
    with db.write() as c:
        with pytest.raises(ValidationError) as open_cases:
            dossiers.close_dossier(c, county.bau_dossier.reference, "t")
        assert county.bau_case.reference in open_cases.value.message
    with db.write() as c:
        closed = dossiers.close_case(c, county.bau_case.reference, "t")
    assert closed.closed_at is not None
    with pytest.raises(ClosedError) as info:
        file_text(db, filer, closed, "b.txt", "Noch ein Inhalt")
    assert "z.d.A." in info.value.message
    with db.write() as c:
        dossiers.close_dossier(c, county.bau_dossier.reference, "t")
    with pytest.raises(ClosedError), db.write() as c:
        dossiers.create_case(c, rules[1], county.bau_dossier.reference, "Neu", "t")
    with pytest.raises(ClosedError), db.write() as c:
        dossiers.close_case(c, county.bau_case.reference, "t")


def test_units_and_users(db: Database, rules: Any) -> None:
    make_county(db, rules)
    with pytest.raises(ConflictError), db.write() as c:
        organisation.add_unit(c, "BAU", "Doppelt", None, "t")
    with pytest.raises(NotFoundError), db.write() as c:
        organisation.add_unit(c, "NEU", "Neu", "FEHLT", "t")
    with pytest.raises(ConflictError), db.write() as c:
        organisation.add_user(c, "bau", "Doppelt", ["BAU"], "t")
    with pytest.raises(NotFoundError), db.write() as c:
        organisation.add_user(c, "neu", "Neu", ["FEHLT"], "t")
    with pytest.raises(ValidationError), db.write() as c:
        organisation.add_user(c, "mit leer", "Neu", ["BAU"], "t")
    with db.read() as c:
        assert [u[0] for u in organisation.list_users(c)] == ["bau", "bau1", "dez", "ja", "ja2"]


def test_describe_hides_records_of_other_units(db: Database, rules: Any, filer: Filer) -> None:
    county = make_county(db, rules)
    filed = file_text(db, filer, county.ja_case, "geheim.txt", "Hilfeplan")
    with db.read() as c:
        ja = organisation.get_user(c, "ja")
        bau = organisation.get_user(c, "bau")
        assert describe(c, county.ja_dossier.reference, ja)["subject"] == "Hilfe zur Erziehung"
        assert describe(c, filed.uuid, ja)["title"] == "geheim"
        for ref in (county.ja_dossier.reference, county.ja_case.reference, filed.uuid):
            with pytest.raises(NotFoundError) as info:
                describe(c, ref, bau)
            assert "gibt es nicht" in info.value.message
        with pytest.raises(NotFoundError):
            describe(c, "gibt-es-nicht", ja)
