"""One typed settings object, built once at the entry point and passed down.

Every field can be set by an environment variable ``EAKTE_<FIELD>`` (for example
``EAKTE_DATABASE_URL``) or by a TOML file named in ``EAKTE_CONFIG``. Environment variables win
over the file. ``docs/settings.md`` documents each field; a test keeps both in step.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eakte.core.references import validate_case_rule, validate_dossier_rule
from eakte.errors import ValidationError


class ScanIntake(BaseModel):
    """One watched folder of the scan office (see ``scan_intakes``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="Name of the intake.")
    folder: Path = Field(description="Watched folder; only files directly in it are read.")
    case: str | None = Field(default=None, description="Target case (reference or id).")
    unit: str | None = Field(default=None, description="Target unit code: its inbox.")
    operator: str = Field(
        default="scanstelle", max_length=64, description="Who scans (recorded in the scan record)."
    )
    device: str = Field(default="", max_length=200, description="Scanner (make, model).")
    profile: str = Field(default="", max_length=100, description="Scan profile name.")
    resolution: int | None = Field(
        default=None, ge=50, le=2400, description="Resolution (dpi) the profile scans at."
    )
    done_folder: Path | None = Field(
        default=None,
        description="Where read files go after they are stored; default: they are deleted.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> ScanIntake:
        if (self.case is None) == (self.unit is None):
            raise ValueError(
                f"Posteingang {self.name!r}: bitte genau eines angeben, case oder unit."
            )
        return self


class Settings(BaseSettings):
    """Settings of one eakte installation."""

    model_config = SettingsConfigDict(env_prefix="EAKTE_", extra="forbid")

    data: Path = Field(
        default=Path("eakte-data"),
        description="Data folder: SQLite database and blob folder live here by default.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite file eakte.sqlite3 in the data folder. "
        "For PostgreSQL: postgresql+psycopg://user:password@host/dbname",
    )
    blob_dir: Path | None = Field(
        default=None, description="Folder for document bytes; default: blobs/ in the data folder."
    )
    dossier_reference_rule: str = Field(
        default="{plan}-{seq:04d}/{year}",
        description="Rule for dossier references. Fields: plan, seq, year, unit.",
    )
    case_reference_rule: str = Field(
        default="{dossier}-{seq:03d}",
        description="Rule for case references. Fields: dossier, seq, year.",
    )
    ingest_batch_size: int = Field(
        default=100, ge=1, le=10_000, description="Files filed per transaction by eakte add."
    )
    ingest_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes that extract text while eakte add commits.",
    )
    max_file_size: int = Field(
        default=1024 * 1024 * 1024,
        ge=1,
        description="Largest file accepted for filing, in bytes (default 1 GiB).",
    )
    max_request_size: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest request body the web server accepts (all files of one upload, an xdomea "
            "package), in bytes (default 2 GiB); a larger one is refused unread (413). Larger "
            "packages: eakte import xdomea."
        ),
    )
    max_query_length: int = Field(
        default=500, ge=10, description="Longest search query accepted, in characters."
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL (Keycloak, ADFS); unset: local accounts only.",
    )
    oidc_client_id: str = Field(default="eakte", description="OIDC client id.")
    oidc_client_secret: str = Field(default="", description="OIDC client secret.")
    oidc_redirect_url: str | None = Field(
        default=None,
        description="Redirect URI registered at the OIDC provider; default: "
        "<URL of the request>/login/oidc/callback (set it behind a reverse proxy).",
    )
    oidc_username_claim: str = Field(
        default="preferred_username",
        min_length=1,
        description="Claim that carries the eakte login on the first SSO login "
        "(Keycloak: preferred_username; ADFS: upn or unique_name).",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long SQLite waits for the writer lock."
    )
    public_url: str | None = Field(
        default=None,
        description="Address under which people reach eakte (https://eakte.kreis.de); "
        "links in e-mails start with it.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="Mail server for the daily digest of due resubmissions; unset: no mail.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the mail server.")
    smtp_starttls: bool = Field(
        default=False, description="Switch to TLS with STARTTLS after connecting (port 587)."
    )
    smtp_ssl: bool = Field(default=False, description="Connect with TLS from the start (465).")
    smtp_user: str | None = Field(default=None, description="Login at the mail server.")
    smtp_password: SecretStr | None = Field(
        default=None, description="Password at the mail server."
    )
    mail_from: str | None = Field(
        default=None, description="Sender address of the mails (eakte@kreis.de)."
    )

    web_request_threads: int | None = Field(
        default=None,
        ge=1,
        le=200,
        description=(
            "Requests one web server process works on at once (threads); unset: as many as the "
            "database pool keeps connections (20)."
        ),
    )
    worker_threads: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Worker threads for background work (OCR) inside eakte serve; 0 = none.",
    )
    worker_lease_seconds: int = Field(
        default=120,
        ge=2,
        le=86_400,
        description="How long a claimed job stays claimed without a heartbeat.",
    )
    worker_poll_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="How often an idle worker looks for work."
    )
    ocr_languages: str = Field(
        default="deu+eng",
        pattern=r"^[a-z_]{3,12}(\+[a-z_]{3,12})*$",
        description="Tesseract languages for OCR.",
    )
    ocr_jobs: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Pages OCRed at once per document; 0 = cores divided by worker threads.",
    )
    ocr_timeout_seconds: int = Field(
        default=1800, ge=10, description="Longest time one OCR run of a document may take."
    )
    ocr_max_attempts: int = Field(
        default=5, ge=1, le=100, description="OCR attempts before a document fails for good."
    )
    ocr_retry_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait before the first retry; it doubles with every further attempt.",
    )
    ocr_image_dpi: int = Field(
        default=300,
        ge=50,
        le=2400,
        description="Resolution assumed for images that do not state one.",
    )
    scan_intakes: list[ScanIntake] = Field(
        default_factory=list, description="Watched folders of the scan office."
    )
    scan_inbox_plan: str | None = Field(
        default=None,
        description="File plan item under which unit inboxes (Posteingang) are created.",
    )
    intake_poll_seconds: float = Field(
        default=10.0, gt=0, le=3600, description="How often the worker reads the scan intakes."
    )
    intake_settle_seconds: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="A file is read only once it has not changed for this long.",
    )
    portfolio_hours_per_fte_year: float = Field(
        default=1600.0,
        gt=0,
        le=2500,
        description="Working hours of one FTE per year (portfolio staffing arithmetic).",
    )
    portfolio_operations_share: float = Field(
        default=0.3,
        ge=0,
        lt=1,
        description="Share of existing staff's time taken by day-to-day operations.",
    )
    portfolio_lasting_quarters: int = Field(
        default=4, ge=1, le=40, description="Quarters a gap must stand to count as lasting."
    )
    portfolio_post_step: float = Field(
        default=0.5, gt=0, le=1, description="Posts are rounded up to multiples of this."
    )
    portfolio_max_shift_quarters: int = Field(
        default=4, ge=0, le=20, description="Levelling moves a start by at most this much."
    )
    portfolio_solver_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="Time limit of the levelling solver."
    )
    xdomea_schemas: Path | None = Field(
        default=None,
        description=(
            "Folder with the official xdomea schema sets, one subfolder per version "
            "(3.0.0/xdomea.xsd, 3.1.0/xdomea.xsd, and xoev/xoev-code.xsd beside them). "
            "Every message is validated against them offline before it is sent or filed; "
            "without them xdomea export and import refuse. Default: <data>/xdomea-schemas."
        ),
    )
    xdomea_authority: str = Field(
        default="LK-MUSTER",
        min_length=1,
        max_length=100,
        description="Our authority key (Behoerdenkennung) in xdomea message headers.",
    )
    xdomea_institution: str = Field(
        default="Landkreis Musterland",
        min_length=1,
        max_length=300,
        description="Our institution's name in xdomea message headers.",
    )
    xdomea_max_package_bytes: int = Field(
        default=20 * 1024**3,
        gt=0,
        description="Largest total size of the files in an xdomea package taken in (unpacked).",
    )
    xdomea_max_entries: int = Field(
        default=200_000, gt=0, description="Most files in an xdomea package taken in."
    )
    xdomea_max_ratio: int = Field(
        default=200,
        gt=1,
        description=(
            "Highest compression ratio of one file in an xdomea package taken in; a higher one "
            "is refused as a ZIP bomb."
        ),
    )
    xdomea_max_xml_bytes: int = Field(
        default=512 * 1024**2,
        gt=0,
        description="Largest message XML in an xdomea package taken in (unpacked).",
    )

    @field_validator("dossier_reference_rule")
    @classmethod
    def _check_dossier_rule(cls, value: str) -> str:
        try:
            validate_dossier_rule(value)
        except ValidationError as exc:  # pydantic reports ValueErrors as setting errors
            raise ValueError(exc.message) from exc
        return value

    @field_validator("case_reference_rule")
    @classmethod
    def _check_case_rule(cls, value: str) -> str:
        try:
            validate_case_rule(value)
        except ValidationError as exc:
            raise ValueError(exc.message) from exc
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("public_url beginnt mit http:// oder https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _intake_names_unique(self) -> Settings:
        names = [intake.name for intake in self.scan_intakes]
        if len(names) != len(set(names)):
            raise ValueError("Die Namen der Scan-Eingänge (scan_intakes) müssen eindeutig sein.")
        return self

    @model_validator(mode="after")
    def _one_tls_mode(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            raise ValueError("smtp_ssl und smtp_starttls schließen einander aus; bitte eines.")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data / 'eakte.sqlite3').resolve()}"

    @property
    def resolved_xdomea_schemas(self) -> Path:
        return (self.xdomea_schemas or self.data / "xdomea-schemas").resolve()

    @property
    def resolved_blob_dir(self) -> Path:
        return (self.blob_dir or self.data / "blobs").resolve()

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from ``EAKTE_CONFIG`` (TOML), the environment and ``overrides``."""
    file_values: dict[str, Any] = {}
    config_path = os.environ.get("EAKTE_CONFIG")
    if config_path:
        with open(config_path, "rb") as handle:
            file_values = tomllib.load(handle)
        env_fields = {
            name for name in Settings.model_fields if f"EAKTE_{name.upper()}" in os.environ
        }
        file_values = {k: v for k, v in file_values.items() if k not in env_fields}
    return Settings(**{**file_values, **overrides})
