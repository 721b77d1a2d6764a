"""Interchange (xdomea): processes, their messages and per-object results, history received
with imported records, and where dossiers, cases and documents were imported from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
RECORD_TABLES = ("dossiers", "cases", "documents")


def upgrade() -> None:
    for table in RECORD_TABLES:
        # A plain column without constraints: added in place on both backends (a batch
        # rebuild on SQLite would fail on a filled database).
        op.add_column(table, sa.Column("imported_from", sa.String(length=36), nullable=True))
    op.create_table(
        "interchange_processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("partner", sa.String(length=300), server_default="", nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["disposal_runs.id"],
            name=op.f("fk_interchange_processes_run_id_disposal_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interchange_processes")),
        sa.UniqueConstraint(
            "process_id", "direction", name=op.f("uq_interchange_processes_process_id_direction")
        ),
    )
    op.create_index(op.f("ix_interchange_processes_run_id"), "interchange_processes", ["run_id"])
    op.create_table(
        "interchange_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_ref", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("version", sa.String(length=8), nullable=False),
        sa.Column("package_name", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("objects", sa.Integer(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_ref"],
            ["interchange_processes.id"],
            name=op.f("fk_interchange_messages_process_ref_interchange_processes"),
        ),
        sa.ForeignKeyConstraint(
            ["content_sha256"],
            ["contents.sha256"],
            name=op.f("fk_interchange_messages_content_sha256_contents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interchange_messages")),
    )
    op.create_index(
        op.f("ix_interchange_messages_process_ref"), "interchange_messages", ["process_ref"]
    )
    op.create_index(
        op.f("ix_interchange_messages_content_sha256"),
        "interchange_messages",
        ["content_sha256"],
    )
    op.create_table(
        "interchange_objects",
        sa.Column("process_ref", sa.Integer(), nullable=False),
        sa.Column("object_uuid", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=10), nullable=False),
        sa.Column("appraisal", sa.String(length=1), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.Column("result_message", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["process_ref"],
            ["interchange_processes.id"],
            name=op.f("fk_interchange_objects_process_ref_interchange_processes"),
        ),
        sa.PrimaryKeyConstraint("process_ref", "object_uuid", name=op.f("pk_interchange_objects")),
    )
    op.create_table(
        "foreign_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_uuid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), server_default="", nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_history")),
    )
    op.create_index(op.f("ix_foreign_history_object_uuid"), "foreign_history", ["object_uuid"])


def downgrade() -> None:
    op.drop_table("foreign_history")
    op.drop_table("interchange_objects")
    op.drop_table("interchange_messages")
    op.drop_table("interchange_processes")
    for table in RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("imported_from")
