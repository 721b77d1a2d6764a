"""Initial schema: records, contents, audit, and the backend-specific full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
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
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "contents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_contents")),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )
    op.create_table(
        "reference_counters",
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_reference_counters")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=160), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=1), nullable=True),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["org_units.id"], name=op.f("fk_plan_items_lead_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["plan_items.id"], name=op.f("fk_plan_items_parent_id_plan_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_items_code")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_items_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "user_units",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_user_units_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_units_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "unit_id", name=op.f("pk_user_units")),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("plan_item_id", sa.Integer(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("confidentiality", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["org_units.id"], name=op.f("fk_dossiers_lead_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["plan_item_id"], ["plan_items.id"], name=op.f("fk_dossiers_plan_item_id_plan_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("reference", name=op.f("uq_dossiers_reference")),
        sa.UniqueConstraint("uuid", name=op.f("uq_dossiers_uuid")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossiers_lead_unit_id"), ["lead_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dossiers_plan_item_id"), ["plan_item_id"], unique=False
        )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=220), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_cases_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["org_units.id"], name=op.f("fk_cases_lead_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cases_uuid")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("extraction_error", sa.Text(), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_documents_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_documents_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["documents.id"], name=op.f("fk_documents_parent_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_documents_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("uuid", name=op.f("uq_documents_uuid")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_documents_date", ["document_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "document_texts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_texts_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_texts")),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_sha256"],
            ["contents.sha256"],
            name=op.f("fk_versions_content_sha256_contents"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_versions_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("document_id", "number", name=op.f("uq_versions_document_id_number")),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_versions_content_sha256"), ["content_sha256"], unique=False
        )
    _create_search_index()


def _create_search_index() -> None:
    """SQLite: an FTS5 table keyed by document id, whose ``acl`` column holds one token per
    reading right (``u<unit id>``) so that the permission filter runs inside the index.
    PostgreSQL: tsvector + GIN, filtered by an ordinary join.

    Both hold text already analysed by eakte.search.analyzer (lower case, stemmed, folded), so
    that both backends match exactly the same way.
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, subject, reference, body, acl, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        return
    op.create_table(
        "search_index",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_index_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("document_id", name="pk_search_index"),
    )
    op.execute("CREATE INDEX ix_search_index_tsv ON search_index USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    else:
        op.drop_table("search_index")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_versions_content_sha256"))

    op.drop_table("versions")
    op.drop_table("document_texts")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_unit_id"))
        batch_op.drop_index(batch_op.f("ix_documents_parent_id"))
        batch_op.drop_index(batch_op.f("ix_documents_dossier_id"))
        batch_op.drop_index("ix_documents_date")
        batch_op.drop_index(batch_op.f("ix_documents_case_id"))

    op.drop_table("documents")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_dossier_id"))

    op.drop_table("cases")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_plan_item_id"))
        batch_op.drop_index(batch_op.f("ix_dossiers_lead_unit_id"))

    op.drop_table("dossiers")
    op.drop_table("user_units")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_items_parent_id"))

    op.drop_table("plan_items")
    op.drop_table("users")
    op.drop_table("reference_counters")
    op.drop_table("org_units")
    op.drop_table("contents")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")

    op.drop_table("audit_events")
