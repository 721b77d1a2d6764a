"""The portfolio as values: roles, projects, staff lines, a plan, and the staffing rules.

Units, once for all: effort is in **hours** (the whole project's hours per role, spread evenly
over its quarters); operating load after go-live is in **FTE** (Vollzeitäquivalente) per role,
from the quarter after the project's end for as long as the horizon lasts; staff is headcount ×
average part-time factor per role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from eakte.core.portfolio.quarters import Quarter, span
from eakte.errors import ValidationError

STATUSES = {
    "idea": "Idee",
    "planned": "geplant",
    "running": "laufend",
    "paused": "pausiert",
    "done": "abgeschlossen",
}
# Projects in these states are not moved by levelling: they have started or are over.
STARTED = frozenset({"running", "done"})


def _frozen(values: Mapping[str, float] | None) -> Mapping[str, float]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Role:
    code: str
    name: str


@dataclass(frozen=True)
class Project:
    code: str
    title: str
    start: Quarter
    end: Quarter
    department: str = ""
    category: str = ""
    status: str = "planned"
    priority: int = 50  # 0–100, the higher the more important
    criteria: Mapping[str, float] = field(default_factory=lambda: _frozen(None))
    depends_on: tuple[str, ...] = ()
    effort_hours: Mapping[str, float] = field(default_factory=lambda: _frozen(None))
    operating_fte: Mapping[str, float] = field(default_factory=lambda: _frozen(None))
    deadline: Quarter | None = None  # the end must not lie after it
    fixed: bool = False  # levelling leaves the period as it is

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(f"Projekt {self.code}: das Ende liegt vor dem Beginn.")
        if self.status not in STATUSES:
            raise ValidationError(
                f"Projekt {self.code}: Status »{self.status}« unbekannt ({', '.join(STATUSES)})."
            )
        if not 0 <= self.priority <= 100:
            raise ValidationError(f"Projekt {self.code}: Priorität muss zwischen 0 und 100 liegen.")
        for role, hours in {**self.effort_hours, **self.operating_fte}.items():
            if hours < 0:
                raise ValidationError(f"Projekt {self.code}: negativer Aufwand für {role}.")
        object.__setattr__(self, "criteria", _frozen(self.criteria))
        object.__setattr__(self, "effort_hours", _frozen(self.effort_hours))
        object.__setattr__(self, "operating_fte", _frozen(self.operating_fte))

    @property
    def duration(self) -> int:
        """Number of quarters, both ends included."""
        return self.end - self.start + 1

    @property
    def quarters(self) -> range:
        return span(self.start, self.end)

    def shifted(self, quarters: int) -> Project:
        return replace(self, start=self.start + quarters, end=self.end + quarters)


@dataclass(frozen=True)
class StaffLine:
    """People of one role available from ``first`` to ``last`` (open ends: always)."""

    role: str
    headcount: float
    fte: float = 1.0  # average part-time factor of these people
    first: Quarter | None = None
    last: Quarter | None = None
    note: str = ""
    # None: the rules' operations share. New posts for the programme carry 0: all their hours
    # go to projects, so that one added post closes exactly one FTE of gap.
    operations_share: float | None = None

    def covers(self, value: Quarter) -> bool:
        return (self.first is None or self.first <= value) and (
            self.last is None or value <= self.last
        )

    @property
    def total_fte(self) -> float:
        return self.headcount * self.fte


@dataclass(frozen=True)
class Plan:
    """Everything the staffing arithmetic needs, for the quarters ``first`` … ``last``."""

    roles: tuple[Role, ...]
    projects: tuple[Project, ...]
    staff: tuple[StaffLine, ...]
    first: Quarter
    last: Quarter

    @property
    def quarters(self) -> range:
        return span(self.first, self.last)

    @property
    def role_codes(self) -> tuple[str, ...]:
        return tuple(role.code for role in self.roles)

    def project(self, code: str) -> Project:
        for candidate in self.projects:
            if candidate.code == code:
                return candidate
        raise ValidationError(f"Projekt {code} gibt es im Plan nicht.")


@dataclass(frozen=True)
class StaffingRules:
    """The settings of the arithmetic (see docs/settings.md for the defaults' sources)."""

    hours_per_fte_year: float = 1600.0
    operations_share: float = 0.3
    lasting_quarters: int = 4
    post_step: float = 0.5

    def __post_init__(self) -> None:
        if self.hours_per_fte_year <= 0:
            raise ValidationError("Die Jahresarbeitszeit je VZÄ muss größer als 0 sein.")
        if not 0 <= self.operations_share < 1:
            raise ValidationError(
                "Der Betriebsanteil muss zwischen 0 und 1 (ausschließlich) liegen."
            )
        if self.lasting_quarters < 1 or self.post_step <= 0:
            raise ValidationError("Dauerhaft-Regel und Stellenschritt müssen positiv sein.")

    @property
    def hours_per_fte_quarter(self) -> float:
        return self.hours_per_fte_year / 4
