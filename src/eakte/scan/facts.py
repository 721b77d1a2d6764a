"""What a document page and ``eakte show`` say about scanning and OCR: renditions, the scan
record (Transfervermerk) and the state of the OCR work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from eakte.db.schema import renditions, scan_records
from eakte.worker import jobs


def _iso(value: Any) -> str | None:
    return jobs.iso(jobs.utc(value))


def processing_facts(connection: Connection, row: Any) -> dict[str, Any]:
    """``renditions``, ``scan`` (or ``None``) and ``ocr`` (or ``None``) of a document row."""
    rendition_rows = connection.execute(
        select(renditions)
        .where(renditions.c.document_id == row.id)
        .order_by(renditions.c.version, renditions.c.kind)
    ).all()
    scan = connection.execute(
        select(scan_records).where(scan_records.c.document_id == row.id)
    ).first()
    ocr = None
    if row.state in (jobs.AWAITING, jobs.FAILED) or row.job_attempts:
        status = jobs.job_status(row) if row.state in (jobs.AWAITING, jobs.FAILED) else "done"
        ocr = {
            "status": status,
            "status_label": jobs.STATUS_DE.get(status, "Texterkennung abgeschlossen"),
            "attempts": int(row.job_attempts),
            "next_attempt_at": _iso(row.job_next_at) if status == "retry_later" else None,
            "error": row.job_error if status != "done" else None,
        }
    return {
        "renditions": [
            {
                "version": r.version,
                "kind": r.kind,
                "sha256": r.content_sha256,
                "size": r.size,
                "media_type": r.media_type,
                "pages": r.pages,
                "created_at": _iso(r.created_at),
                "tool": r.tool,
            }
            for r in rendition_rows
        ],
        "scan": None
        if scan is None
        else {
            "intake": scan.intake,
            "operator": scan.operator,
            "source_name": scan.source_name,
            "scanned_at": _iso(scan.scanned_at),
            "received_at": _iso(scan.received_at),
            "device": scan.device,
            "profile": scan.profile,
            "resolution_dpi": scan.resolution_dpi,
            "pages": scan.pages,
            "sha256": scan.sha256,
            "quality": scan.quality,
            "quality_note": scan.quality_note,
        },
        "ocr": ocr,
    }
