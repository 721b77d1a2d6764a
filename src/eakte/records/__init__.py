"""Records: org units, users, the file plan, dossiers, cases and their documents.

Modules: ``organisation`` (units and users), ``fileplan`` (plan import and lookup),
``dossiers`` (dossiers and cases, references, closing), ``access`` (what a user may read),
``lookup`` (find any record by reference or id). Services take a connection and never commit.
"""
