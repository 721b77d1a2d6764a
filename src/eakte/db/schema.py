"""Tables of eakte (SQLAlchemy Core). Migrations in ``migrations/`` create them.

The full-text index is backend specific and created by the migration: an FTS5 table
``search_fts`` on SQLite, a ``search_index`` table with a GIN-indexed ``tsvector`` on PostgreSQL.
So are the view ``audit_events`` over ``audit_log`` and its index (``audit.storage``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
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
    # Roles: admin, registry, clerk, reader, portfolio (comma-separated); none bypasses reading
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
    # The xdomea ProzessID this dossier came in with (imported from another system).
    Column("imported_from", String(36), nullable=True),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("reference", String(220), nullable=False, unique=True),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False),
    Column("lead_unit_id", ForeignKey("org_units.id"), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("closed_at", TS, nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("row_version", Integer, nullable=False, default=1),
    # The person working the case (Bearbeitung); it appears on their desk.
    Column("assignee_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("imported_from", String(36), nullable=True),  # xdomea ProzessID
    # A dossier's cases in the order they were opened (the dossier page pages through them).
    Index("ix_cases_dossier_id_id", "dossier_id", "id"),
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
    # Background work (OCR) is claimed from the document's own state: a worker sets
    # job_claimed_by/job_claimed_until (a lease it renews while it works); attempts count the
    # claims, job_next_at delays a retry (back-off), job_error is the last transient error.
    Column("job_attempts", Integer, nullable=False, server_default="0"),
    Column("job_next_at", TS, nullable=True),
    Column("job_error", Text, nullable=True),
    Column("job_claimed_by", String(120), nullable=True),
    Column("job_claimed_until", TS, nullable=True),
    Column("imported_from", String(36), nullable=True),  # xdomea ProzessID
    Index("ix_documents_date", "document_date"),
    Index("ix_documents_state", "state"),
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

# Derived forms of a document version (kind "pdfa": the searchable PDF/A from OCR). The
# original bytes stay untouched in ``versions``.
renditions = Table(
    "renditions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("content_sha256", ForeignKey("contents.sha256"), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("pages", Integer, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(120), nullable=False),  # the worker
    Column("tool", String(300), nullable=False),  # programs, versions, languages
    UniqueConstraint("document_id", "version", "kind"),
)

# The scan record (Transfervermerk, BSI TR-RESISCAN) of a document that came from a scan intake.
scan_records = Table(
    "scan_records",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("intake", String(100), nullable=False),
    Column("operator", String(64), nullable=False),  # who scanned (the intake's person)
    Column("source_name", String(255), nullable=False),  # file name in the intake folder
    Column("scanned_at", TS, nullable=False),  # time of the scan product (file time)
    Column("received_at", TS, nullable=False),  # stored in eakte
    Column("device", String(200), nullable=False, server_default=""),
    Column("profile", String(100), nullable=False, server_default=""),
    Column("resolution_dpi", Integer, nullable=True),
    Column("pages", Integer, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("quality", String(20), nullable=False),  # passed | failed
    Column("quality_note", Text, nullable=False, server_default=""),
)

# The inbox (Posteingang) of an org unit: a case that holds scanned documents until someone
# assigns them to their case. Created on first use.
scan_inboxes = Table(
    "scan_inboxes",
    metadata,
    Column("unit_id", ForeignKey("org_units.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
)

# The audit chain: each event as the bytes its hash covers (``body``, the canonical JSON) and
# the hashes (``audit.storage``). The migrations add an index on the body's object type and id.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Who did anything audited in which month (UTC), kept as events are recorded: the active people
# of the portfolio's rollout measure, without reading every event's body for it.
audit_actor_months = Table(
    "audit_actor_months",
    metadata,
    Column("month", Date, primary_key=True),  # first day of the month
    Column("actor", String(64), primary_key=True),
)

# Views the migrations create; they are read like tables but are not tables of ``metadata``.
views = MetaData()

# The audit events as fields, read out of ``audit_log.body``: what every reader of the audit uses.
audit_events = Table(
    "audit_events",
    views,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", TS, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("object_type", String(20), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
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

# --------------------------------------------------------------------------- interchange
# xdomea processes (eakte.interchange): an Abgabe (0401 → 0402/0403) or an Aussonderung
# (0501 → 0502 → 0503 → 0506) sent by us (direction "out") or received ("in"). Every message
# that went out or came in is kept as sent, its ZIP in the blob store (proof of what was
# handed over), with the per-object results and appraisals the other side returned.
interchange_processes = Table(
    "interchange_processes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("process_id", String(36), nullable=False),  # xdomea ProzessID
    Column("direction", String(3), nullable=False),  # out | in
    Column("kind", String(20), nullable=False),  # abgabe | aussonderung
    Column("state", String(20), nullable=False),
    Column("partner", String(300), nullable=False, server_default=""),
    Column("run_id", ForeignKey("disposal_runs.id"), nullable=True, index=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("row_version", Integer, nullable=False, default=1),
    UniqueConstraint("process_id", "direction"),
)

interchange_messages = Table(
    "interchange_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("process_ref", ForeignKey("interchange_processes.id"), nullable=False, index=True),
    Column("code", String(4), nullable=False),  # 0401, 0502, …
    Column("direction", String(3), nullable=False),  # out | in
    Column("version", String(8), nullable=False),  # xdomea 3.0.0 | 3.1.0
    Column("package_name", String(200), nullable=False),
    Column("content_sha256", ForeignKey("contents.sha256"), nullable=True, index=True),
    Column("size", BigInteger, nullable=False, server_default="0"),
    Column("objects", Integer, nullable=False, server_default="0"),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
)

# Per object of a process: what the other side decided (appraisal A/B/V from a 0502) and
# what it reported (0402/0506: ok or the error text).
interchange_objects = Table(
    "interchange_objects",
    metadata,
    Column("process_ref", ForeignKey("interchange_processes.id"), primary_key=True),
    Column("object_uuid", String(36), primary_key=True),
    Column("object_type", String(10), nullable=False),  # dossier | case | document
    Column("appraisal", String(1), nullable=True),
    Column("result", String(10), nullable=True),  # ok | error
    Column("result_message", Text, nullable=False, server_default=""),
    Column("updated_at", TS, nullable=False),
)

# History that came with imported records (HistorienProtokollInformation). It is the other
# system's account, kept and handed on as received; our own audit chain records the import.
foreign_history = Table(
    "foreign_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_uuid", String(36), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("at", TS, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", Text, nullable=False),
    Column("details", Text, nullable=False, server_default=""),
    Column("process_id", String(36), nullable=False),
)

# Every table whose rows point a document (``document_id``) at stored bytes (``content_sha256``,
# with ``created_at``). Bytes are needed while such a row belongs to a document that is not
# destroyed; ``eakte check`` and the erasure after a destruction ask exactly this.
CONTENT_TABLES: tuple[Table, ...] = (versions, renditions)

# --------------------------------------------------------------------------- portfolio
# The IT department's digitalisation projects and the staff they need (eakte.portfolio).
# Quarters are integers: year * 4 + quarter - 1 (see eakte.core.portfolio.quarters).

portfolio_roles = Table(
    "portfolio_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
)

portfolio_projects = Table(
    "portfolio_projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("department", String(200), nullable=False, server_default=""),
    Column("category", String(100), nullable=False, server_default=""),
    Column("status", String(20), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("criteria", Text, nullable=False, server_default="{}"),  # JSON: criterion → score
    Column("start_quarter", Integer, nullable=False),
    Column("end_quarter", Integer, nullable=False),
    Column("deadline_quarter", Integer, nullable=True),
    Column("fixed", Boolean, nullable=False),
    Column("depends_on", String(1000), nullable=False, server_default=""),  # codes, comma-separated
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Effort (hours over the whole period) and operating load after go-live (FTE) per role.
portfolio_efforts = Table(
    "portfolio_efforts",
    metadata,
    Column("project_id", ForeignKey("portfolio_projects.id"), primary_key=True),
    Column("role_id", ForeignKey("portfolio_roles.id"), primary_key=True),
    Column("effort_hours", Float, nullable=False, server_default="0"),
    Column("operating_fte", Float, nullable=False, server_default="0"),
    Index("ix_portfolio_efforts_role_id", "role_id"),
)

portfolio_staff = Table(
    "portfolio_staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("role_id", ForeignKey("portfolio_roles.id"), nullable=False, index=True),
    Column("headcount", Float, nullable=False),
    Column("fte", Float, nullable=False, server_default="1"),
    Column("first_quarter", Integer, nullable=True),
    Column("last_quarter", Integer, nullable=True),
    Column("note", String(300), nullable=False, server_default=""),
)

# A scenario: change lines (eakte.core.portfolio.scenarios) on top of the current plan.
portfolio_scenarios = Table(
    "portfolio_scenarios",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", String(1000), nullable=False, server_default=""),
    Column("changes", Text, nullable=False, server_default=""),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
)

# A frozen plan (JSON of roles, projects, staff, horizon) for a committee session.
portfolio_snapshots = Table(
    "portfolio_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("committee_date", Date, nullable=True),
    Column("plan", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
)

# Departments (org units) an E-Akte style rollout project brings live, with the planned date.
portfolio_rollout = Table(
    "portfolio_rollout",
    metadata,
    Column("project_id", ForeignKey("portfolio_projects.id"), primary_key=True),
    Column("unit_id", ForeignKey("org_units.id"), primary_key=True),
    Column("go_live", Date, nullable=False),
)

# Key figures of a project over time (e.g. a campaign's reach per channel), one per month.
portfolio_key_figures = Table(
    "portfolio_key_figures",
    metadata,
    Column("project_id", ForeignKey("portfolio_projects.id"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("month", Date, primary_key=True),  # first day of the month
    Column("value", Float, nullable=False),
)
