"""``eakte check``: every blob's hash, every row's blob, orphaned blobs, the search index.

Exports ``check`` returning a ``CheckReport``; damage makes the CLI exit with status 2.
"""

from eakte.integrity.check import CheckReport, check

__all__ = ["CheckReport", "check"]
