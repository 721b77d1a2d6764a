"""Who did anything audited in which month (UTC): ``audit_actor_months``, filled from the audit
log once and then kept by every recorded event. The portfolio's rollout measure counts the
active people of a unit from it instead of reading the body of every event of the last year.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The month of each event, as a date (first day), per backend; times are UTC.
MONTH = {
    "sqlite": "substr(occurred_at, 1, 7) || '-01'",
    "postgresql": "date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date",
}


def upgrade() -> None:
    op.create_table(
        "audit_actor_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("month", "actor", name=op.f("pk_audit_actor_months")),
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO audit_actor_months (month, actor) SELECT DISTINCT {month}, actor "
        "FROM audit_events"
    )


def downgrade() -> None:
    op.drop_table("audit_actor_months")
