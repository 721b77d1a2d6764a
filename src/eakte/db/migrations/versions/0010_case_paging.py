"""Cases of a dossier in the order they were opened, for the dossier page's paging: the index
on ``cases.dossier_id`` becomes one on (dossier_id, id), so that PostgreSQL reads a page of a
large dossier from the cursor on instead of sorting all its cases (SQLite's index already held
the row id; it gets the same index under the new name).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The new index first: the foreign key on dossier_id is never without an index.
    op.create_index("ix_cases_dossier_id_id", "cases", ["dossier_id", "id"], unique=False)
    op.drop_index("ix_cases_dossier_id", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_dossier_id", "cases", ["dossier_id"], unique=False)
    op.drop_index("ix_cases_dossier_id_id", table_name="cases")
