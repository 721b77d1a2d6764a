"""Filing files into cases: store the bytes, extract the text, write records and index at once.

Exports ``Filer`` (prepare a file outside the transaction, commit it inside) and ``add_paths``
(files and whole folders, in batches, resumable).
"""

from eakte.ingest.batch import AddSummary, add_paths
from eakte.ingest.filing import FiledDocument, Filer, PreparedFile

__all__ = ["AddSummary", "FiledDocument", "Filer", "PreparedFile", "add_paths"]
