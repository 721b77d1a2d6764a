"""OCR: scanned PDFs and images become a PDF/A with a German text layer (a rendition beside the
untouched original), its text searchable like any other.

``engine`` runs OCRmyPDF (Tesseract) on one file in a child process (``child``) and joins the
words broken at line ends in its text (``text``); ``service`` stores the result in the
database; the worker (``eakte.worker``) decides when. This package imports nothing itself, so
that the child process starts quickly.
"""
