"""German full-text search over document text and metadata, filtered by what the user may read.

Exports ``search`` (run a query as a user), ``SearchResult``/``SearchHit``, and the
analyzer used by indexing and querying alike. The index lives in the same database and is
written in the same transaction as the records (``indexer.py``).
"""

from eakte.search.service import SearchHit, SearchResult, search

__all__ = ["SearchHit", "SearchResult", "search"]
