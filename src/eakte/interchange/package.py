"""Packing xdomea messages as ZIP files (the writer side; ``interchange.unpack`` reads them).

``write_package(package, out_dir, blobs, settings)`` writes ``<ProzessID>_<message name>.zip``
holding ``<same name>.xml`` and every primary file flat at the top level, named exactly as in
its ``Dateiname``. The order of work makes a broken package impossible to leave behind:

1. the message XML is streamed to a temporary file and validated against the official schema
   (``interchange.schemas``); an invalid message stops here with the schema errors;
2. the ZIP is written under a temporary name: the XML first, then each file streamed from the
   blob store in chunks (never whole in memory), its SHA-256 and size checked while copying;
   a blob that does not match its hash stops the export;
3. only a finished ZIP is renamed to its final name. On any error the temporary files go.

Already compressed formats (PDF, images, office files) are stored, others deflated; ZIP64 is on,
so packages and files beyond 4 GiB work. ``write_reply_package`` packs replies without files
(0402, 0403, 0504, 0505) the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from eakte.blobs.store import CHUNK, BlobStore
from eakte.errors import ConflictError, ValidationError
from eakte.interchange import writer
from eakte.interchange.model import MESSAGE_NAMES, Header, ObjectResult, Package, XFile
from eakte.interchange.schemas import load_schema, validate
from eakte.settings import Settings

Progress = Callable[[int], None]
STORED_SUFFIXES = {
    ".pdf", ".png", ".jpg", ".jpeg", ".jpe", ".gif", ".tif", ".tiff", ".webp", ".docx",
    ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".zip", ".gz", ".7z", ".msg",
}  # fmt: skip


def compression_for(name: str) -> int:
    """Store what is compressed already; deflate the rest."""
    if PurePosixPath(name).suffix.lower() in STORED_SUFFIXES:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _zip_time(moment: datetime | None = None) -> tuple[int, int, int, int, int, int]:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    year = max(1980, moment.year)
    return (year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _check_names(files: Iterable[XFile]) -> None:
    seen: set[str] = set()
    for file in files:
        name = file.package_name
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValidationError(
                f"Dateiname {name!r} im Paket ist ungültig: erwartet wird UUID_name.endung "
                "ohne Ordner."
            )
        if name in seen:
            raise ValidationError(f"Dateiname {name!r} kommt im Paket doppelt vor.")
        seen.add(name)


@contextlib.contextmanager
def _temporary(out_dir: Path, suffix: str) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(dir=out_dir, prefix=".eakte-", suffix=suffix)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _copy_blob(
    archive: zipfile.ZipFile, blobs: BlobStore, file: XFile, stamp: tuple[int, ...]
) -> None:
    info = zipfile.ZipInfo(file.package_name, date_time=stamp)  # type: ignore[arg-type]
    info.compress_type = compression_for(file.package_name)
    info.file_size = file.size
    info.external_attr = 0o644 << 16
    digest = hashlib.sha256()
    size = 0
    try:
        source = blobs.open(file.sha256)
    except FileNotFoundError as exc:
        raise ValidationError(
            f"Die Datei {file.filename_original!r} ({file.sha256[:12]}…) fehlt im Ablagespeicher; "
            "bitte »eakte check« ausführen. Das Paket wurde nicht erstellt."
        ) from exc
    with source, archive.open(info, "w", force_zip64=file.size >= zipfile.ZIP64_LIMIT) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    if digest.hexdigest() != file.sha256 or size != file.size:
        raise ValidationError(
            f"Die gespeicherte Datei {file.filename_original!r} stimmt nicht mehr mit ihrem "
            f"Prüfwert (SHA-256 {file.sha256[:12]}…) überein; sie wurde verändert oder ist "
            "beschädigt. Das Paket wurde nicht erstellt; bitte »eakte check« ausführen."
        )


def _final_path(out_dir: Path, name: str) -> Path:
    final = out_dir / f"{name}.zip"
    if final.exists():
        raise ConflictError(f"Das Paket {final} gibt es schon; bitte einen anderen Ordner wählen.")
    return final


def write_package(
    package: Package,
    out_dir: Path,
    blobs: BlobStore,
    settings: Settings,
    progress: Progress | None = None,
) -> Path:
    """Write, validate and pack a 0401/0501/0503 with its files; the path of the ZIP."""
    out_dir.mkdir(parents=True, exist_ok=True)
    load_schema(package.header.version, settings)  # missing schemas: refuse before any work
    _check_names(package.files())
    final = _final_path(out_dir, package.name)
    stamp = _zip_time(package.header.created)
    with _temporary(out_dir, ".xml") as xml_path, _temporary(out_dir, ".zip") as zip_path:
        writer.write_message(package, xml_path)
        validate(xml_path, package.header.version, settings)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.write(xml_path, f"{package.name}.xml")
            for file in package.files():
                _copy_blob(archive, blobs, file, stamp)
                if progress:
                    progress(1)
        os.replace(zip_path, final)
    return final


def write_reply_package(
    header: Header,
    out_dir: Path,
    settings: Settings,
    results: Iterable[ObjectResult] | None = None,
) -> Path:
    """Write a reply without files as a validated ZIP: 0402 (with ``results``), 0403, 0504 or
    0505; the path of the ZIP."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{header.process_id}_{MESSAGE_NAMES[header.message]}"
    final = _final_path(out_dir, name)
    with _temporary(out_dir, ".xml") as xml_path, _temporary(out_dir, ".zip") as zip_path:
        if header.message == "0402":
            writer.write_import_result(header, results or (), xml_path)
        else:
            writer.write_receipt(header, xml_path)
        validate(xml_path, header.version, settings)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.write(xml_path, f"{name}.xml")
        os.replace(zip_path, final)
    return final
