"""Pure domain rules of eakte: no I/O, no framework.

Exports file plan codes and import rows (``fileplan``), reference rules (``references``),
the org unit tree (``units``), record states and confidentiality (``records``) and the search
query language (``query``). Everything here is plain Python and unit-tested on its own.
"""
