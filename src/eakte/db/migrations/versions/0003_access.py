"""Access: explicit grants on dossiers; county-wide policies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name="fk_grants_dossier_id_dossiers"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name="fk_grants_unit_id_org_units"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_grants_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
    )
    op.create_index("ix_grants_dossier_id", "grants", ["dossier_id"])
    op.create_index("ix_grants_unit_id", "grants", ["unit_id"])
    op.create_index("ix_grants_user_id", "grants", ["user_id"])
    op.create_table(
        "policies",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_policies"),
    )


def downgrade() -> None:
    op.drop_table("policies")
    op.drop_index("ix_grants_user_id", table_name="grants")
    op.drop_index("ix_grants_unit_id", table_name="grants")
    op.drop_index("ix_grants_dossier_id", table_name="grants")
    op.drop_table("grants")
