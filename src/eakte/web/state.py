"""What every request needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from eakte.blobs.store import FolderBlobStore
from eakte.core.references import ReferenceRule, case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.settings import Settings

HERE = Path(__file__).parent
LOCAL_TIME = ZoneInfo("Europe/Berlin")


def _parse(value: object) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return None


def german_date(value: object) -> str:
    """``25.11.2026``; times are shown in the county's local time."""
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        parsed = _local(parsed).date()
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def german_datetime(value: object) -> str:
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        return _local(parsed).strftime("%d.%m.%Y %H:%M")
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def _local(moment: datetime) -> datetime:
    # Stored times are UTC (SQLite returns them without a zone).
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME)


def german_size(size: float) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".0", "").replace(".", ",") + f" {unit}"
    return f"{int(size)} Bytes"


@dataclass
class WebState:
    settings: Settings
    db: Database
    blobs: FolderBlobStore
    filer: Filer
    templates: Jinja2Templates
    dossier_rule: ReferenceRule
    case_rule: ReferenceRule

    @classmethod
    def build(cls, settings: Settings) -> WebState:
        blobs = FolderBlobStore(settings.resolved_blob_dir)
        blobs.ensure()
        templates = Jinja2Templates(directory=str(HERE / "templates"))
        templates.env.filters["datum"] = german_date
        templates.env.filters["zeit"] = german_datetime
        templates.env.filters["groesse"] = german_size
        return cls(
            settings,
            Database(settings),
            blobs,
            Filer(blobs, settings.max_file_size),
            templates,
            dossier_rule(settings.dossier_reference_rule),
            case_rule(settings.case_reference_rule),
        )
