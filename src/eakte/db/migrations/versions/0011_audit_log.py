"""The audit chain stored as the bytes its hashes cover: ``audit_log`` (number, body, previous
hash, hash) replaces the table ``audit_events``, which becomes a view reading the fields out of
the body (``eakte.audit.storage``), with an index on the body's object type and id.

Each event's body is its canonical JSON rebuilt from the old columns, as ``audit verify`` did:
an intact event keeps its hash, and an event altered before the migration stays altered (its
body no longer matches its hash). Details that are not JSON are kept as a JSON string, so the
view stays readable and verify names the event.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from eakte.audit.chain import details_text, event_text, utc_text
from eakte.audit.storage import OBJECT_INDEX, VIEW, create_view_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000

_old = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("details", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _details(stored: str) -> str:
    try:
        return details_text(json.loads(stored))
    except ValueError:
        return json.dumps(stored, ensure_ascii=False)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(_old).where(_old.c.id > after).order_by(_old.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            _log.insert(),
            [
                {
                    "id": r.id,
                    "body": event_text(
                        r.id,
                        utc_text(r.occurred_at),
                        r.actor,
                        r.action,
                        r.object_type,
                        r.object_id,
                        _details(r.details),
                    ),
                    "prev_hash": r.prev_hash,
                    "hash": r.hash,
                }
                for r in rows
            ],
        )
        after = rows[-1].id
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.drop_table("audit_events")
    op.execute(create_view_sql(bind.dialect.name))
    op.execute(OBJECT_INDEX[bind.dialect.name])


def downgrade() -> None:
    op.create_table(
        "audit_events_restored",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.execute(
        "INSERT INTO audit_events_restored SELECT id, occurred_at, actor, action, object_type, "
        f"object_id, details, prev_hash, hash FROM {VIEW}"
    )
    op.execute(f"DROP VIEW {VIEW}")
    op.drop_table("audit_log")
    op.rename_table("audit_events_restored", "audit_events")
    op.create_index(
        "ix_audit_events_object", "audit_events", ["object_type", "object_id"], unique=False
    )
