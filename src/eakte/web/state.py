"""What every request needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates

from eakte.blobs.store import FolderBlobStore
from eakte.core.german import LOCAL_TIME, german_date, german_datetime, german_size
from eakte.core.references import ReferenceRule, case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.settings import Settings

HERE = Path(__file__).parent
# Formatting lives in ``core.german``; the names stay importable here for the templates' users.
__all__ = ["HERE", "LOCAL_TIME", "WebState", "german_date", "german_datetime", "german_size"]


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
