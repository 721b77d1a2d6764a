"""Audit events in German, for the history shown on pages and exported as CSV."""

from __future__ import annotations

# Action → what happened, as a person reads it in the history.
ACTIONS_DE = {
    "dossier.create": "Akte angelegt",
    "dossier.close": "Akte abgeschlossen (z.d.A.)",
    "case.create": "Vorgang angelegt",
    "case.close": "Vorgang abgeschlossen (z.d.A.)",
    "document.file": "Dokument abgelegt",
    "document.download": "Inhalt abgerufen",
    "dossier.grant": "Freigabe erteilt",
    "dossier.revoke": "Freigabe entzogen",
    "policy.set": "Regel für Leserechte geändert",
    "document.update": "Angaben zum Dokument geändert",
    "document.version": "Neue Version abgelegt",
    "routing.start": "Laufzettel versandt",
    "routing.act": "Laufzettel-Schritt erledigt",
    "routing.complete": "Laufzettel abgeschlossen",
    "routing.return": "Laufzettel zurückgegeben",
    "routing.cancel": "Laufzettel zurückgezogen",
    "user.deputies": "Vertretung geändert",
    "user.absence": "Abwesenheit eingetragen",
    "user.absence_removed": "Abwesenheit gelöscht",
    "resubmission.create": "Wiedervorlage angelegt",
    "resubmission.done": "Wiedervorlage erledigt",
    "resubmission.postpone": "Wiedervorlage verschoben",
    "resubmission.delete": "Wiedervorlage gelöscht",
    "resubmission.digest": "Erinnerung an fällige Wiedervorlagen gemailt",
    "user.email": "E-Mail-Adresse geändert",
}


def action_label(action: str) -> str:
    return ACTIONS_DE.get(action, action)
