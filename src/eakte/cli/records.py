"""Dossiers, cases, filing and showing records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.errors import PermissionDeniedError
from eakte.ingest.batch import add_paths, count_files
from eakte.records import dossiers as dossier_service
from eakte.records.lookup import describe, require_writable
from eakte.records.organisation import get_user


@click.group()
def dossier() -> None:
    """Akten."""


@dossier.command("create")
@click.option("--plan", "plan_code", required=True, help="Aktenplankennzeichen, z. B. 63.1.2.")
@click.option("--subject", required=True, help="Betreff der Akte.")
@click.option("--unit", default=None, help="Federführende Einheit (sonst die der Position).")
@click.option("--confidentiality", default=None, help="001 (offen) bis 005.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def dossier_create(
    app: App,
    plan_code: str,
    subject: str,
    unit: str | None,
    confidentiality: str | None,
    as_json: bool,
) -> None:
    """Akte anlegen; gibt das Aktenzeichen aus."""
    with app.require_schema().write() as connection:
        created = dossier_service.create_dossier(
            connection, app.dossier_rule, plan_code, subject, unit, app.actor, confidentiality
        )
    if as_json:
        app.emit_json({"id": created.uuid, "reference": created.reference})
    else:
        click.echo(created.reference)


@dossier.command("close")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def dossier_close(app: App, reference: str, as_json: bool) -> None:
    """Akte abschließen (z.d.A.); danach ist ihr Inhalt schreibgeschützt."""
    with app.require_schema().write() as connection:
        closed = dossier_service.close_dossier(connection, reference, app.actor)
    if as_json:
        app.emit_json(
            {"id": closed.uuid, "reference": closed.reference, "closed_at": closed.closed_at}
        )
    else:
        click.echo(f"Akte {closed.reference} abgeschlossen (z.d.A.).")


@click.group("case")
def case_group() -> None:
    """Vorgänge."""


@case_group.command("create")
@click.option("--dossier", "dossier_ref", required=True, help="Aktenzeichen der Akte.")
@click.option("--subject", required=True, help="Betreff des Vorgangs.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def case_create(app: App, dossier_ref: str, subject: str, as_json: bool) -> None:
    """Vorgang in einer Akte anlegen; gibt sein Aktenzeichen aus."""
    with app.require_schema().write() as connection:
        created = dossier_service.create_case(
            connection, app.case_rule, dossier_ref, subject, app.actor
        )
    if as_json:
        app.emit_json({"id": created.uuid, "reference": created.reference})
    else:
        click.echo(created.reference)


@case_group.command("close")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def case_close(app: App, reference: str, as_json: bool) -> None:
    """Vorgang abschließen (z.d.A.)."""
    with app.require_schema().write() as connection:
        closed = dossier_service.close_case(connection, reference, app.actor)
    if as_json:
        app.emit_json(
            {"id": closed.uuid, "reference": closed.reference, "closed_at": closed.closed_at}
        )
    else:
        click.echo(f"Vorgang {closed.reference} abgeschlossen (z.d.A.).")


def _reopener(app: App, connection: Any, login: str | None, ref: str) -> str:
    """Who reopens: with ``--as``, that person, who needs the registry role and the right to
    write the record; without, the operator (EAKTE_ACTOR) as for every administrative command."""
    if not login:
        return app.actor
    person = get_user(connection, login)
    if not person.has_role("registry"):
        raise PermissionDeniedError(f"{login} fehlt die Rolle registry (Registratur).")
    require_writable(connection, ref, person)
    return person.login


_REASON = click.option(
    "--reason", required=True, help="Grund der Wiedereröffnung; steht im Protokoll."
)
_AS = click.option(
    "--as",
    "login",
    envvar="EAKTE_USER",
    default=None,
    help="Als diese Person (Rolle registry) statt als Betrieb (EAKTE_ACTOR).",
)


@dossier.command("reopen")
@click.argument("reference")
@_REASON
@_AS
@click.option("--json", "as_json", is_flag=True)
@pass_app
def dossier_reopen(app: App, reference: str, reason: str, login: str | None, as_json: bool) -> None:
    """Abgeschlossene Akte wiedereröffnen (nicht nach Abgabe oder Vernichtung)."""
    with app.require_schema().write() as connection:
        actor = _reopener(app, connection, login, reference)
        reopened = dossier_service.reopen_dossier(connection, reference, reason, actor)
    if as_json:
        app.emit_json({"id": reopened.uuid, "reference": reopened.reference, "closed": False})
    else:
        click.echo(f"Akte {reopened.reference} wiedereröffnet.")


@case_group.command("reopen")
@click.argument("reference")
@_REASON
@_AS
@click.option("--json", "as_json", is_flag=True)
@pass_app
def case_reopen(app: App, reference: str, reason: str, login: str | None, as_json: bool) -> None:
    """Abgeschlossenen Vorgang wiedereröffnen (seine Akte muss offen sein)."""
    with app.require_schema().write() as connection:
        actor = _reopener(app, connection, login, reference)
        reopened = dossier_service.reopen_case(connection, reference, reason, actor)
    if as_json:
        app.emit_json({"id": reopened.uuid, "reference": reopened.reference, "closed": False})
    else:
        click.echo(f"Vorgang {reopened.reference} wiedereröffnet.")


@click.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--case", "case_ref", required=True, help="Aktenzeichen des Vorgangs.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def add(app: App, paths: tuple[Path, ...], case_ref: str, as_json: bool) -> None:
    """Dateien und ganze Ordner in einen Vorgang ablegen (wiederholbar, nichts doppelt)."""
    db = app.require_schema()
    show = not as_json and stderr_is_tty()
    total = count_files(paths) if show else None
    columns = (TextColumn("Ablegen"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=app.err, disable=not show) as progress:
        task = progress.add_task("add", total=total)
        summary = add_paths(
            db,
            app.filer,
            case_ref,
            list(paths),
            app.actor,
            batch_size=app.settings.ingest_batch_size,
            workers=app.settings.ingest_workers,
            progress=lambda n: progress.advance(task, n),
        )
    result: dict[str, Any] = {
        "added": summary.added,
        "duplicates": summary.duplicates,
        "failed": summary.failed,
        "extraction_errors": summary.extraction_errors,
        "attachments": summary.attachments,
    }
    if as_json:
        app.emit_json(result)
        return
    click.echo(
        f"{summary.added} abgelegt ({summary.attachments} Anhänge), "
        f"{summary.duplicates} schon vorhanden, {summary.failed_count} fehlgeschlagen."
    )
    for item in summary.failed[:50]:
        click.echo(f"  nicht abgelegt: {item['path']}: {item['error']}")
    for item in summary.extraction_errors[:50]:
        click.echo(f"  abgelegt, aber ohne Text: {item['path']}: {item['error']}")


@click.command()
@click.argument("ref_or_id")
@click.option(
    "--as",
    "login",
    envvar="EAKTE_USER",
    default=None,
    help="Nur zeigen, was diese Person lesen darf.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app: App, ref_or_id: str, login: str | None, as_json: bool) -> None:
    """Akte, Vorgang oder Dokument anzeigen (nach Aktenzeichen oder ID)."""
    with app.require_schema().read() as connection:
        user = get_user(connection, login) if login else None
        record = describe(connection, ref_or_id, user)
    if as_json:
        app.emit_json(record)
        return
    _print_record(app, record)


LABELS = {
    "reference": "Aktenzeichen",
    "subject": "Betreff",
    "title": "Titel",
    "id": "ID",
    "plan_item": "Aktenplan",
    "plan_title": "Aktenplantitel",
    "lead_unit": "Federführung",
    "confidentiality": "Vertraulichkeit",
    "created_at": "angelegt",
    "created_by": "von",
    "closed_at": "abgeschlossen (z.d.A.)",
    "dossier": "Akte",
    "case": "Vorgang",
    "kind": "Typ",
    "media_type": "Format",
    "state_label": "Status",
    "extraction_error": "Fehler beim Auslesen",
    "document_date": "Datum",
    "attachment_of": "Anhang von",
}
TYPE_LABELS = {"dossier": "Akte", "case": "Vorgang", "document": "Dokument"}


def _print_record(app: App, record: dict[str, Any]) -> None:
    app.console.print(f"[bold]{TYPE_LABELS[record['type']]}[/bold]")
    for key, label in LABELS.items():
        if record.get(key) not in (None, ""):
            app.console.print(f"  {label}: {record[key]}", markup=False)
    for case in record.get("cases", []):
        state = " (z.d.A.)" if case["closed_at"] else ""
        app.console.print(
            f"  • {case['reference']}  {case['subject']}  [{case['documents']} Dokumente]{state}",
            markup=False,
        )
    for doc in record.get("documents", []):
        indent = "    ↳ " if doc["attachment_of"] else "  • "
        app.console.print(
            f"{indent}{doc['title']}  ({doc['kind']}, {doc['state']})  {doc['id']}", markup=False
        )
    for version in record.get("versions", []):
        app.console.print(
            f"  Version {version['number']}: {version['filename']}, "
            f"{version['size']} Bytes, SHA-256 {version['sha256']}",
            markup=False,
        )


COMMANDS = (dossier, case_group, add, show)
