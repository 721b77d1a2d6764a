"""Portfolio: roles, projects with efforts per role, staff, scenarios, snapshots, the rollout
plan of the E-Akte per unit and key figures of projects.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portfolio_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_roles")),
        sa.UniqueConstraint("code", name=op.f("uq_portfolio_roles_code")),
    )
    op.create_table(
        "portfolio_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=200), server_default="", nullable=False),
        sa.Column("category", sa.String(length=100), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.Text(), server_default="{}", nullable=False),
        sa.Column("start_quarter", sa.Integer(), nullable=False),
        sa.Column("end_quarter", sa.Integer(), nullable=False),
        sa.Column("deadline_quarter", sa.Integer(), nullable=True),
        sa.Column("fixed", sa.Boolean(), nullable=False),
        sa.Column("depends_on", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_portfolio_projects_code")),
    )
    op.create_table(
        "portfolio_efforts",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("effort_hours", sa.Float(), server_default="0", nullable=False),
        sa.Column("operating_fte", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["portfolio_projects.id"],
            name=op.f("fk_portfolio_efforts_project_id_portfolio_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["portfolio_roles.id"],
            name=op.f("fk_portfolio_efforts_role_id_portfolio_roles"),
        ),
        sa.PrimaryKeyConstraint("project_id", "role_id", name=op.f("pk_portfolio_efforts")),
    )
    op.create_index("ix_portfolio_efforts_role_id", "portfolio_efforts", ["role_id"])
    op.create_table(
        "portfolio_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("headcount", sa.Float(), nullable=False),
        sa.Column("fte", sa.Float(), server_default="1", nullable=False),
        sa.Column("first_quarter", sa.Integer(), nullable=True),
        sa.Column("last_quarter", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["portfolio_roles.id"],
            name=op.f("fk_portfolio_staff_role_id_portfolio_roles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_staff")),
    )
    op.create_index(op.f("ix_portfolio_staff_role_id"), "portfolio_staff", ["role_id"])
    op.create_table(
        "portfolio_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("changes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_portfolio_scenarios_name")),
    )
    op.create_table(
        "portfolio_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("committee_date", sa.Date(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_snapshots")),
        sa.UniqueConstraint("name", name=op.f("uq_portfolio_snapshots_name")),
    )
    op.create_table(
        "portfolio_rollout",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("go_live", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["portfolio_projects.id"],
            name=op.f("fk_portfolio_rollout_project_id_portfolio_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_portfolio_rollout_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("project_id", "unit_id", name=op.f("pk_portfolio_rollout")),
    )
    op.create_table(
        "portfolio_key_figures",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["portfolio_projects.id"],
            name=op.f("fk_portfolio_key_figures_project_id_portfolio_projects"),
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "name", "month", name=op.f("pk_portfolio_key_figures")
        ),
    )


def downgrade() -> None:
    op.drop_table("portfolio_key_figures")
    op.drop_table("portfolio_rollout")
    op.drop_table("portfolio_snapshots")
    op.drop_table("portfolio_scenarios")
    op.drop_index(op.f("ix_portfolio_staff_role_id"), table_name="portfolio_staff")
    op.drop_table("portfolio_staff")
    op.drop_index("ix_portfolio_efforts_role_id", table_name="portfolio_efforts")
    op.drop_table("portfolio_efforts")
    op.drop_table("portfolio_projects")
    op.drop_table("portfolio_roles")
