"""Documentation that must stay true: settings, CLI reference, README commands."""

from pathlib import Path

from eakte.cli.reference import render
from eakte.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name}`" in text and f"`EAKTE_{name.upper()}`" in text, name


def test_cli_reference_is_generated_from_the_cli() -> None:
    assert (ROOT / "docs" / "cli.md").read_text() == render(), (
        "docs/cli.md is stale: run python -m eakte.cli.reference > docs/cli.md"
    )


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "./scripts/demo.sh" in readme
    assert "./scripts/test.sh" in readme
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    for script in ("demo.sh", "test.sh", "setup.sh"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, script
