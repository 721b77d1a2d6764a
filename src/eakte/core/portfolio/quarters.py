"""Quarters as plain integers (``year * 4 + quarter - 1``), so that arithmetic is just ``+``.

Written as ``2026-Q3`` in files and JSON, as ``Q3/2026`` in German texts. Accepted on input:
``2026-Q3``, ``2026Q3``, ``Q3/2026``, ``Q3 2026``, ``3/2026`` and an ISO date (its quarter).
"""

from __future__ import annotations

import re
from datetime import date

from eakte.errors import ValidationError

Quarter = int

_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/ ]?\s*Q([1-4])$", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"^Q?([1-4])\s*[/ .]\s*(\d{4})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def quarter(year: int, number: int) -> Quarter:
    """The quarter ``number`` (1–4) of ``year``."""
    if not 1 <= number <= 4:
        raise ValidationError(f"Quartal {number} gibt es nicht (1 bis 4).")
    return year * 4 + number - 1


def of_date(day: date) -> Quarter:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def year_of(value: Quarter) -> int:
    return value // 4


def number_of(value: Quarter) -> int:
    return value % 4 + 1


def parse_quarter(text: str) -> Quarter:
    """A quarter from a file cell or a command line option."""
    cleaned = text.strip()
    if match := _YEAR_FIRST.match(cleaned):
        return quarter(int(match[1]), int(match[2]))
    if match := _QUARTER_FIRST.match(cleaned):
        return quarter(int(match[2]), int(match[1]))
    if match := _ISO_DATE.match(cleaned):
        try:
            return of_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            pass
    raise ValidationError(
        f"»{text}« ist kein Quartal; erwartet z. B. 2026-Q3, Q3/2026 oder 2026-07-01."
    )


def format_quarter(value: Quarter) -> str:
    """``2026-Q3``: the form in files and JSON."""
    return f"{year_of(value)}-Q{number_of(value)}"


def german_quarter(value: Quarter) -> str:
    """``Q3/2026``: the form in German texts."""
    return f"Q{number_of(value)}/{year_of(value)}"


def first_day(value: Quarter) -> date:
    return date(year_of(value), (number_of(value) - 1) * 3 + 1, 1)


def span(first: Quarter, last: Quarter) -> range:
    """The quarters from ``first`` to ``last``, both included."""
    return range(first, last + 1)
