"""Reference (Aktenzeichen) rules.

A rule is a Python format string. Dossier rules may use ``{plan}`` (plan item code),
``{seq}`` (running number), ``{year}`` and ``{unit}`` (lead unit code); case rules use
``{dossier}`` (the dossier's reference), ``{seq}`` and ``{year}``. The running number counts per
*scope*: the combination of the other fields the rule uses, so that ``{plan}-{seq:04d}/{year}``
starts again at 1 for every plan item and year. Numbers are never reused.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from eakte.errors import ValidationError

DOSSIER_FIELDS = frozenset({"plan", "seq", "year", "unit"})
CASE_FIELDS = frozenset({"dossier", "seq", "year"})


def _fields_of(rule: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(rule))
    except ValueError as exc:
        raise ValidationError(f"Aktenzeichen-Regel {rule!r} ist fehlerhaft: {exc}") from exc
    return [name for _, name, _, _ in parsed if name is not None]


def _validate(rule: str, allowed: frozenset[str], required: set[str], what: str) -> None:
    fields = _fields_of(rule)
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            f"{what}-Regel {rule!r} enthält unbekannte Felder {sorted(unknown)}; "
            f"erlaubt sind {sorted(allowed)}."
        )
    missing = required - set(fields)
    if missing:
        raise ValidationError(f"{what}-Regel {rule!r} muss {sorted(missing)} enthalten.")
    try:
        rule.format(plan="1", seq=1, year=2026, unit="X", dossier="1-0001/2026")
    except (ValueError, KeyError, IndexError) as exc:
        raise ValidationError(f"{what}-Regel {rule!r} ist fehlerhaft: {exc}") from exc


def validate_dossier_rule(rule: str) -> None:
    """Raise ``ValidationError`` unless ``rule`` is a usable dossier reference rule."""
    _validate(rule, DOSSIER_FIELDS, {"seq", "plan"}, "Akten")


def validate_case_rule(rule: str) -> None:
    """Raise ``ValidationError`` unless ``rule`` is a usable case reference rule."""
    _validate(rule, CASE_FIELDS, {"seq", "dossier"}, "Vorgangs")


@dataclass(frozen=True)
class ReferenceRule:
    """A validated rule with the counter scope it implies."""

    rule: str
    kind: str  # "dossier" or "case"

    def scope(self, **values: object) -> str:
        """The counter scope: kind plus every non-``seq`` field the rule uses."""
        names = sorted({n for n in _fields_of(self.rule) if n != "seq"})
        return self.kind + "|" + "|".join(f"{n}={values[n]}" for n in names)

    def format(self, seq: int, **values: object) -> str:
        return self.rule.format(seq=seq, **values)


def dossier_rule(rule: str) -> ReferenceRule:
    validate_dossier_rule(rule)
    return ReferenceRule(rule, "dossier")


def case_rule(rule: str) -> ReferenceRule:
    validate_case_rule(rule)
    return ReferenceRule(rule, "case")
