"""Document bytes, content-addressed by SHA-256.

Exports ``BlobStore`` (the protocol every store implements) and ``FolderBlobStore`` (a local or
shared folder). An S3-compatible store comes later behind the same protocol.
"""

from eakte.blobs.store import BlobStore, FolderBlobStore, StoredBlob

__all__ = ["BlobStore", "FolderBlobStore", "StoredBlob"]
