"""What a user may read and write, as a set computed once per request (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReadScope:
    units: frozenset[int]  # dossiers led by these units are readable (and writable)
    dossiers: frozenset[int]  # dossiers granted for reading (includes ``write_dossiers``)
    write_dossiers: frozenset[int]  # dossiers granted for writing
    cases: frozenset[int]  # cases readable through an open routing step
    clearance: str

    def params(self) -> dict[str, Any]:
        return {
            "units": sorted(self.units) or [-1],
            "grant_dossiers": sorted(self.dossiers) or [-1],
            "grant_cases": sorted(self.cases) or [-1],
            "clearance": self.clearance,
        }

    @property
    def has_grants(self) -> bool:
        return bool(self.dossiers or self.cases)

    def reads(
        self, unit_id: int, dossier_id: int, confidentiality: str, case_id: int | None = None
    ) -> bool:
        if confidentiality > self.clearance:
            return False
        return (
            unit_id in self.units
            or dossier_id in self.dossiers
            or (case_id is not None and case_id in self.cases)
        )

    def writes(self, unit_id: int, dossier_id: int, confidentiality: str) -> bool:
        return confidentiality <= self.clearance and (
            unit_id in self.units or dossier_id in self.write_dossiers
        )
