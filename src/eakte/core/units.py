"""The org unit tree (Dezernat → Amt → Sachgebiet) as pure functions over parent links."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from eakte.errors import ValidationError

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def validate_unit_code(code: str) -> str:
    """Return the code stripped, or raise if it is not 1–32 letters, digits, ``.``, ``_``, ``-``."""
    code = code.strip()
    if not _CODE.match(code):
        raise ValidationError(
            f"Kürzel der Organisationseinheit {code!r} ist ungültig: erlaubt sind 1–32 Zeichen "
            "aus Buchstaben, Ziffern, Punkt, Unterstrich und Bindestrich."
        )
    return code


def descendants(roots: Iterable[int], parent_of: Mapping[int, int | None]) -> set[int]:
    """All units in ``roots`` and below them."""
    children: dict[int, list[int]] = {}
    for unit, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    result: set[int] = set()
    stack = list(roots)
    while stack:
        unit = stack.pop()
        if unit in result:
            continue
        result.add(unit)
        stack.extend(children.get(unit, ()))
    return result


def would_create_cycle(unit: int, new_parent: int, parent_of: Mapping[int, int | None]) -> bool:
    """True if making ``new_parent`` the parent of ``unit`` closes a loop."""
    current: int | None = new_parent
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current == unit:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False
