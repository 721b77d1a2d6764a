"""Content-addressed blob stores.

A blob is stored under its SHA-256, computed while the bytes stream in, so the same bytes are
stored once. ``put`` makes the bytes durable (file fsync, then rename, then directory fsync)
before it returns, so a database row that points to the blob can commit safely afterwards.
A crash in between leaves at worst an orphaned blob, which ``eakte check`` finds.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from eakte.errors import ValidationError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same bytes were stored before


class BlobStore(Protocol):
    """What eakte needs from a place that keeps document bytes."""

    def put(
        self, stream: BinaryIO, max_size: int | None = None, durable: bool = True
    ) -> StoredBlob: ...

    def make_durable(self, hashes: list[str]) -> None: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...

    def delete_unless_stored_since(self, sha256: str, since: float) -> bool: ...

    def iter_hashes(self) -> Iterator[str]: ...

    def age_seconds(self, sha256: str) -> float: ...


def _is_hash(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class FolderBlobStore:
    """Blobs as files ``ab/cd/abcd…`` below a root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def ensure(self) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not _is_hash(sha256):
            raise ValidationError(f"{sha256!r} ist kein SHA-256-Wert.")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(
        self, stream: BinaryIO, max_size: int | None = None, durable: bool = True
    ) -> StoredBlob:
        """Store a stream. With ``durable=False`` the caller must call ``make_durable`` for the
        returned hash before anything that points to it commits (batch filing does)."""
        self.ensure()
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_size is not None and size > max_size:
                        raise ValidationError(
                            f"Die Datei ist größer als die erlaubten {max_size:,} Bytes.".replace(
                                ",", "."
                            )
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists():
                try:
                    # A fresh time stamp tells a concurrent disposal that these bytes are
                    # wanted again (``delete_unless_stored_since``).
                    os.utime(target)
                    os.unlink(tmp_name)
                    return StoredBlob(sha, size, created=False)
                except FileNotFoundError:
                    pass  # removed a moment ago: store the bytes again
            new_folder = not target.parent.is_dir()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            os.chmod(target, 0o444)
            if durable:
                _fsync_dir(target.parent)
                if new_folder:
                    _fsync_dir(target.parent.parent)
                    _fsync_dir(self.root)
            return StoredBlob(sha, size, created=True)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def make_durable(self, hashes: list[str]) -> None:
        """Flush blobs written with ``durable=False`` (by any process) to stable storage.

        On Linux one ``syncfs`` of the blob file system replaces thousands of single fsyncs;
        elsewhere each file and its folders are fsynced."""
        if not hashes:
            return
        if _syncfs(self.root):
            return
        folders: set[Path] = set()
        for sha in hashes:
            path = self.path(sha)
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            folders.update((path.parent, path.parent.parent, self.root))
        for folder in folders:
            _fsync_dir(folder)

    def put_bytes(self, data: bytes) -> StoredBlob:
        import io

        return self.put(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        path = self.path(sha256)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o644)
            path.unlink()
            _fsync_dir(path.parent)

    def delete_unless_stored_since(self, sha256: str, since: float) -> bool:
        """Delete the blob unless it was stored, or stored again, after ``since`` (POSIX time);
        True if it was deleted.

        Safe against a concurrent ``put`` of the same bytes: the file is first moved aside, so
        a ``put`` that comes later finds nothing and stores the bytes anew, and one that came
        just before has touched the file, which is then moved back."""
        path = self.path(sha256)
        self.ensure()
        aside = self._tmp / f"delete-{sha256}-{os.getpid()}-{threading.get_ident()}"
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return False
        if os.stat(aside).st_mtime > since:
            os.replace(aside, path)  # the same bytes, whoever stored them last
            return False
        os.chmod(aside, 0o644)
        aside.unlink()
        _fsync_dir(path.parent)
        return True

    def age_seconds(self, sha256: str) -> float:
        import time

        return time.time() - self.path(sha256).stat().st_mtime

    def iter_hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(os.scandir(self.root), key=lambda e: e.name):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(os.scandir(first.path), key=lambda e: e.name):
                if not second.is_dir():
                    continue
                for entry in sorted(os.scandir(second.path), key=lambda e: e.name):
                    if _is_hash(entry.name):
                        yield entry.name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` on the file system holding ``path``; False where it is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
    except (OSError, AttributeError):
        return False
    try:
        return bool(libc.syncfs(fd) == 0)
    except AttributeError:
        return False
    finally:
        os.close(fd)


def hash_stream(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size of a stream, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
