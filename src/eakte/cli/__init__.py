"""The ``eakte`` command line for administrators.

Every command prints readable output, or JSON with ``--json``. Exit status: 0 success, 1 a
user's error (one line on stderr), 2 damage found by ``eakte check`` or ``eakte audit verify``.
"""
