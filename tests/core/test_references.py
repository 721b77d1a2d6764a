import pytest

from eakte.core.references import case_rule, dossier_rule, validate_dossier_rule
from eakte.errors import ValidationError


def test_default_rules_format_like_a_county_reference() -> None:
    rule = dossier_rule("{plan}-{seq:04d}/{year}")
    assert rule.format(42, plan="63.1.2", year=2026, unit="BAU") == "63.1.2-0042/2026"
    assert case_rule("{dossier}-{seq:03d}").format(3, dossier="63.1.2-0042/2026", year=2026) == (
        "63.1.2-0042/2026-003"
    )


def test_counter_scope_follows_the_fields_the_rule_uses() -> None:
    yearly = dossier_rule("{plan}-{seq:04d}/{year}")
    assert yearly.scope(plan="63.1.2", year=2026, unit="BAU") != yearly.scope(
        plan="63.1.2", year=2027, unit="BAU"
    )
    running = dossier_rule("{unit}/{plan}/{seq}")
    assert running.scope(plan="1", year=2026, unit="A") == running.scope(
        plan="1", year=2027, unit="A"
    )


@pytest.mark.parametrize("rule", ["{plan}-{year}", "{seq}", "{plan}-{seq}-{colour}", "{plan}-{seq"])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValidationError):
        validate_dossier_rule(rule)
