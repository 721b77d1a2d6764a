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

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eakte.core.references import validate_case_rule, validate_dossier_rule
from eakte.errors import ValidationError


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
