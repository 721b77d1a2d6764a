"""Scans: watched intake folders of the scan office with a scan record (Transfervermerk) per
document (``intake``), and unit inboxes from which documents are assigned to cases
(``inbox``)."""
