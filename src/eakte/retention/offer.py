"""The offer list (Anbieteverzeichnis) of a disposal run, for the archive.

``build_offer`` collects what the archive needs to appraise each dossier: metadata only, never
content. ``render_offer`` writes it in one of ``OFFER_FORMATS``: a CSV list for people (German
headers, semicolons and a byte order mark, as spreadsheet programmes here expect) and JSON for
programmes. The xdomea message ``Aussonderung.Anbieteverzeichnis.0501`` is a third format that
the interchange work adds to ``OFFER_FORMATS``; everything it needs is in ``Offer`` already: the
run's UUID is the xdomea ``ProzessID``, each dossier's UUID its ``Identifikation/ID``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from eakte.core.fileplan import Disposition
from eakte.core.retention import DISPOSITION_DE
from eakte.db.schema import cases, documents
from eakte.errors import ValidationError
from eakte.records.common import now
from eakte.retention.runs import Run, get_run
from eakte.retention.status import county_day


@dataclass(frozen=True)
class OfferedDossier:
    id: str  # UUID
    reference: str  # Aktenzeichen (xdomea Kennzeichen)
    subject: str
    plan_item: str
    plan_title: str
    lead_unit: str
    confidentiality: str
    begins: date  # Laufzeit
    ends: date | None
    retention_years: int | None
    disposition: str | None  # A | B | V
    due_on: date | None
    cases: int
    documents: int


@dataclass(frozen=True)
class Offer:
    run: int
    process_id: str
    created: datetime
    dossiers: list[OfferedDossier]


def build_offer(connection: Connection, run_ref: int | str) -> Offer:
    run: Run = get_run(connection, run_ref)
    ids = [i.view.id for i in run.items]
    case_counts: dict[int, int] = dict(
        connection.execute(
            select(cases.c.dossier_id, func.count())
            .where(cases.c.dossier_id.in_(ids))
            .group_by(cases.c.dossier_id)
        ).all()
    )
    document_counts: dict[int, int] = dict(
        connection.execute(
            select(documents.c.dossier_id, func.count())
            .where(documents.c.dossier_id.in_(ids))
            .group_by(documents.c.dossier_id)
        ).all()
    )
    offered = []
    for item in run.items:
        view, rule = item.view, item.view.rule
        offered.append(
            OfferedDossier(
                view.uuid,
                view.reference,
                view.subject,
                view.plan_code,
                view.plan_title,
                view.lead_unit,
                view.confidentiality,
                county_day(view.created_at),
                county_day(view.closed_at) if view.closed_at else None,
                rule.years if rule else None,
                rule.disposition.value if rule else None,
                view.assessment.due_on,
                int(case_counts.get(view.id, 0)),
                int(document_counts.get(view.id, 0)),
            )
        )
    return Offer(run.id, run.uuid, now(), offered)


CSV_HEADER = (
    "Aktenzeichen",
    "Betreff",
    "Aktenplan",
    "Aktenplantitel",
    "Federführung",
    "Vertraulichkeit",
    "Laufzeit von",
    "Laufzeit bis",
    "Aufbewahrungsfrist (Jahre)",
    "Aussonderungsart",
    "aussonderungsreif seit",
    "Vorgänge",
    "Dokumente",
    "ID",
)


def _german(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def offer_csv(offer: Offer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for d in offer.dossiers:
        writer.writerow(
            (
                d.reference,
                d.subject,
                d.plan_item,
                d.plan_title,
                d.lead_unit,
                d.confidentiality,
                _german(d.begins),
                _german(d.ends),
                "" if d.retention_years is None else d.retention_years,
                DISPOSITION_DE[Disposition(d.disposition)] if d.disposition else "",
                _german(d.due_on),
                d.cases,
                d.documents,
                d.id,
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def offer_json(offer: Offer) -> bytes:
    return json.dumps(asdict(offer), ensure_ascii=False, indent=2, default=str).encode("utf-8")


@dataclass(frozen=True)
class OfferFormat:
    media_type: str
    suffix: str
    render: Callable[[Offer], bytes]


# The interchange work adds "xdomea" (Aussonderung.Anbieteverzeichnis.0501) here.
OFFER_FORMATS: dict[str, OfferFormat] = {
    "csv": OfferFormat("text/csv; charset=utf-8", "csv", offer_csv),
    "json": OfferFormat("application/json", "json", offer_json),
}


def render_offer(offer: Offer, kind: str) -> tuple[bytes, str, str]:
    """The offer as bytes, its media type and a file name."""
    chosen = OFFER_FORMATS.get(kind)
    if chosen is None:
        raise ValidationError(
            f"Format {kind!r} gibt es für das Anbieteverzeichnis nicht: {', '.join(OFFER_FORMATS)}."
        )
    name = f"Anbieteverzeichnis-Lauf-{offer.run}.{chosen.suffix}"
    return chosen.render(offer), chosen.media_type, name
