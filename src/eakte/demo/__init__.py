"""``eakte demo``: a demo county with units, a file plan, people, dossiers, cases and documents
(letters as PDF, DOCX and ODT, notes, e-mails with attachments, a scanned page), all generated
here so that every view shows something real.

Exports ``build_demo``.
"""

from eakte.demo.build import build_demo

__all__ = ["build_demo"]
