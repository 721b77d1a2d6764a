"""Scan intakes: watched folders of the scan office (setting ``scan_intakes``).

Each file directly in an intake folder that has not changed for ``intake_settle_seconds`` is
stored bit for bit (durably, with its SHA-256), filed into the intake's case or its unit's inbox
together with its scan record (Transfervermerk) in one transaction, and only then moved out of
the folder (into ``done_folder``, or deleted). A crash at any point loses nothing: a file still
in the folder is read again, and if it was already filed it counts as a duplicate and is moved
out. Files that cannot be filed go to the subfolder ``fehler/`` with a ``.fehler.txt`` beside
them saying why. Image-only scans wait for OCR like any upload.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection

from eakte import audit
from eakte.blobs.store import FolderBlobStore, _fsync_dir
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.schema import scan_records
from eakte.errors import EakteError
from eakte.ingest.filing import Filer
from eakte.ingest.prepared import PreparedFile
from eakte.ingest.writer import commit_many
from eakte.records import dossiers as dossier_service
from eakte.records.common import now
from eakte.records.dossiers import Case, Dossier
from eakte.scan.inbox import inbox_case
from eakte.settings import ScanIntake, Settings

FAILED_FOLDER = "fehler"
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".fehler.txt")
MIN_DPI = 150
LOCK_FILE = ".eakte-intake.lock"


@dataclass
class IntakeResult:
    intake: str
    filed: int = 0
    duplicates: int = 0
    documents: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Quality:
    pages: int | None
    resolution: int | None  # measured dpi (None: not measurable)
    status: str  # passed | failed
    note: str


def _image_facts(path: Path) -> tuple[int, int | None]:
    with Image.open(path) as image:
        pages = int(getattr(image, "n_frames", 1))
        dpi = image.info.get("dpi")
        try:
            resolution = round(float(dpi[0])) if dpi else None
        except (TypeError, ValueError, IndexError):
            resolution = None
    return pages, resolution


def _pdf_facts(path: Path) -> tuple[int, int | None]:
    document = pdfium.PdfDocument(str(path))
    try:
        pages = len(document)
        resolution = None
        if pages:
            page = document[0]
            width_inches = page.get_width() / 72
            for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
                pixels = obj.get_px_size()[0] if hasattr(obj, "get_px_size") else None
                if pixels and width_inches:
                    left, _, right, _ = obj.get_pos()
                    shown = (right - left) / 72 or width_inches
                    resolution = max(resolution or 0, round(pixels / shown))
            page.close()
        return pages, resolution
    finally:
        document.close()


def check_quality(path: Path, prepared: PreparedFile, intake: ScanIntake) -> Quality:
    """Readable, at least one page, resolution as the profile says (within 10 %)."""
    problems = []
    pages: int | None = None
    resolution: int | None = None
    try:
        if prepared.extraction.kind == "image":
            pages, resolution = _image_facts(path)
        elif prepared.extraction.kind == "pdf":
            pages, resolution = _pdf_facts(path)
    except (OSError, UnidentifiedImageError, pdfium.PdfiumError, ValueError) as exc:
        problems.append(f"nicht lesbar ({exc})")
    if prepared.extraction.error:
        problems.append(prepared.extraction.error)
    if prepared.extraction.kind not in ("image", "pdf"):
        problems.append("kein Bild und kein PDF")
    elif pages == 0:
        problems.append("keine Seite")
    if resolution is not None:
        if resolution < MIN_DPI:
            problems.append(f"Auflösung {resolution} dpi unter {MIN_DPI} dpi")
        elif intake.resolution and abs(resolution - intake.resolution) > intake.resolution / 10:
            problems.append(f"Auflösung {resolution} dpi statt {intake.resolution} dpi des Profils")
    note = "; ".join(problems)
    return Quality(pages, resolution or intake.resolution, "failed" if problems else "passed", note)


def _ready(entry: Path, settle_seconds: float) -> bool:
    if entry.name.startswith(".") or entry.name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    if entry.is_symlink() or not entry.is_file():
        return False
    return time.time() - entry.stat().st_mtime >= settle_seconds


def _move_out(entry: Path, done_folder: Path | None) -> None:
    """Remove the file from the intake folder, once everything is durably stored."""
    if done_folder is None:
        entry.unlink()
    else:
        done_folder.mkdir(parents=True, exist_ok=True)
        target = done_folder / entry.name
        if target.exists():
            target = done_folder / f"{entry.stem}-{int(time.time() * 1000)}{entry.suffix}"
        shutil.move(str(entry), target)
        _fsync_dir(done_folder)
    _fsync_dir(entry.parent)


def _set_aside(entry: Path, reason: str) -> None:
    folder = entry.parent / FAILED_FOLDER
    folder.mkdir(exist_ok=True)
    target = folder / entry.name
    with contextlib.suppress(OSError):
        shutil.move(str(entry), target)
        (folder / f"{entry.name}.fehler.txt").write_text(reason + "\n", encoding="utf-8")


class IntakeReader:
    def __init__(self, db: Database, blobs: FolderBlobStore, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.filer = Filer(blobs, settings.max_file_size, durable=True)
        self.dossier_rule = dossier_rule(settings.dossier_reference_rule)
        self.case_rule = case_rule(settings.case_reference_rule)

    def read(self, intake: ScanIntake) -> IntakeResult:
        result = IntakeResult(intake.name)
        if not intake.folder.is_dir():
            result.failed.append(
                {"path": str(intake.folder), "error": "Ordner des Scan-Eingangs fehlt"}
            )
            return result
        # One reader per folder at a time (several workers or servers may poll it).
        with open(intake.folder / LOCK_FILE, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return result
            self._read_folder(intake, result)
        return result

    def _read_folder(self, intake: ScanIntake, result: IntakeResult) -> None:
        for entry in sorted(intake.folder.iterdir()):
            if not _ready(entry, self.settings.intake_settle_seconds):
                continue
            try:
                scanned_at = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
                prepared = self.filer.prepare(entry)  # bytes durably stored, text extracted
            except (OSError, EakteError) as exc:  # this file cannot be filed: set it aside
                reason = exc.message if isinstance(exc, EakteError) else str(exc)
                result.failed.append({"path": str(entry), "error": reason})
                _set_aside(entry, reason)
                continue
            try:
                self._file(intake, entry, prepared, scanned_at, result)
            except EakteError as exc:  # the target is wrong (setting, closed case): files stay
                result.failed.append({"path": str(entry), "error": exc.message})
                break
            except OSError as exc:  # filed, but it could not leave the folder (rights?)
                result.failed.append(
                    {"path": str(entry), "error": f"abgelegt, aber nicht verschoben: {exc}"}
                )
                break

    def _target(self, connection: Connection, intake: ScanIntake) -> tuple[Case, Dossier]:
        if intake.case:
            case = dossier_service.get_case(connection, intake.case)
        else:
            case = inbox_case(
                connection,
                str(intake.unit),
                self.settings.scan_inbox_plan,
                self.dossier_rule,
                self.case_rule,
                intake.operator,
            )
        return case, dossier_service.ensure_case_writable(connection, case)

    def _file(
        self,
        intake: ScanIntake,
        entry: Path,
        prepared: PreparedFile,
        scanned_at: datetime,
        result: IntakeResult,
    ) -> None:
        quality = check_quality(self.filer.blobs.path(prepared.blob.sha256), prepared, intake)
        with self.db.write() as connection:
            case, dossier = self._target(connection, intake)
            filed = commit_many(connection, case, dossier, [prepared], intake.operator)[0]
            if not filed.duplicate:
                received_at = now()
                record: dict[str, object] = {
                    "document_id": filed.id,
                    "intake": intake.name,
                    "operator": intake.operator,
                    "source_name": prepared.filename,
                    "scanned_at": scanned_at,
                    "received_at": received_at,
                    "device": intake.device,
                    "profile": intake.profile,
                    "resolution_dpi": quality.resolution,
                    "pages": quality.pages,
                    "sha256": prepared.blob.sha256,
                    "quality": quality.status,
                    "quality_note": quality.note,
                }
                connection.execute(scan_records.insert().values(**record))
                audit.record(
                    connection,
                    intake.operator,
                    "document.scan",
                    "document",
                    filed.uuid,
                    {
                        **{k: v for k, v in record.items() if k != "document_id"},
                        "scanned_at": scanned_at.isoformat(),
                        "received_at": received_at.isoformat(),
                        "case": case.reference,
                    },
                )
        # Committed: only now may the file leave the intake folder. (Should that fail, the file
        # is read again next time and then counts as a duplicate.)
        with contextlib.suppress(FileNotFoundError):
            _move_out(entry, intake.done_folder)
        if filed.duplicate:
            result.duplicates += 1
        else:
            result.filed += 1
            result.documents.append(filed.uuid)


def run_intakes(
    db: Database, blobs: FolderBlobStore, settings: Settings, names: list[str] | None = None
) -> list[IntakeResult]:
    """Read every configured intake (or those named) once."""
    reader = IntakeReader(db, blobs, settings)
    chosen = [i for i in settings.scan_intakes if not names or i.name in names]
    return [reader.read(intake) for intake in chosen]
