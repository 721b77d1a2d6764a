"""Cases: the person working them (Bearbeitung), for the desk.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds a column with its reference in place; a batch rebuild of ``cases`` would
    # fail on a filled database (documents point at cases).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE cases ADD COLUMN assignee_id INTEGER REFERENCES users (id)")
    else:
        op.add_column("cases", sa.Column("assignee_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_cases_assignee_id_users", "cases", "users", ["assignee_id"], ["id"]
        )
    op.create_index("ix_cases_assignee_id", "cases", ["assignee_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cases_assignee_id_users", type_="foreignkey")
        batch_op.drop_index("ix_cases_assignee_id")
        batch_op.drop_column("assignee_id")
