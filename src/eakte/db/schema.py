"""Tables of eakte (SQLAlchemy Core). Migrations in ``migrations/`` create them.

The full-text index is backend specific and created by the migration: an FTS5 table
``search_fts`` on SQLite, a ``search_index`` table with a GIN-indexed ``tsvector`` on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)

org_units = Table(
    "org_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", ForeignKey("org_units.id"), nullable=True),
    Column("created_at", TS, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    # Roles: admin, registry, clerk, reader (comma-separated); none of them bypasses reading
    # rights. clearance: the highest confidentiality level (001–005) the person may read.
    Column("roles", String(100), nullable=False, server_default="clerk"),
    Column("clearance", String(3), nullable=False, server_default="002"),
    Column("password_hash", String(200), nullable=True),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", TS, nullable=True),
    Column("oidc_subject", String(255), nullable=True, unique=True),
    # Where the daily digest of due resubmissions goes; none: no mail.
    Column("email", String(254), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("last_used_at", TS, nullable=True),
)

user_units = Table(
    "user_units",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("unit_id", ForeignKey("org_units.id"), primary_key=True),
)

plan_items = Table(
    "plan_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(160), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("parent_id", ForeignKey("plan_items.id"), nullable=True, index=True),
    Column("retention_years", Integer, nullable=True),
    Column("disposition", String(1), nullable=True),
    Column("lead_unit_id", ForeignKey("org_units.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("scope", String(400), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("reference", String(200), nullable=False, unique=True),
    Column("plan_item_id", ForeignKey("plan_items.id"), nullable=False, index=True),
    Column("lead_unit_id", ForeignKey("org_units.id"), nullable=False, index=True),
    Column("subject", String(500), nullable=False),
    Column("confidentiality", String(3), nullable=False, default="001"),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("closed_at", TS, nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
    # Set when the dossier left the county: handed_over (to the archive) | destroyed.
    Column("disposal", String(20), nullable=True),
    Column("disposed_at", TS, nullable=True),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("reference", String(220), nullable=False, unique=True),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("lead_unit_id", ForeignKey("org_units.id"), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("closed_at", TS, nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
)

contents = Table(
    "contents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    # Denormalised from the case's dossier so that search filters without extra joins.
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("unit_id", ForeignKey("org_units.id"), nullable=False, index=True),
    Column("parent_id", ForeignKey("documents.id"), nullable=True, index=True),
    Column("title", String(500), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("state", String(20), nullable=False),
    Column("extraction_error", Text, nullable=True),
    Column("document_date", Date, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("current_version", Integer, nullable=False, default=1),
    Column("row_version", Integer, nullable=False, default=1),
    Index("ix_documents_date", "document_date"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("content_sha256", ForeignKey("contents.sha256"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("document_id", "number"),
)

document_texts = Table(
    "document_texts",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", TS, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("object_type", String(20), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_object", "object_type", "object_id"),
)

# Explicit reading (or writing) rights on a dossier for an org unit or a person, beside the
# lead unit's own right. Exactly one of unit_id and user_id is set.
grants = Table(
    "grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("unit_id", ForeignKey("org_units.id"), nullable=True, index=True),
    Column("user_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("access", String(10), nullable=False),  # read | write
    Column("granted_at", TS, nullable=False),
    Column("granted_by", String(64), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
)

# County-wide rules an administrator may change at run time (e.g. whether units above a
# dossier's lead unit may read it). Absent keys take their documented default.
policies = Table(
    "policies",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# --- Lifecycle: routing, deputies, resubmissions, retention and disposal -------------------------

# A routing slip (Laufzettel) sends a case through ordered steps; steps with the same position
# run in parallel. State: open | completed | returned | cancelled.
routing_slips = Table(
    "routing_slips",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("subject", String(500), nullable=False),
    Column("state", String(20), nullable=False),
    Column("close_case", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("finished_at", TS, nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
)

# One step: kind acknowledge | cosign | sign; addressed to a person or an org unit's inbox.
# State: waiting (earlier steps still open) | open | done | returned | skipped.
# Outcome: acknowledged | approved | approved_with_remarks | rejected | signed.
# ``acted_for`` is the principal when a deputy acted (i.V.).
routing_steps = Table(
    "routing_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slip_id", ForeignKey("routing_slips.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("assignee_user_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("assignee_unit_id", ForeignKey("org_units.id"), nullable=True, index=True),
    Column("state", String(20), nullable=False),
    Column("outcome", String(30), nullable=True),
    Column("remarks", Text, nullable=False, server_default=""),
    Column("acted_by", String(64), nullable=True),
    Column("acted_for", String(64), nullable=True),
    Column("acted_at", TS, nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
)

# Who stands in for whom (Vertretung), and when a person is away.
deputies = Table(
    "deputies",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("deputy_id", ForeignKey("users.id"), primary_key=True),
    Column("created_at", TS, nullable=False),
)

absences = Table(
    "absences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
    Column("created_at", TS, nullable=False),
)

# Wiedervorlage: a case comes back on a date, for a person or a unit's inbox.
resubmissions = Table(
    "resubmissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("due_on", Date, nullable=False, index=True),
    Column("note", String(500), nullable=False, server_default=""),
    Column("for_user_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("for_unit_id", ForeignKey("org_units.id"), nullable=True, index=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("done_at", TS, nullable=True),
    Column("done_by", String(64), nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
)

# A dossier's own retention, overriding its plan item's rule (with a reason).
retention_overrides = Table(
    "retention_overrides",
    metadata,
    Column("dossier_id", ForeignKey("dossiers.id"), primary_key=True),
    Column("retention_years", Integer, nullable=False),
    Column("disposition", String(1), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("set_at", TS, nullable=False),
    Column("set_by", String(64), nullable=False),
)

# A legal hold stops the retention clock until lifted.
legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("reason", String(500), nullable=False),
    Column("placed_at", TS, nullable=False),
    Column("placed_by", String(64), nullable=False),
    Column("lifted_at", TS, nullable=True),
    Column("lifted_by", String(64), nullable=True),
    Column("lift_reason", String(500), nullable=True),
)

# A disposal run: selected → offered → appraised → completed (or cancelled).
disposal_runs = Table(
    "disposal_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("state", String(20), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("offered_at", TS, nullable=True),
    Column("completed_at", TS, nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
)

# One dossier in a run. Appraisal (the archive's decision): archive | destroy.
# Outcome: handed_over | destroyed.
disposal_items = Table(
    "disposal_items",
    metadata,
    Column("run_id", ForeignKey("disposal_runs.id"), primary_key=True),
    Column("dossier_id", ForeignKey("dossiers.id"), primary_key=True),
    Column("appraisal", String(10), nullable=True),
    Column("appraised_at", TS, nullable=True),
    Column("appraised_by", String(64), nullable=True),
    Column("outcome", String(20), nullable=True),
    Column("done_at", TS, nullable=True),
    Column("done_by", String(64), nullable=True),
    Index("ix_disposal_items_dossier_id", "dossier_id"),
)
