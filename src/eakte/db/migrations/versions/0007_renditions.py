"""Scans and OCR: renditions (the PDF/A with a text layer), scan records (Transfervermerk),
unit inboxes for scanned documents, and the bookkeeping of background work on documents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("job_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("job_next_at", TS, nullable=True))
        batch_op.add_column(sa.Column("job_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("job_claimed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("job_claimed_until", TS, nullable=True))
        batch_op.create_index("ix_documents_state", ["state"], unique=False)

    op.create_table(
        "renditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("tool", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_sha256"],
            ["contents.sha256"],
            name=op.f("fk_renditions_content_sha256_contents"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_renditions_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renditions")),
        sa.UniqueConstraint(
            "document_id", "version", "kind", name=op.f("uq_renditions_document_id_version_kind")
        ),
    )
    with op.batch_alter_table("renditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renditions_content_sha256"), ["content_sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_renditions_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "scan_records",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("intake", sa.String(length=100), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("scanned_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("device", sa.String(length=200), server_default="", nullable=False),
        sa.Column("profile", sa.String(length=100), server_default="", nullable=False),
        sa.Column("resolution_dpi", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.String(length=20), nullable=False),
        sa.Column("quality_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_scan_records_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_scan_records")),
    )

    op.create_table(
        "scan_inboxes",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_scan_inboxes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_scan_inboxes_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_scan_inboxes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_scan_inboxes_case_id")),
    )


def downgrade() -> None:
    op.drop_table("scan_inboxes")
    op.drop_table("scan_records")
    with op.batch_alter_table("renditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renditions_document_id"))
        batch_op.drop_index(batch_op.f("ix_renditions_content_sha256"))
    op.drop_table("renditions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_state")
        batch_op.drop_column("job_claimed_until")
        batch_op.drop_column("job_claimed_by")
        batch_op.drop_column("job_error")
        batch_op.drop_column("job_next_at")
        batch_op.drop_column("job_attempts")
