"""Retention and disposal on both backends: due list, overrides, holds, runs, destruction with
its record, erasing bytes (but not bytes another dossier still needs), and two clerks at once."""

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from eakte import audit
from eakte.blobs.store import FolderBlobStore
from eakte.core.fileplan import parse_plan_csv
from eakte.db.engine import Database
from eakte.db.schema import document_texts, documents, plan_items, renditions
from eakte.errors import ConflictError, NotFoundError, ValidationError
from eakte.ingest.filing import Filer
from eakte.integrity.check import check
from eakte.records import dossiers, fileplan
from eakte.records.lookup import describe
from eakte.records.organisation import get_user
from eakte.retention import holds, overrides, runs
from eakte.retention.destruction import erase_contents
from eakte.retention.offer import build_offer, render_offer
from eakte.retention.status import PlanRules, list_due, plan_chain, retention_of, views
from eakte.search import search
from tests.helpers import County, file_text, make_county

EXTRA_PLAN = """code,title,retention_years,disposition,lead_unit
32,Ordnung,,V,BAU
32.1,Gewerbeanzeigen,10,,BAU
99,Sonstiges,,,BAU
99.1,Ohne Regel,,,BAU
"""
LONG_AGO = datetime(1990, 6, 1, 10, tzinfo=UTC)  # 30 years: due since 01.01.2021
SHARED = "Gemeinsame Anlage: Lageplan des Grundstücks"
UNIQUE = "Die Baugenehmigung für die Garage am Mühlbach wird erteilt."


@dataclass
class Scene:
    county: County
    bau: dossiers.Dossier  # 63.1.2 (30 years, B), closed 1990: due
    other: dossiers.Dossier  # 63.1.2, open, holds the same bytes as one document of ``bau``
    unique: str  # sha256 of a document only ``bau`` has
    shared: str  # sha256 of the bytes ``other`` has too


def _close(db: Database, dossier: dossiers.Dossier, when: datetime) -> None:
    with db.write() as c:
        for case in dossiers.cases_of(c, dossier.id):
            dossiers.close_case(c, case.reference, "test", closed_at=when)
        dossiers.close_dossier(c, dossier.reference, "test", closed_at=when)


def _dossier(db: Database, rules: Any, plan: str, subject: str) -> dossiers.Dossier:
    with db.write() as c:
        made = dossiers.create_dossier(c, rules[0], plan, subject, None, "test")
        dossiers.create_case(c, rules[1], made.reference, "Vorgang", "test")
    return made


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def scene(db: Database, rules: Any, filer: Filer) -> Scene:
    county = make_county(db, rules)
    with db.write() as c:
        fileplan.import_plan(c, parse_plan_csv(EXTRA_PLAN), "test")
    file_text(db, filer, county.bau_case, "Bescheid.txt", UNIQUE)
    file_text(db, filer, county.bau_case, "Lageplan.txt", SHARED)
    other = _dossier(db, rules, "63.1.2", "Anbau Lindenstraße 14")
    with db.read() as c:
        other_case = dossiers.cases_of(c, other.id)[0]
    file_text(db, filer, other_case, "Lageplan.txt", SHARED)
    _close(db, county.bau_dossier, LONG_AGO)
    return Scene(county, county.bau_dossier, other, _sha(UNIQUE), _sha(SHARED))


def _due(db: Database, **kw: Any) -> list[str]:
    with db.read() as c:
        return [v.reference for v in list_due(c, **kw).due]


def _offered_run(db: Database, *refs: str) -> runs.Run:
    with db.write() as c:
        run = runs.create_run(c, list(refs), "registratur", "Aussonderung 2026")
    with db.write() as c:
        return runs.offer_run(c, run.id, "registratur", run.row_version)


def _appraise(db: Database, run: runs.Run, ref: str, value: str) -> runs.Run:
    with db.write() as c:
        return runs.record_appraisals(c, run.id, {ref: value}, "registratur", run.row_version)


def _complete(db: Database, run: runs.Run, **kw: Any) -> runs.Completion:
    with db.write() as c:
        return runs.complete_run(c, run.id, "registratur", run.row_version, **kw)


def test_due_list_rules_and_filters(db: Database, rules: Any, scene: Scene) -> None:
    bau = scene.bau.reference
    assert _due(db) == [bau]  # the open dossiers (Bau "other", Jugendamt) never are
    assert _due(db, as_of=date(2020, 12, 31)) == []  # 30 years end on 31.12.2020
    assert _due(db, as_of=date(2021, 1, 1)) == [bau]
    assert _due(db, plan_code="63") == [bau] and _due(db, plan_code="51") == []
    assert _due(db, disposition="B") == [bau] and _due(db, disposition="V") == []
    # A dossier closed at 00:30 on New Year's morning (county time) was closed in the new year.
    gewerbe = _dossier(db, rules, "32.1", "Gewerbeanzeige Imbiss")
    _close(db, gewerbe, datetime(2014, 12, 31, 23, 30, tzinfo=UTC))
    assert gewerbe.reference not in _due(db, as_of=date(2025, 6, 1))
    assert gewerbe.reference in _due(db, as_of=date(2026, 1, 1))
    with db.read() as c:
        view = retention_of(c, gewerbe.reference)
    # 10 years from 32.1, the disposition V inherited from 32.
    assert (
        view.rule is not None
        and view.rule.source_de == "Aktenplan 32.1 (Frist), 32 (Aussonderungsart)"
    )
    assert view.assessment.retention_ends == date(2025, 12, 31)
    # A closed dossier without any rule is reported, never silently kept or disposed of.
    lost = _dossier(db, rules, "99.1", "Irgendwas ohne Regel")
    _close(db, lost, LONG_AGO)
    with db.read() as c:
        report = list_due(c)
    assert [v.reference for v in report.without_rule] == [lost.reference]
    assert lost.reference not in [v.reference for v in report.due]
    assert report.without_rule[0].assessment.status_de == "ohne Aufbewahrungsregel"
    with pytest.raises(ConflictError, match="ohne Aufbewahrungsregel"), db.write() as c:
        runs.create_run(c, [lost.reference], "registratur")


def test_override_needs_a_reason_and_moves_the_due_date(db: Database, scene: Scene) -> None:
    ref = scene.bau.reference
    with pytest.raises(ValidationError, match="braucht eine Begründung"), db.write() as c:
        overrides.set_override(c, ref, 50, "A", "  ", "registratur")
    with pytest.raises(ValidationError, match="zwischen 0 und 200"), db.write() as c:
        overrides.set_override(c, ref, 500, "A", "Denkmal", "registratur")
    with db.write() as c:
        view = overrides.set_override(c, ref, 50, "A", "Baudenkmal, dauernder Wert", "registratur")
    assert view.rule is not None and view.rule.from_override and view.rule.years == 50
    assert view.assessment.retention_ends == date(2040, 12, 31) and _due(db) == []
    with pytest.raises(ValidationError, match="braucht eine Begründung"), db.write() as c:
        overrides.clear_override(c, ref, "", "registratur")
    with db.write() as c:
        overrides.clear_override(c, ref, "Irrtum, Denkmalschutz betrifft das Nachbarhaus", "r")
    assert _due(db) == [ref]
    with db.read() as c:
        events = [
            e for e in audit.events_of(c, "dossier", scene.bau.uuid) if "override" in e.action
        ]
    assert [e.action for e in events] == ["retention.override", "retention.override_clear"]
    assert events[0].details["reason"] == "Baudenkmal, dauernder Wert"
    assert events[1].details["previous"] == {"years": 50, "disposition": "A"}


def test_a_hold_stops_the_clock_and_blocks_destruction(db: Database, scene: Scene) -> None:
    ref = scene.bau.reference
    with pytest.raises(ValidationError, match="Begründung"), db.write() as c:
        holds.place_hold(c, ref, "", "registratur")
    with db.write() as c:
        first = holds.place_hold(c, ref, "Klage VG Musterstadt 3 K 12/26", "registratur")
    assert _due(db) == []
    with pytest.raises(ConflictError, match="Aufbewahrungssperre"), db.write() as c:
        runs.create_run(c, [ref], "registratur")
    with db.write() as c:
        holds.lift_hold(c, ref, "Verfahren rechtskräftig beendet", "registratur")
    assert _due(db) == [ref]  # the retention ended during the hold: due at once
    # A hold placed while the run waits for the archive stops its completion.
    run = _appraise(db, _offered_run(db, ref), ref, "destroy")
    with db.write() as c:
        placed = holds.place_hold(c, ref, "Auskunftsersuchen nach Art. 15 DSGVO", "registratur")
        second = holds.place_hold(c, ref, "Prüfung durch das Rechnungsprüfungsamt", "r")
    assert placed.run == run.id and first.run is None
    with pytest.raises(ConflictError, match="Aufbewahrungssperre"):
        _complete(db, run)
    with db.read() as c:
        assert c.execute(select(func.count()).select_from(document_texts)).scalar_one() == 3
        assert runs.get_run(c, run.id).state == "offered"  # nothing happened
    with pytest.raises(ValidationError, match="2 aktive Sperren"), db.write() as c:
        holds.lift_hold(c, ref, "erledigt", "registratur")
    with db.write() as c:
        holds.lift_hold(c, ref, "Auskunft erteilt", "registratur", placed.hold.id)
        holds.lift_hold(c, ref, "Prüfung beendet", "registratur", second.hold.id)
    done = _complete(db, _fresh(db, run))
    assert done.destroyed == [ref]
    with pytest.raises(ConflictError, match="vernichtet"), db.write() as c:
        holds.place_hold(c, ref, "zu spät", "registratur")


def _fresh(db: Database, run: runs.Run) -> runs.Run:
    with db.read() as c:
        return runs.get_run(c, run.id)


def _events(c: Any, scene: Scene) -> list[audit.AuditEvent]:
    return audit.events_of(c, "dossier", scene.bau.uuid)


def _texts(db: Database) -> int:
    with db.read() as c:
        return int(c.execute(select(func.count()).select_from(document_texts)).scalar_one())


def test_destroying_erases_text_index_and_bytes_and_keeps_a_record(
    db: Database, scene: Scene, blobs: FolderBlobStore
) -> None:
    ref = scene.bau.reference
    with db.read() as c:
        bau = get_user(c, "bau")
        assert search(c, bau, "Garage Mühlbach").total == 1
        assert search(c, bau, "Lageplan").total == 2
        doc_ids = [d["id"] for d in describe(c, scene.county.bau_case.uuid)["documents"]]
    run = _offered_run(db, ref)
    # Disposition B: the archive decides; without its appraisal nothing happens.
    with pytest.raises(ConflictError, match="Bewertung des Archivs fehlt"):
        _complete(db, run)
    run = _appraise(db, _fresh(db, run), ref, "destroy")
    done = _complete(db, run)
    assert done.destroyed == [ref] and done.handed_over == [] and done.run.state == "completed"
    assert done.hashes == {scene.unique, scene.shared}
    assert _texts(db) == 1  # only the other dossier's text is left
    with db.read() as c:
        assert search(c, bau, "Garage Mühlbach").total == 0
        assert search(c, bau, "Lageplan").total == 1  # the other dossier's copy
        states = {describe(c, i)["state"] for i in doc_ids}
        record = describe(c, doc_ids[0])
        view = retention_of(c, ref)
    assert states == {"destroyed"} and record["state_label"] == "vernichtet"
    assert record["destroyed_at"] and view.assessment.status_de == "vernichtet"
    # The bytes go after the commit; the other dossier's copy of the same bytes stays.
    assert blobs.exists(scene.unique) and blobs.exists(scene.shared)
    erased = erase_contents(db, blobs, done.hashes)
    assert erased.removed == [scene.unique] and erased.in_use == [scene.shared]
    assert not blobs.exists(scene.unique) and blobs.exists(scene.shared)
    # The destruction record: what, reference, subject, hashes, who approved, when.
    with db.read() as c:
        event = next(
            e
            for e in audit.events_of(c, "dossier", scene.bau.uuid)
            if e.action == "dossier.destroy"
        )
        report = check(c, blobs)
        chain = audit.verify(c)
    proof = event.details
    assert proof["reference"] == ref and proof["subject"] == "Neubau Lindenstraße 12"
    assert proof["plan_item"] == "63.1.2" and proof["disposition"] == "B"
    assert proof["appraisal"] == "destroy" and proof["appraised_by"] == "registratur"
    assert proof["approved_by"] == "registratur" and event.actor == "registratur"
    assert proof["documents"] == 2 and proof["run"] == run.id
    assert {(v["sha256"], v["size"]) for v in proof["versions"]} == {
        (
            scene.unique,
            len(b"Die Baugenehmigung f\xc3\xbcr die Garage am M\xc3\xbchlbach wird erteilt."),
        ),
        (scene.shared, len(SHARED.encode())),
    }
    assert report.ok and report.orphans == [], report.damaged
    assert chain.ok
    # Nothing about retention changes afterwards.
    with pytest.raises(ConflictError, match="vernichtet"), db.write() as c:
        overrides.set_override(c, ref, 5, "V", "zu spät", "registratur")


def test_handing_over_keeps_the_content(db: Database, scene: Scene, blobs: FolderBlobStore) -> None:
    ref = scene.bau.reference
    run = _appraise(db, _offered_run(db, ref), ref, "archive")
    done = _complete(db, run)
    assert done.handed_over == [ref] and done.hashes == set()
    with db.read() as c:
        assert retention_of(c, ref).assessment.status_de == "an das Archiv übergeben"
        assert search(c, get_user(c, "bau"), "Garage Mühlbach").total == 1
        event = next(
            e
            for e in audit.events_of(c, "dossier", scene.bau.uuid)
            if e.action == "dossier.hand_over"
        )
    assert blobs.exists(scene.unique) and _texts(db) == 3
    assert len(event.details["versions"]) == 2 and event.details["appraisal"] == "archive"


def test_run_rules(db: Database, rules: Any, scene: Scene) -> None:
    ref = scene.bau.reference
    with pytest.raises(ConflictError, match=r"Nicht aussonderungsreif: .*offen"), db.write() as c:
        runs.create_run(c, [ref, scene.other.reference], "registratur")
    with pytest.raises(NotFoundError), db.write() as c:
        runs.create_run(c, ["63.1.2-9999/1990"], "registratur")
    with pytest.raises(ValidationError, match="mindestens eine"), db.write() as c:
        runs.create_run(c, [" "], "registratur")
    with db.write() as c:
        run = runs.create_run(c, [ref, ref], "registratur")
    assert [i.view.reference for i in run.items] == [ref]
    with pytest.raises(ConflictError, match="schon im Aussonderungslauf"), db.write() as c:
        runs.create_run(c, [ref], "registratur")
    with pytest.raises(ValidationError, match="noch nicht angeboten"), db.write() as c:
        runs.record_appraisals(c, run.id, {ref: "destroy"}, "registratur", run.row_version)
    offered = _offered_run_of(db, run)
    with pytest.raises(ConflictError, match="inzwischen"), db.write() as c:
        runs.record_appraisals(c, run.id, {ref: "destroy"}, "registratur", run.row_version)
    with db.write() as c:
        overrides.set_override(c, ref, 30, "A", "Archiv hat Grundsatzbewertung A", "registratur")
    with pytest.raises(ValidationError, match="nicht vernichtet"), db.write() as c:
        runs.record_appraisals(c, run.id, {ref: "destroy"}, "registratur", offered.row_version)
    with db.write() as c:
        cancelled = runs.cancel_run(c, run.id, "registratur", offered.row_version)
    assert cancelled.state == "cancelled" and _due(db) == [ref]
    with db.write() as c:  # free again for a new run
        again = runs.create_run(c, [ref], "registratur")
        runs.remove_from_run(c, again.id, ref, "registratur")
    with db.read() as c:
        assert runs.get_run(c, again.id).items == []
        assert [r.id for r in runs.list_runs(c)] == [again.id, run.id]


def _offered_run_of(db: Database, run: runs.Run) -> runs.Run:
    with db.write() as c:
        return runs.offer_run(c, run.id, "registratur", run.row_version)


def test_offer_list_as_csv_and_json(db: Database, scene: Scene) -> None:
    run = _offered_run(db, scene.bau.reference)
    with db.read() as c:
        offer = build_offer(c, run.id)
    body, media, name = render_offer(offer, "csv")
    lines = body.decode("utf-8-sig").splitlines()
    assert media.startswith("text/csv") and name == f"Anbieteverzeichnis-Lauf-{run.id}.csv"
    assert lines[0].startswith("Aktenzeichen;Betreff;Aktenplan")
    assert lines[1].startswith(f"{scene.bau.reference};Neubau Lindenstraße 12;63.1.2;")
    assert ";01.06.1990;30;B – bewerten" in lines[1]
    data = json.loads(render_offer(offer, "json")[0])
    assert data["process_id"] == run.uuid and data["dossiers"][0]["id"] == scene.bau.uuid
    assert data["dossiers"][0]["documents"] == 2
    with pytest.raises(ValidationError, match="gibt es für das Anbieteverzeichnis nicht"):
        render_offer(offer, "xdomea")


def test_two_clerks_complete_the_same_run_one_wins(db: Database, scene: Scene) -> None:
    ref = scene.bau.reference
    run = _appraise(db, _offered_run(db, ref), ref, "destroy")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def work(clerk: str) -> None:
        barrier.wait()
        try:
            with db.write() as c:
                runs.complete_run(c, run.id, clerk, run.row_version)
            results[clerk] = "ok"
        except ConflictError as exc:
            results[clerk] = exc.message

    threads = [threading.Thread(target=work, args=(who,)) for who in ("hoffmann", "vogel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted(results.values())
    assert outcomes[0].startswith("Aussonderungslauf") and outcomes[1] == "ok", outcomes
    assert "abgeschlossen" in outcomes[0] or "inzwischen" in outcomes[0]
    with db.read() as c:
        events = audit.events_of(c, "dossier", scene.bau.uuid)
        assert [e.action for e in events].count("dossier.destroy") == 1
        assert audit.verify(c).ok


def test_a_crash_before_erasing_leaves_orphans_that_check_collects(
    db: Database, scene: Scene, blobs: FolderBlobStore
) -> None:
    ref = scene.bau.reference
    run = _appraise(db, _offered_run(db, ref), ref, "destroy")
    _complete(db, run)  # committed; the process "dies" before erase_contents
    with db.read() as c:
        report = check(c, blobs)
    assert report.ok and report.orphans == [scene.unique]  # leftover, not damage
    with db.read() as c:
        young = check(c, blobs, collect_orphans=True)
    assert young.collected == [] and blobs.exists(scene.unique)  # within the grace time
    old = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(blobs.path(scene.unique), (old, old))
    with db.read() as c:
        collected = check(c, blobs, collect_orphans=True)
    assert collected.collected == [scene.unique] and not blobs.exists(scene.unique)
    assert blobs.exists(scene.shared)
    with db.read() as c:
        assert check(c, blobs).ok and check(c, blobs).orphans == []


def test_bytes_filed_again_meanwhile_are_not_erased(
    db: Database, scene: Scene, blobs: FolderBlobStore, filer: Filer
) -> None:
    ref = scene.bau.reference
    run = _appraise(db, _offered_run(db, ref), ref, "destroy")
    done = _complete(db, run)
    # Someone stores the very same bytes again (their filing not yet committed).
    filer.prepare_bytes(
        b"Die Baugenehmigung f\xc3\xbcr die Garage am M\xc3\xbchlbach wird erteilt.", "x.txt"
    )
    erased = erase_contents(db, blobs, done.hashes)
    assert erased.removed == [] and erased.stored_again == [scene.unique]
    assert blobs.exists(scene.unique)


def test_a_pdfa_rendition_goes_with_its_document(
    db: Database, scene: Scene, blobs: FolderBlobStore
) -> None:
    stored = blobs.put_bytes(b"%PDF-1.7 Texterkennung der Baugenehmigung")
    with db.write() as c:
        doc = c.execute(
            select(documents.c.id).where(documents.c.dossier_id == scene.bau.id).limit(1)
        ).scalar_one()
        c.execute(
            text("INSERT INTO contents (sha256, size, created_at) VALUES (:s, :n, :t)"),
            {"s": stored.sha256, "n": stored.size, "t": datetime.now(UTC)},
        )
        c.execute(
            renditions.insert().values(
                document_id=doc,
                version=1,
                kind="pdfa",
                content_sha256=stored.sha256,
                size=stored.size,
                media_type="application/pdf",
                created_at=datetime.now(UTC),
                created_by="worker",
                tool="ocrmypdf",
            )
        )
    run = _appraise(db, _offered_run(db, scene.bau.reference), scene.bau.reference, "destroy")
    done = _complete(db, run)
    assert stored.sha256 in done.hashes
    erased = erase_contents(db, blobs, done.hashes)
    assert stored.sha256 in erased.removed and not blobs.exists(stored.sha256)
    with db.read() as c:
        assert check(c, blobs).ok


def test_one_dossiers_retention_reads_as_the_bulk_views_do(
    db: Database, rules: Any, scene: Scene
) -> None:
    """``retention_of`` walks up only its plan item's chain and reads override, holds and run
    together; what it finds must be what ``views`` (the whole plan) finds."""
    gewerbe = _dossier(db, rules, "32.1", "Gewerbeanzeige Imbiss")  # open, inherited rule
    lost = _dossier(db, rules, "99.1", "Irgendwas ohne Regel")
    _close(db, lost, LONG_AGO)
    with db.write() as c:
        overrides.set_override(c, scene.other.reference, 5, "V", "Doppel", "registratur")
        holds.place_hold(c, scene.other.reference, "Prüfung", "registratur")
        holds.lift_hold(c, scene.other.reference, "Prüfung beendet", "registratur")
        holds.place_hold(c, scene.other.reference, "Klage", "registratur")
        runs.create_run(c, [scene.bau.reference], "registratur")
    with db.read() as c:
        plan = PlanRules.load(c)
        for item in c.execute(select(plan_items.c.id)).scalars():
            assert plan_chain(c, item) == plan.chain(item)
        for dossier in (scene.bau, scene.other, gewerbe, lost, scene.county.ja_dossier):
            one = retention_of(c, dossier.reference)
            assert one == views(c, [dossier.id], all_holds=True)[0]
    with db.read() as c:
        other = retention_of(c, scene.other.uuid)
        bau = retention_of(c, scene.bau.uuid)
    assert [h.reason for h in other.holds] == ["Klage", "Prüfung"] and other.override
    assert bau.active_run is not None and bau.override is None and bau.holds == ()
