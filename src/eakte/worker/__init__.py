"""Background work: claiming documents that wait for OCR from their own state (``jobs``) and
the worker threads that process them and read the scan intakes (``runner``)."""
