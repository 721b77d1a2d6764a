"""Retention and disposal: how long a dossier is kept, and what happens after.

Rules (``eakte.core.retention``): retention ends with the year of closing plus the period; the
dossier's override wins over its plan item, which inherits from its ancestors; a legal hold
stops the clock. Modules:

* ``status``: a dossier's rule, dates and holds (``retention_of``); the due list (``list_due``)
* ``overrides``: a dossier's own period and disposition, with a reason
* ``holds``: legal holds (Aufbewahrungssperren), placed and lifted with a reason
* ``runs``: disposal runs: select → offer → appraisal → complete (optimistic locking)
* ``offer``: the offer list for the archive (CSV, JSON; xdomea 0501 comes with interchange)
* ``destruction``: handing over, destroying with a destruction record, erasing the bytes

Services take a connection and never commit; ``destruction.erase_contents`` runs after the
commit, in its own transactions, because files cannot roll back.
"""
