"""Alembic environment: runs on the connection that ``eakte.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from eakte.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Migrations run through eakte.db.migrate.upgrade, not the alembic CLI.")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()
