"""What every request needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates

from eakte.blobs.store import FolderBlobStore
from eakte.core.references import ReferenceRule, case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.settings import Settings

HERE = Path(__file__).parent


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
        return cls(
            settings,
            Database(settings),
            blobs,
            Filer(blobs, settings.max_file_size),
            templates,
            dossier_rule(settings.dossier_reference_rule),
            case_rule(settings.case_reference_rule),
        )
