"""Audit events in German, for the history shown on pages and exported as CSV.

``sentence(action, details, object_id)`` turns an event into one sentence with what matters of
its details (»Dokument »Bescheid.pdf« abgelegt (Version 1, 12 KB)«); an action without its own
wording reads as its label in ``ACTIONS_DE`` (or, unknown, as the action's name), followed by a
reason, remark or note it carries. A deputy's act ends with »(i.V. für …)«.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eakte.core.german import german_date, german_size
from eakte.core.routing import KIND_DE, OUTCOME_DE

# Action → what happened, as a person reads it in the history.
ACTIONS_DE = {
    "dossier.create": "Akte angelegt",
    "dossier.close": "Akte abgeschlossen (z.d.A.)",
    "dossier.reopen": "Akte wiedereröffnet",
    "case.reopen": "Vorgang wiedereröffnet",
    "unit.create": "Organisationseinheit angelegt",
    "user.create": "Person angelegt",
    "user.password": "Passwort gesetzt",
    "token.create": "API-Token erstellt",
    "token.revoke": "API-Token widerrufen",
    "login": "Angemeldet",
    "login.failed": "Anmeldung fehlgeschlagen",
    "plan.import": "Aktenplan eingelesen",
    "portfolio.import": "Projektliste des Portfolios eingelesen",
    "portfolio.staff": "Personal einer Portfolio-Rolle gesetzt",
    "portfolio.scenario": "Portfolio-Szenario gespeichert",
    "portfolio.snapshot": "Portfolio-Stand eingefroren",
    "portfolio.figure": "Kennzahl eines Projekts gesetzt",
    "case.create": "Vorgang angelegt",
    "case.close": "Vorgang abgeschlossen (z.d.A.)",
    "document.file": "Dokument abgelegt",
    "document.download": "Inhalt abgerufen",
    "dossier.grant": "Freigabe erteilt",
    "dossier.revoke": "Freigabe entzogen",
    "policy.set": "Regel für Leserechte geändert",
    "case.assign": "Bearbeitung übertragen",
    "document.update": "Angaben zum Dokument geändert",
    "document.version": "Neue Version abgelegt",
    "document.scan": "Gescannt übernommen (Transfervermerk)",
    "document.ocr": "Texterkennung abgeschlossen (PDF/A erzeugt)",
    "document.ocr_failed": "Texterkennung endgültig fehlgeschlagen",
    "document.ocr_retry": "Texterkennung neu eingeplant",
    "document.move": "Dokument einem anderen Vorgang zugeordnet",
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
    "retention.override": "Abweichende Aufbewahrungsfrist festgelegt",
    "retention.override_clear": "Abweichende Aufbewahrungsfrist aufgehoben",
    "retention.hold": "Aufbewahrungssperre gesetzt",
    "retention.release": "Aufbewahrungssperre aufgehoben",
    "disposal.create": "Aussonderungslauf zusammengestellt",
    "disposal.select": "In einen Aussonderungslauf aufgenommen",
    "disposal.offer": "Dem Archiv angeboten",
    "disposal.appraise": "Bewertung des Archivs eingetragen",
    "disposal.remove": "Aus dem Aussonderungslauf genommen",
    "disposal.cancel": "Aussonderungslauf abgebrochen",
    "disposal.complete": "Aussonderungslauf abgeschlossen",
    "dossier.hand_over": "An das Archiv übergeben",
    "dossier.destroy": "Vernichtet (Vernichtungsnachweis)",
    "dossier.archived": "Vom Archiv übernommen (0506); die Inhalte hier gelöscht",
    "xdomea.handover": "Als xdomea-Abgabe (0401) an eine andere Stelle übermittelt",
    "xdomea.import": "Aus einem xdomea-Paket übernommen (Abgabe oder Aussonderung)",
    "xdomea.offer": "Dem Archiv im xdomea-Anbieteverzeichnis (0501) angeboten",
    "xdomea.transfer": "Als xdomea-Aussonderung (0503) an das Archiv übermittelt",
}


def action_label(action: str) -> str:
    return ACTIONS_DE.get(action, action)


Names = Mapping[str, str]  # login → name of the person
_FREE_TEXT = (("reason", "Grund"), ("remarks", "Anmerkung"), ("note", "Vermerk"))
_MAX_FREE_TEXT = 300
_ROLES_DE = {
    "admin": "Administration",
    "registry": "Registratur",
    "clerk": "Sachbearbeitung",
    "reader": "Lesen",
    "portfolio": "Portfoliosteuerung",
}
_ACCESS_DE = {"read": "lesen", "write": "lesen und ablegen"}
_POLICIES_DE = {"superior_units_read": "Übergeordnete Einheiten lesen mit"}
_DOCUMENT_FIELDS_DE = {"title": "Titel", "document_date": "Datum"}


def _person(login: str | None, names: Names) -> str:
    return names.get(login, login) if login else ""


def _quoted(value: Any) -> str:
    return f"»{value}«"


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _MAX_FREE_TEXT else value[: _MAX_FREE_TEXT - 1] + "…"


def _record_created(kind: str) -> Callable[[Mapping[str, Any], str, Names], str]:
    def phrase(d: Mapping[str, Any], _id: str, _names: Names) -> str:
        subject = f" {_quoted(d['subject'])}" if d.get("subject") else ""
        return f"{kind} angelegt: {d.get('reference', '')}{subject}".rstrip(": ")

    return phrase


def _filed(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    name = d.get("filename") or d.get("title") or ""
    what = "Anhang" if d.get("attachment_of") else "Dokument"
    size = f", {german_size(d['size'])}" if isinstance(d.get("size"), int) else ""
    return f"{what} {_quoted(name)} abgelegt (Version {d.get('version', 1)}{size})"


def _new_version(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    size = f", {german_size(d['size'])}" if isinstance(d.get("size"), int) else ""
    name = f" {_quoted(d['filename'])}" if d.get("filename") else ""
    return f"Neue Version {d.get('number', '')} abgelegt:{name}{size}".replace(":,", ":")


def _downloaded(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    of = f" von {_quoted(d['filename'])}" if d.get("filename") else ""
    return f"Inhalt{of} abgerufen (Version {d.get('version', '?')})"


def _document_changed(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    changes = []
    for key, change in d.items():
        if isinstance(change, Mapping) and "to" in change:
            before, after = change.get("from"), change.get("to")
            if key == "document_date":
                before, after = german_date(before) or before, german_date(after) or after
            changes.append(
                f"{_DOCUMENT_FIELDS_DE.get(key, key)} {_quoted(before)} → {_quoted(after)}"
            )
    return "Angaben zum Dokument geändert" + (f": {', '.join(changes)}" if changes else "")


def _grantee(d: Mapping[str, Any], names: Names) -> str:
    if d.get("unit"):
        return f"Einheit {d['unit']}"
    return f"Person {_person(d.get('user'), names)}"


def _granted(d: Mapping[str, Any], _id: str, names: Names) -> str:
    access = _ACCESS_DE.get(d.get("access", ""), d.get("access", ""))
    return f"Freigabe für {_grantee(d, names)} erteilt ({access})"


def _revoked(d: Mapping[str, Any], _id: str, names: Names) -> str:
    access = _ACCESS_DE.get(d.get("access", ""), d.get("access", ""))
    return f"Freigabe für {_grantee(d, names)} entzogen ({access})"


def _policy(d: Mapping[str, Any], key: str, _names: Names) -> str:
    state = {"on": "eingeschaltet", "off": "ausgeschaltet"}.get(d.get("to", ""), d.get("to", ""))
    return f"Regel für Leserechte {_quoted(_POLICIES_DE.get(key, key))} {state}"


def _unit_created(d: Mapping[str, Any], code: str, _names: Names) -> str:
    parent = f", unter {d['parent']}" if d.get("parent") else ""
    return f"Organisationseinheit {code} angelegt ({d.get('name', '')}{parent})"


def _user_created(d: Mapping[str, Any], login: str, _names: Names) -> str:
    roles = ", ".join(_ROLES_DE.get(r, r) for r in d.get("roles", []))
    units = ", ".join(d.get("units", []))
    return (
        f"Person {login} angelegt ({d.get('name', '')}; Einheiten {units}; Rollen {roles}; "
        f"Vertraulichkeit bis {d.get('clearance', '')})"
    )


def _token(verb: str) -> Callable[[Mapping[str, Any], str, Names], str]:
    def phrase(d: Mapping[str, Any], login: str, _names: Names) -> str:
        return f"API-Token {_quoted(d.get('name', ''))} für {login} {verb}"

    return phrase


def _login(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    method = {"password": "Passwort", "oidc": "Single Sign-on"}.get(d.get("method", ""), "")
    linked = ", Konto verknüpft" if d.get("linked_subject") else ""
    return f"Angemeldet ({method}{linked})" if method else "Angemeldet"


def _login_failed(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    count = d.get("failed_logins")
    return (
        f"Anmeldung fehlgeschlagen ({count}. Fehlversuch)" if count else "Anmeldung fehlgeschlagen"
    )


def _plan_imported(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    return (
        f"Aktenplan eingelesen: {d.get('created', 0)} neu, {d.get('updated', 0)} geändert, "
        f"{d.get('unchanged', 0)} unverändert"
    )


def _routing_started(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    steps = d.get("steps") or []
    subject = f" {_quoted(d['subject'])}" if d.get("subject") else ""
    return f"Laufzettel versandt:{subject} ({len(steps)} Schritt{'e' if len(steps) != 1 else ''})"


def _routing_acted(d: Mapping[str, Any], _id: str, _names: Names) -> str:
    kind = KIND_DE.get(d.get("kind", ""), d.get("kind", "Schritt"))
    outcome = OUTCOME_DE.get(d.get("outcome", ""), d.get("outcome", "erledigt"))
    return f"Laufzettel, {kind}: {outcome}"


def _assigned(d: Mapping[str, Any], _id: str, names: Names) -> str:
    if not d.get("to"):
        return "Bearbeitung freigegeben (niemand zugewiesen)"
    return f"Bearbeitung übertragen an {_person(d['to'], names)}"


def _with_due_date(label: str) -> Callable[[Mapping[str, Any], str, Names], str]:
    def phrase(d: Mapping[str, Any], _id: str, _names: Names) -> str:
        due = german_date(d.get("due_on"))
        before = german_date(d.get("previous"))
        if before:
            return f"{label} auf {due} (vorher {before})"
        return f"{label}, fällig am {due}" if due else label

    return phrase


_PHRASES: dict[str, Callable[[Mapping[str, Any], str, Names], str]] = {
    "dossier.create": _record_created("Akte"),
    "case.create": _record_created("Vorgang"),
    "document.file": _filed,
    "document.version": _new_version,
    "document.download": _downloaded,
    "document.update": _document_changed,
    "dossier.grant": _granted,
    "dossier.revoke": _revoked,
    "policy.set": _policy,
    "unit.create": _unit_created,
    "user.create": _user_created,
    "user.password": lambda _d, login, _n: f"Passwort von {login} gesetzt",
    "token.create": _token("erstellt"),
    "token.revoke": _token("widerrufen"),
    "login": _login,
    "login.failed": _login_failed,
    "plan.import": _plan_imported,
    "routing.start": _routing_started,
    "routing.act": _routing_acted,
    "case.assign": _assigned,
    "resubmission.create": _with_due_date("Wiedervorlage angelegt"),
    "resubmission.done": _with_due_date("Wiedervorlage erledigt"),
    "resubmission.postpone": _with_due_date("Wiedervorlage verschoben"),
    "resubmission.delete": _with_due_date("Wiedervorlage gelöscht"),
}


def sentence(
    action: str, details: Mapping[str, Any], object_id: str = "", names: Names | None = None
) -> str:
    """One German sentence for an event; ``names`` turns logins in the details into names."""
    names = names or {}
    phrase = _PHRASES.get(action)
    try:
        text = phrase(details, object_id, names) if phrase else action_label(action)
    except (AttributeError, KeyError, TypeError, ValueError):  # details of an unexpected shape
        text = action_label(action)
    for key, label in _FREE_TEXT:
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            text += f" – {label}: {_clip(value)}"
    if details.get("acted_for"):
        text += f" (i.V. für {_person(details['acted_for'], names)})"
    return text


def logins_in(details: Mapping[str, Any]) -> set[str]:
    """Logins an event's details name (for ``sentence``'s ``names``)."""
    found = {details.get("acted_for"), details.get("user"), details.get("to")}
    return {value for value in found if isinstance(value, str) and value}
