"""The history section (Verlauf) of the dossier, case and document pages (apart from the router,
so that the page module can use it without an import cycle)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from eakte.audit.history import HistoryEntry
from eakte.records import listing

PAGE_PATHS = {"dossier": "/akten", "case": "/vorgaenge", "document": "/dokumente"}


@dataclass(frozen=True)
class HistorySection:
    kind: str
    record_id: str
    entries: list[HistoryEntry]
    older: int | None  # the number to page back from (»ältere Einträge«), if there are more
    paged: bool  # showing older entries, not the newest

    @property
    def csv_url(self) -> str:
        return f"{PAGE_PATHS[self.kind]}/{self.record_id}/verlauf.csv"

    @property
    def page_url(self) -> str:
        return f"{PAGE_PATHS[self.kind]}/{self.record_id}"


def history_section(
    connection: Connection, kind: str, record_id: str, before: int | None = None
) -> HistorySection:
    """The newest events (or those before event ``before``), a page at a time. A dossier's page
    leaves its documents' events to its cases' pages; its CSV holds them all."""
    found = listing.history(
        connection,
        kind,
        record_id,
        listing.HISTORY_PAGE + 1,
        before,
        documents=kind != "dossier",
    )
    shown = found[: listing.HISTORY_PAGE]
    older = shown[-1].id if len(found) > listing.HISTORY_PAGE else None
    return HistorySection(kind, record_id, shown, older, before is not None)
