"""eakte: an open-source E-Akte (records and case management) for a county administration.

Capabilities live in their own packages: ``core`` (pure domain rules), ``records`` (file plan,
dossiers, cases, documents), ``ingest`` (filing files), ``search`` (German full-text search),
``audit`` (tamper-evident log), ``integrity`` (``eakte check``), ``demo`` (a demo county),
with adapters in ``db``, ``blobs`` and ``extract`` and the entry point in ``cli``.
"""

__version__ = "0.1.0"
