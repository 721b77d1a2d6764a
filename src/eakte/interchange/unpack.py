"""Reading an xdomea package (ZIP) from outside safely into a temporary folder.

A package is flat: one message XML named ``<ProzessID>_<message name>.xml`` and the primary
files beside it. Anything else is refused before a byte is used: paths that climb or are
absolute, subfolders, symbolic links, duplicate names (also differing only in case), encrypted
entries, too many entries, and too many bytes, counted while unpacking (a ZIP header's sizes are
the sender's claim, not a fact). A bare XML file is a package without files (0402, 0502, 0506).
Every refusal names the entry and what was wrong.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from eakte.errors import ValidationError
from eakte.interchange.model import MESSAGE_NAMES
from eakte.settings import Settings

CHUNK = 1024 * 1024
# Below this many unpacked bytes an entry's compression ratio is not judged: short, repetitive
# text compresses far beyond any sensible limit without being a bomb.
RATIO_FLOOR = 64 * 1024
_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_MESSAGE = re.compile(
    rf"^(?P<pid>{_UUID})_(?P<name>" + "|".join(re.escape(n) for n in MESSAGE_NAMES.values()) + ")$"
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class UnpackedPackage:
    """A package unpacked into ``folder``: the message XML and the files by their names."""

    name: str  # <ProzessID>_<message name>
    process_id: str
    message_name: str
    xml_path: Path
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.message_name.rsplit(".", 1)[-1]


def split_message_name(stem: str) -> tuple[str, str] | None:
    """``(ProzessID, message name)`` of a ``<ProzessID>_<message name>`` stem, or None."""
    match = _MESSAGE.match(stem)
    return (match["pid"], match["name"]) if match else None


def _refuse(entry: str, what: str) -> ValidationError:
    return ValidationError(f"Paketeintrag »{entry}«: {what}; das Paket wurde nicht übernommen.")


def _check_name(info: zipfile.ZipInfo) -> str:
    name = info.orig_filename
    shown = _CONTROL.sub("?", name)
    if not name or _CONTROL.search(name):
        raise _refuse(shown, "der Name ist leer oder enthält Steuerzeichen")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise _refuse(shown, "absoluter Pfad")
    if "\\" in name:
        raise _refuse(shown, "der Name enthält einen Backslash")
    if ".." in name.split("/"):
        raise _refuse(shown, "der Pfad enthält »..« und zeigt aus dem Paket heraus")
    if "/" in name:
        raise _refuse(shown, "Unterordner sind in einem xdomea-Paket nicht erlaubt (es ist flach)")
    if name in (".", ".."):
        raise _refuse(shown, "kein Dateiname")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _refuse(shown, "symbolischer Link")
    if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
        raise _refuse(shown, "keine gewöhnliche Datei")
    if info.flag_bits & 0x1:
        raise _refuse(shown, "verschlüsselt")
    return name


def _check_entries(archive: zipfile.ZipFile, settings: Settings) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > settings.xdomea_max_entries:
        raise ValidationError(
            f"Das Paket hat {len(infos)} Einträge; erlaubt sind höchstens "
            f"{settings.xdomea_max_entries} (EAKTE_XDOMEA_MAX_ENTRIES). Nicht übernommen."
        )
    seen: dict[str, str] = {}
    for info in infos:
        name = _check_name(info)
        folded = name.casefold()
        if folded in seen:
            other = seen[folded]
            same = (
                "doppelt vorhanden"
                if other == name
                else f"gleicht »{other}« bis auf Groß-/Kleinschreibung"
            )
            raise _refuse(name, same)
        seen[folded] = name
    return infos


class _Budget:
    """Bytes unpacked so far against the package limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, entry: str, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise _refuse(
                entry,
                f"das Paket ist entpackt größer als die erlaubten {self.limit:,} Bytes "
                "(EAKTE_XDOMEA_MAX_PACKAGE_BYTES)".replace(",", "."),
            )


def _copy_entry(
    source: IO[bytes],
    target: Path,
    info: zipfile.ZipInfo,
    settings: Settings,
    budget: _Budget,
    limit: int | None,
) -> None:
    name = info.orig_filename
    ratio_limit = max(info.compress_size, 1) * settings.xdomea_max_ratio
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            budget.take(name, len(chunk))
            if limit is not None and written > limit:
                raise _refuse(
                    name,
                    f"die Nachricht ist größer als die erlaubten {limit:,} Bytes "
                    "(EAKTE_XDOMEA_MAX_XML_BYTES)".replace(",", "."),
                )
            if written > RATIO_FLOOR and written > ratio_limit:
                raise _refuse(
                    name,
                    f"entpackt mehr als das {settings.xdomea_max_ratio}-Fache seiner gepackten "
                    "Größe (ZIP-Bombe?)",
                )
            out.write(chunk)
    if written != info.file_size:
        raise _refuse(name, "die Größe im ZIP-Verzeichnis stimmt nicht mit dem Inhalt überein")


def _message_entry(names: list[str], package: str) -> tuple[str, str, str]:
    """The message XML among ``names``: ``(entry, ProzessID, message name)``."""
    found = [
        (name, *parts)
        for name in names
        if name.lower().endswith(".xml") and (parts := split_message_name(name[:-4]))
    ]
    if len(found) != 1:
        listed = ", ".join(f"»{f[0]}«" for f in found) or "keine"
        raise ValidationError(
            f"{package}: ein xdomea-Paket enthält genau eine Nachricht "
            f"»<ProzessID>_<Nachrichtenname>.xml«; gefunden: {listed}. Nicht übernommen."
        )
    entry, pid, message = found[0]
    expected = split_message_name(Path(package).stem)
    if expected is not None and (expected[0].lower(), expected[1]) != (pid.lower(), message):
        raise _refuse(
            entry,
            f"die Nachricht passt nicht zum Paketnamen »{package}« "
            f"(erwartet »{Path(package).stem}.xml«)",
        )
    return entry, pid, message


def unpack(path: Path, settings: Settings, folder: Path) -> UnpackedPackage:
    """Unpack the package at ``path`` into ``folder`` (which must exist and be empty)."""
    if not zipfile.is_zipfile(path):
        return _bare_xml(path, settings, folder)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = _check_entries(archive, settings)
            entry, pid, message = _message_entry([i.orig_filename for i in infos], path.name)
            budget = _Budget(settings.xdomea_max_package_bytes)
            result = UnpackedPackage(f"{pid}_{message}", pid, message, folder / "message.xml")
            for position, info in enumerate(infos):
                is_message = info.orig_filename == entry
                target = result.xml_path if is_message else folder / f"{position:06d}.bin"
                limit = settings.xdomea_max_xml_bytes if is_message else None
                with archive.open(info) as source:
                    _copy_entry(source, target, info, settings, budget, limit)
                if not is_message:
                    result.files[info.orig_filename] = target
            return result
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise ValidationError(
            f"{path.name} ist kein lesbares ZIP-Paket ({exc}); nicht übernommen."
        ) from None


def _bare_xml(path: Path, settings: Settings, folder: Path) -> UnpackedPackage:
    parts = split_message_name(path.stem) if path.suffix.lower() == ".xml" else None
    if parts is None:
        raise ValidationError(
            f"{path.name} ist weder ein ZIP-Paket noch eine Nachricht "
            "»<ProzessID>_<Nachrichtenname>.xml«; nicht übernommen."
        )
    size = path.stat().st_size
    if size > settings.xdomea_max_xml_bytes:
        raise ValidationError(
            f"{path.name}: die Nachricht ist größer als die erlaubten "
            f"{settings.xdomea_max_xml_bytes:,} Bytes; nicht übernommen.".replace(",", ".")
        )
    pid, message = parts
    return UnpackedPackage(f"{pid}_{message}", pid, message, path)
