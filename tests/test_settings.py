from pathlib import Path

import pytest
from pydantic import ValidationError as SettingsError

from eakte.settings import Settings, load_settings


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"EAKTE_{name.upper()}", raising=False)
    settings = load_settings()
    assert settings.data == Path("eakte-data")
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_blob_dir == (Path("eakte-data") / "blobs").resolve()


def test_toml_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "eakte.toml"
    config.write_text('data = "/srv/eakte"\ningest_batch_size = 7\n')
    monkeypatch.setenv("EAKTE_CONFIG", str(config))
    monkeypatch.setenv("EAKTE_INGEST_BATCH_SIZE", "9")
    settings = load_settings()
    assert settings.data == Path("/srv/eakte")
    assert settings.ingest_batch_size == 9


def test_bad_reference_rule_is_refused() -> None:
    with pytest.raises(SettingsError):
        Settings(dossier_reference_rule="{plan}-{year}")
    with pytest.raises(SettingsError):
        Settings(unknown_setting=1)  # type: ignore[call-arg]
