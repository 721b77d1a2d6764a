import hashlib
import io
import stat
from pathlib import Path

import pytest

from eakte.blobs.store import FolderBlobStore
from eakte.errors import ValidationError


def test_content_addressed_write_once(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    first = store.put(io.BytesIO(b"Bescheid"))
    second = store.put(io.BytesIO(b"Bescheid"))
    assert first.sha256 == hashlib.sha256(b"Bescheid").hexdigest()
    assert (first.created, second.created) == (True, False)
    assert list(store.iter_hashes()) == [first.sha256]
    path = store.path(first.sha256)
    assert path.parent.parent.name == first.sha256[:2]
    assert not path.stat().st_mode & stat.S_IWUSR  # originals are read-only on disk
    with store.open(first.sha256) as handle:
        assert handle.read() == b"Bescheid"
    assert not list((tmp_path / "blobs" / "tmp").iterdir())


def test_oversized_stream_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    with pytest.raises(ValidationError):
        store.put(io.BytesIO(b"x" * 2000), max_size=1000)
    assert list(store.iter_hashes()) == []
    assert not list((tmp_path / "blobs" / "tmp").iterdir())


def test_hash_names_only(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    with pytest.raises(ValidationError):
        store.path("../../etc/passwd")


def test_delete(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    blob = store.put(io.BytesIO(b"weg"))
    store.delete(blob.sha256)
    assert not store.exists(blob.sha256)
    store.delete(blob.sha256)  # deleting twice is harmless


def test_deferred_durability_is_completed_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    blobs = [store.put(io.BytesIO(f"Dokument {n}".encode()), durable=False) for n in range(3)]
    store.make_durable([b.sha256 for b in blobs])  # one syncfs on Linux
    # Where syncfs is unavailable every file and folder is fsynced instead.
    monkeypatch.setattr("eakte.blobs.store._syncfs", lambda path: False)
    store.make_durable([b.sha256 for b in blobs])
    with pytest.raises(FileNotFoundError):
        store.make_durable(["0" * 64])
    assert sorted(store.iter_hashes()) == sorted(b.sha256 for b in blobs)
