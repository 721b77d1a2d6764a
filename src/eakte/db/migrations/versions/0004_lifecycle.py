"""Lifecycle: routing slips and steps, deputies and absences, resubmissions, retention
overrides, legal holds, disposal runs; dossiers record their disposal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disposal_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_runs")),
        sa.UniqueConstraint("uuid", name=op.f("uq_disposal_runs_uuid")),
    )
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_absences_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "deputies",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["users.id"], name=op.f("fk_deputies_deputy_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_deputies_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "deputy_id", name=op.f("pk_deputies")),
    )
    op.create_table(
        "disposal_items",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("appraisal", sa.String(length=10), nullable=True),
        sa.Column("appraised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appraised_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_disposal_items_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["disposal_runs.id"], name=op.f("fk_disposal_items_run_id_disposal_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "dossier_id", name=op.f("pk_disposal_items")),
    )
    with op.batch_alter_table("disposal_items", schema=None) as batch_op:
        batch_op.create_index("ix_disposal_items_dossier_id", ["dossier_id"], unique=False)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=64), nullable=True),
        sa.Column("lift_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_legal_holds_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "retention_overrides",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_retention_overrides_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_retention_overrides")),
    )
    op.create_table(
        "resubmissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("for_user_id", sa.Integer(), nullable=True),
        sa.Column("for_unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_resubmissions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["for_unit_id"], ["org_units.id"], name=op.f("fk_resubmissions_for_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["for_user_id"], ["users.id"], name=op.f("fk_resubmissions_for_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resubmissions")),
    )
    with op.batch_alter_table("resubmissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resubmissions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resubmissions_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resubmissions_for_unit_id"), ["for_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resubmissions_for_user_id"), ["for_user_id"], unique=False
        )

    op.create_table(
        "routing_slips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("close_case", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_routing_slips_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_slips")),
        sa.UniqueConstraint("uuid", name=op.f("uq_routing_slips_uuid")),
    )
    with op.batch_alter_table("routing_slips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_slips_case_id"), ["case_id"], unique=False)

    op.create_table(
        "routing_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("assignee_unit_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("remarks", sa.Text(), server_default="", nullable=False),
        sa.Column("acted_by", sa.String(length=64), nullable=True),
        sa.Column("acted_for", sa.String(length=64), nullable=True),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_unit_id"],
            ["org_units.id"],
            name=op.f("fk_routing_steps_assignee_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"], ["users.id"], name=op.f("fk_routing_steps_assignee_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["slip_id"], ["routing_slips.id"], name=op.f("fk_routing_steps_slip_id_routing_slips")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_steps")),
    )
    with op.batch_alter_table("routing_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_steps_assignee_unit_id"), ["assignee_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_routing_steps_assignee_user_id"), ["assignee_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_routing_steps_slip_id"), ["slip_id"], unique=False)

    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disposal", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("disposed_at")
        batch_op.drop_column("disposal")

    with op.batch_alter_table("routing_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_steps_slip_id"))
        batch_op.drop_index(batch_op.f("ix_routing_steps_assignee_user_id"))
        batch_op.drop_index(batch_op.f("ix_routing_steps_assignee_unit_id"))

    op.drop_table("routing_steps")
    with op.batch_alter_table("routing_slips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_slips_case_id"))

    op.drop_table("routing_slips")
    with op.batch_alter_table("resubmissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resubmissions_for_user_id"))
        batch_op.drop_index(batch_op.f("ix_resubmissions_for_unit_id"))
        batch_op.drop_index(batch_op.f("ix_resubmissions_due_on"))
        batch_op.drop_index(batch_op.f("ix_resubmissions_case_id"))

    op.drop_table("resubmissions")
    op.drop_table("retention_overrides")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_dossier_id"))

    op.drop_table("legal_holds")
    with op.batch_alter_table("disposal_items", schema=None) as batch_op:
        batch_op.drop_index("ix_disposal_items_dossier_id")

    op.drop_table("disposal_items")
    op.drop_table("deputies")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_user_id"))

    op.drop_table("absences")
    op.drop_table("disposal_runs")
