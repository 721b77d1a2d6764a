"""Collecting records for an xdomea package: our rows → ``interchange.model`` objects.

``build_package`` reads dossiers, cases and documents into the model: a dossier with all its
cases and documents, every version's primary file (metadata only: bytes stay in the blob store
until ``package.write_package`` streams them), history from the audit log (as German sentences)
after any history that came with imported records (``foreign_history``), the retention rule in
force (override or plan item) and the day the dossier becomes due. Documents are read case by
case with streaming queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, or_, select

from eakte.audit.wording import sentence
from eakte.core.retention import OUTCOME_DE, Outcome
from eakte.db.schema import (
    audit_events,
    cases,
    documents,
    dossiers,
    foreign_history,
    org_units,
    plan_items,
    users,
    versions,
)
from eakte.errors import ConflictError, NotFoundError, ValidationError
from eakte.interchange import codes, processes
from eakte.interchange.model import (
    VERSIONS,
    Common,
    Header,
    HistoryEntry,
    Package,
    Party,
    RetentionInfo,
    SchriftgutObject,
    XCase,
    XDocument,
    XDossier,
    XFile,
    XVersion,
)
from eakte.interchange.writer import package_file_name
from eakte.records.common import new_uuid, now
from eakte.records.organisation import User
from eakte.retention.status import county_day, utc, views
from eakte.settings import Settings

STREAM_ROWS = 500
DOCUMENT_PAGE = 500  # documents (with attachments, versions, history) built at a time
EXPORTED_MESSAGES = ("0401", "0501", "0503")


def require_registry(actor: User | str) -> str:
    """The login to record; refuses a person without the registry role."""
    return processes.require_registry(actor, "erstellt xdomea-Pakete")


def sender_party(settings: Settings) -> Party:
    """We, as ``Kopf/Absender``."""
    return Party(settings.xdomea_authority, settings.xdomea_institution)


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selected:
    kind: str  # dossier | case | document
    id: int
    dossier_id: int
    case_id: int | None


def _find(connection: Connection, ref: str) -> Selected:
    ref = ref.strip()
    row: Any = connection.execute(
        select(dossiers.c.id).where((dossiers.c.reference == ref) | (dossiers.c.uuid == ref))
    ).first()
    if row:
        return Selected("dossier", row.id, row.id, None)
    row = connection.execute(
        select(cases.c.id, cases.c.dossier_id).where(
            (cases.c.reference == ref) | (cases.c.uuid == ref)
        )
    ).first()
    if row:
        return Selected("case", row.id, row.dossier_id, row.id)
    row = connection.execute(
        select(documents.c.id, documents.c.dossier_id, documents.c.case_id).where(
            documents.c.uuid == ref
        )
    ).first()
    if row:
        return Selected("document", row.id, row.dossier_id, row.case_id)
    raise NotFoundError(
        f"{ref!r}: weder eine Akte noch ein Vorgang (Aktenzeichen oder ID) noch ein Dokument (ID)."
    )


def select_objects(connection: Connection, refs: Sequence[str]) -> list[Selected]:
    """The named records in order, without those already inside another named one."""
    if not refs:
        raise ValidationError("Bitte mindestens eine Akte, einen Vorgang oder ein Dokument nennen.")
    found = [_find(connection, ref) for ref in refs]
    chosen_dossiers = {s.id for s in found if s.kind == "dossier"}
    chosen_cases = {s.id for s in found if s.kind == "case"}
    result: list[Selected] = []
    seen: set[tuple[str, int]] = set()
    for item in found:
        inside = (item.kind != "dossier" and item.dossier_id in chosen_dossiers) or (
            item.kind == "document" and item.case_id in chosen_cases
        )
        if not inside and (item.kind, item.id) not in seen:
            seen.add((item.kind, item.id))
            result.append(item)
    disposed = connection.execute(
        select(dossiers.c.reference, dossiers.c.disposal).where(
            dossiers.c.id.in_(sorted({s.dossier_id for s in result})),
            dossiers.c.disposal.is_not(None),
        )
    ).first()
    if disposed:
        raise ConflictError(
            f"Akte {disposed.reference} ist schon "
            f"{OUTCOME_DE.get(Outcome(disposed.disposal), disposed.disposal)}; ihr Inhalt kann "
            "nicht mehr abgegeben werden."
        )
    return result


# --------------------------------------------------------------------------- loading


class CaseDocuments:
    """The documents of one case, read a page at a time whenever they are iterated (the XML,
    the files and the record of a package each walk them once). Memory stays that of one
    page however many documents the case has; the connection must stay open meanwhile."""

    def __init__(self, loader: _Loader, case_id: int, confidentiality: str) -> None:
        self._loader, self._case_id, self._confidentiality = loader, case_id, confidentiality

    def __iter__(self) -> Iterator[XDocument]:
        parent = documents.alias("parent")
        in_case_parent = exists().where(
            parent.c.id == documents.c.parent_id, parent.c.case_id == self._case_id
        )
        after = 0
        while True:
            tops = self._loader.connection.execute(
                select(documents)
                .where(
                    documents.c.case_id == self._case_id,
                    documents.c.id > after,
                    or_(documents.c.parent_id.is_(None), ~in_case_parent),
                )
                .order_by(documents.c.id)
                .limit(DOCUMENT_PAGE)
            ).all()
            if not tops:
                return
            yield from self._loader.build_documents(tops, self._confidentiality)
            after = tops[-1].id


@dataclass
class _Loader:
    """Reads records into model objects; lookups of small tables are made once."""

    connection: Connection
    with_files: bool
    names: dict[str, str] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c = self.connection
        self.names = {r.login: r.name for r in c.execute(select(users.c.login, users.c.name))}
        self.units = {r.id: r.code for r in c.execute(select(org_units.c.id, org_units.c.code))}

    def _person(self, login: str) -> str:
        name = self.names.get(login)
        return f"{name} ({login})" if name else login

    def _entry(self, row: Any) -> HistoryEntry:
        details = json.loads(row.details)
        return HistoryEntry(
            utc(row.occurred_at),
            self._person(row.actor),
            sentence(row.action, details, row.object_id, self.names),
        )

    def _foreign(self, uuids_query: Any) -> dict[str, list[HistoryEntry]]:
        query = (
            select(foreign_history)
            .where(foreign_history.c.object_uuid.in_(uuids_query))
            .order_by(foreign_history.c.object_uuid, foreign_history.c.position)
        )
        found: dict[str, list[HistoryEntry]] = {}
        for row in self.connection.execute(query.execution_options(yield_per=STREAM_ROWS)):
            entry = HistoryEntry(utc(row.at), row.actor, row.action, row.details)
            found.setdefault(row.object_uuid, []).append(entry)
        return found

    def history(self, object_type: str, uuid: str) -> tuple[HistoryEntry, ...]:
        foreign = self._foreign([uuid])
        rows = self.connection.execute(
            select(audit_events)
            .where(audit_events.c.object_type == object_type, audit_events.c.object_id == uuid)
            .order_by(audit_events.c.id)
        )
        return (*foreign.get(uuid, []), *(self._entry(r) for r in rows))

    def _document_history(self, uuids: Sequence[str]) -> dict[str, list[HistoryEntry]]:
        found = self._foreign(list(uuids))
        query = (
            select(audit_events)
            .where(audit_events.c.object_type == "document", audit_events.c.object_id.in_(uuids))
            .order_by(audit_events.c.id)
        )
        for row in self.connection.execute(query):
            found.setdefault(row.object_id, []).append(self._entry(row))
        return found

    def _versions(self, document_ids: Sequence[int]) -> dict[int, list[XVersion]]:
        found: dict[int, list[XVersion]] = {}
        if not self.with_files:
            return found
        query = (
            select(versions, documents.c.uuid.label("document_uuid"))
            .join(documents, documents.c.id == versions.c.document_id)
            .where(versions.c.document_id.in_(document_ids))
            .order_by(versions.c.document_id, versions.c.number)
        )
        for row in self.connection.execute(query):
            code = codes.format_code(row.media_type, row.filename)
            file = XFile(
                row.content_sha256,
                int(row.size),
                row.filename,
                row.media_type,
                code,
                package_file_name(row.document_uuid, row.number, row.filename, code),
            )
            version = XVersion(row.number, utc(row.created_at), row.created_by, file)
            found.setdefault(row.document_id, []).append(version)
        return found

    def build_documents(self, tops: Sequence[Any], confidentiality: str) -> list[XDocument]:
        """``tops`` (document rows) as model objects, each with its attachments (nested)."""
        rows, frontier = list(tops), [row.id for row in tops]
        while frontier:  # attachments, and attachments of attachments
            found = self.connection.execute(
                select(documents)
                .where(documents.c.parent_id.in_(frontier))
                .order_by(documents.c.id)
            ).all()
            rows.extend(found)
            frontier = [row.id for row in found]
        history = self._document_history([row.uuid for row in rows])
        by_document = self._versions([row.id for row in rows])
        children: dict[int, list[Any]] = {}
        for row in rows:
            if row.parent_id is not None:
                children.setdefault(row.parent_id, []).append(row)

        def build(row: Any) -> XDocument:
            return XDocument(
                Common(
                    row.uuid,
                    "",
                    row.title,
                    None,
                    None,
                    self.units.get(row.unit_id),
                    confidentiality,
                    history=tuple(history.get(row.uuid, ())),
                    imported_from=row.imported_from,
                ),
                row.document_date,
                row.kind,
                utc(row.created_at),
                row.created_by,
                tuple(by_document.get(row.id, ())),
                tuple(build(child) for child in children.get(row.id, ())),
            )

        return [build(row) for row in tops]

    def documents_of(
        self, case_id: int, confidentiality: str, only: int | None = None
    ) -> Iterable[XDocument]:
        """The documents of a case (or the one document ``only`` with its attachments), with
        attachments nested under the document they came with."""
        if only is not None:
            row = self.connection.execute(select(documents).where(documents.c.id == only)).one()
            return tuple(self.build_documents([row], confidentiality))
        return CaseDocuments(self, case_id, confidentiality)

    def case(self, row: Any, confidentiality: str, only_document: int | None = None) -> XCase:
        return XCase(
            Common(
                row.uuid,
                row.reference,
                row.subject,
                county_day(row.created_at),
                county_day(row.closed_at) if row.closed_at else None,
                self.units.get(row.lead_unit_id),
                confidentiality,
                history=self.history("case", row.uuid),
                imported_from=row.imported_from,
            ),
            utc(row.closed_at) if row.closed_at else None,
            row.closed_by,
            self.documents_of(row.id, confidentiality, only_document),
        )

    def dossier(self, row: Any, retention: RetentionInfo) -> XDossier:
        case_rows = self.connection.execute(
            select(cases).where(cases.c.dossier_id == row.id).order_by(cases.c.id)
        ).all()
        return XDossier(
            Common(
                row.uuid,
                row.reference,
                row.subject,
                county_day(row.created_at),
                county_day(row.closed_at) if row.closed_at else None,
                self.units.get(row.lead_unit_id),
                row.confidentiality,
                history=self.history("dossier", row.uuid),
                imported_from=row.imported_from,
            ),
            row.plan_code,
            row.plan_title,
            retention,
            utc(row.closed_at) if row.closed_at else None,
            row.closed_by,
            tuple(self.case(c, row.confidentiality) for c in case_rows),
        )


def _retention(connection: Connection, dossier_ids: list[int]) -> dict[int, RetentionInfo]:
    found = {}
    for view in views(connection, dossier_ids):
        rule = view.rule
        found[view.id] = RetentionInfo(
            rule.years if rule else None,
            rule.disposition.value if rule else None,
            view.assessment.due_on,
        )
    return found


def _load(loader: _Loader, chosen: Sequence[Selected]) -> list[SchriftgutObject]:
    c = loader.connection
    dossier_ids = sorted({s.dossier_id for s in chosen if s.kind == "dossier"})
    retention = _retention(c, dossier_ids)
    objects: list[SchriftgutObject] = []
    for item in chosen:
        if item.kind == "dossier":
            row = c.execute(
                select(
                    dossiers,
                    plan_items.c.code.label("plan_code"),
                    plan_items.c.title.label("plan_title"),
                )
                .join(plan_items, plan_items.c.id == dossiers.c.plan_item_id)
                .where(dossiers.c.id == item.id)
            ).one()
            objects.append(loader.dossier(row, retention[item.id]))
            continue
        level = c.execute(
            select(dossiers.c.confidentiality).where(dossiers.c.id == item.dossier_id)
        ).scalar_one()
        case_row = c.execute(select(cases).where(cases.c.id == item.case_id)).one()
        if item.kind == "case":
            objects.append(loader.case(case_row, level))
        else:
            objects.extend(loader.documents_of(case_row.id, level, only=item.id))
    return objects


def build_package(
    connection: Connection,
    refs: Sequence[str],
    message: str,
    version: str,
    sender: Party,
    receiver: Party,
    *,
    process_id: str | None = None,
    created: datetime | None = None,
    ask_receipt: bool = False,
) -> Package:
    """The message ``message`` (0401, 0501 or 0503) for the records named by ``refs``
    (references or UUIDs of dossiers and cases, UUIDs of documents). A 0501 carries metadata
    only: documents without versions."""
    if version not in VERSIONS:
        raise ValidationError(
            f"xdomea-Version {version!r} gibt es hier nicht: {', '.join(VERSIONS)}."
        )
    if message not in EXPORTED_MESSAGES:
        raise ValidationError(f"Nachricht {message} wird nicht exportiert (0401, 0501, 0503).")
    chosen = select_objects(connection, refs)
    loader = _Loader(connection, with_files=message != "0501")
    header = Header(
        process_id or new_uuid(),
        message,
        created or now(),
        sender,
        receiver,
        version,
        ask_receipt=ask_receipt,
    )
    return Package(header, _load(loader, chosen))


# --------------------------------------------------------------------------- services
