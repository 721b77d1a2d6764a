"""Retention (``eakte retention``) and disposal runs (``eakte disposal``) for the registry."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.core.retention import OUTCOME_DE
from eakte.retention import holds, overrides, runs
from eakte.retention.destruction import Erasure, erase_contents
from eakte.retention.offer import build_offer, render_offer
from eakte.retention.status import RetentionView, list_due, retention_of

DATE = click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _german(value: date | datetime | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


@click.group()
def retention() -> None:
    """Aufbewahrung: Fristen, Abweichungen, Sperren, fällige Akten."""


@retention.command("due")
@click.option("--as-of", type=DATE, default=None, help="Stichtag (sonst heute).")
@click.option(
    "--plan", "plan_code", default=None, help="Nur diese Aktenplanposition (und darunter)."
)
@click.option(
    "--disposition", type=click.Choice(["A", "B", "V"]), default=None, help="Nur diese Art."
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_due(
    app: App, as_of: datetime | None, plan_code: str | None, disposition: str | None, as_json: bool
) -> None:
    """Aussonderungsreife Akten (und abgeschlossene Akten ohne Aufbewahrungsregel)."""
    with app.require_schema().read() as connection:
        report = list_due(connection, _day(as_of), plan_code, disposition)
    if as_json:
        app.emit_json(report.as_dict())
        return
    app.console.print(
        f"Stichtag {_german(report.as_of)}: {len(report.due)} Akte(n) aussonderungsreif."
    )
    if report.due:
        table = Table(
            "Aktenzeichen", "Betreff", "abgeschlossen", "Frist", "Art", "fällig seit", "Lauf"
        )
        for view in report.due:
            rule = view.rule
            table.add_row(
                view.reference,
                view.subject,
                _german(view.closed_at),
                f"{rule.years} J." if rule else "",
                rule.disposition.value if rule else "",
                _german(view.assessment.due_on),
                str(view.active_run or ""),
            )
        app.console.print(table)
    if report.without_rule:
        app.console.print(
            f"[bold]Ohne Aufbewahrungsregel[/bold] ({len(report.without_rule)}): bitte den "
            "Aktenplan ergänzen oder eine abweichende Frist festlegen."
        )
        for view in report.without_rule:
            app.console.print(
                f"  {view.reference}  {view.subject}  ({view.plan_code})", markup=False
            )


def _print_view(app: App, view: RetentionView) -> None:
    rule = view.rule
    lines = [
        ("Akte", f"{view.reference}  {view.subject}"),
        ("Aktenplan", f"{view.plan_code} {view.plan_title}"),
        ("Status", view.assessment.status_de),
        ("abgeschlossen", _german(view.closed_at) or "–"),
        (
            "Regel",
            f"{rule.years} Jahre, {rule.disposition.value} ({rule.source_de})" if rule else "–",
        ),
        ("Frist endet", _german(view.assessment.retention_ends) or "–"),
        ("aussonderungsreif ab", _german(view.assessment.due_on) or "–"),
    ]
    if view.override:
        lines.append(("Abweichung", f"{view.override.reason} ({view.override.set_by})"))
    if view.active_run:
        lines.append(("Aussonderungslauf", str(view.active_run)))
    for key, value in lines:
        app.console.print(f"  {key}: {value}", markup=False)
    for hold in view.holds:
        state = "aktiv" if hold.active else f"aufgehoben {_german(hold.lifted_at)}"
        app.console.print(
            f"  Sperre {hold.id} ({state}): {hold.reason} – {hold.placed_by}, "
            f"{_german(hold.placed_at)}",
            markup=False,
        )


@retention.command("show")
@click.argument("reference")
@click.option("--as-of", type=DATE, default=None, help="Stichtag (sonst heute).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_show(app: App, reference: str, as_of: datetime | None, as_json: bool) -> None:
    """Aufbewahrungsregel, Fristende und Sperren einer Akte."""
    with app.require_schema().read() as connection:
        view = retention_of(connection, reference, _day(as_of))
    if as_json:
        app.emit_json(view.as_dict())
    else:
        _print_view(app, view)


@retention.command("override")
@click.argument("reference")
@click.option("--years", type=int, default=None, help="Aufbewahrungsfrist in Jahren.")
@click.option("--disposition", type=click.Choice(["A", "B", "V"]), default=None)
@click.option("--clear", is_flag=True, help="Abweichung aufheben: die Regel des Aktenplans gilt.")
@click.option("--reason", required=True, help="Begründung (Pflicht; steht im Protokoll).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_override(
    app: App,
    reference: str,
    years: int | None,
    disposition: str | None,
    clear: bool,
    reason: str,
    as_json: bool,
) -> None:
    """Abweichende Aufbewahrungsfrist und Aussonderungsart für eine Akte festlegen."""
    wants_rule = years is not None or disposition is not None
    if clear == wants_rule or (wants_rule and (years is None or disposition is None)):
        raise click.UsageError("Entweder --years und --disposition angeben oder --clear.")
    with app.require_schema().write() as connection:
        if clear:
            view = overrides.clear_override(connection, reference, reason, app.actor)
        else:
            assert years is not None and disposition is not None
            view = overrides.set_override(
                connection, reference, years, disposition, reason, app.actor
            )
    if as_json:
        app.emit_json(view.as_dict())
        return
    rule = view.rule
    click.echo(
        f"Akte {view.reference}: "
        + (
            f"{rule.years} Jahre, {rule.disposition.value} ({rule.source_de})"
            if rule
            else "ohne Regel"
        )
        + (
            f", aussonderungsreif ab {_german(view.assessment.due_on)}."
            if view.assessment.due_on
            else "."
        )
    )


@retention.command("hold")
@click.argument("reference")
@click.option("--reason", required=True, help="Anlass der Sperre (Pflicht), z. B. ein Verfahren.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_hold(app: App, reference: str, reason: str, as_json: bool) -> None:
    """Aufbewahrungssperre setzen: die Akte wird nicht ausgesondert, solange sie gilt."""
    with app.require_schema().write() as connection:
        placed = holds.place_hold(connection, reference, reason, app.actor)
    if as_json:
        app.emit_json({"hold": placed.hold.id, "reference": placed.reference, "run": placed.run})
        return
    click.echo(f"Sperre {placed.hold.id} für Akte {placed.reference} gesetzt.")
    if placed.run:
        click.echo(
            f"Die Akte steht im Aussonderungslauf {placed.run}; er lässt sich erst abschließen, "
            f"wenn sie herausgenommen (eakte disposal remove {placed.run} {placed.reference}) "
            "oder die Sperre aufgehoben ist."
        )


@retention.command("release")
@click.argument("reference")
@click.option("--reason", required=True, help="Warum die Sperre endet (Pflicht).")
@click.option("--hold", "hold_id", type=int, default=None, help="Nummer der Sperre, wenn mehrere.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_release(
    app: App, reference: str, reason: str, hold_id: int | None, as_json: bool
) -> None:
    """Aufbewahrungssperre aufheben."""
    with app.require_schema().write() as connection:
        lifted = holds.lift_hold(connection, reference, reason, app.actor, hold_id)
    if as_json:
        app.emit_json({"hold": lifted.id, "reference": reference, "lifted_at": lifted.lifted_at})
    else:
        click.echo(f"Sperre {lifted.id} aufgehoben.")


@click.group()
def disposal() -> None:
    """Aussonderung: Läufe zusammenstellen, anbieten, bewerten, abschließen."""


def _print_run(app: App, run: runs.Run) -> None:
    app.console.print(
        f"Aussonderungslauf {run.id} – {run.state_label} (Version {run.row_version}), "
        f"angelegt {_german(run.created_at)} von {run.created_by}"
        + (f": {run.note}" if run.note else ""),
        markup=False,
    )
    table = Table("Aktenzeichen", "Betreff", "Art", "Bewertung", "Ergebnis")
    for item in run.items:
        rule = item.view.rule
        planned = item.planned
        result = item.outcome_label or (
            f"wird {OUTCOME_DE[planned]}" if planned else f"[red]{item.problem}[/red]"
        )
        table.add_row(
            item.view.reference,
            item.view.subject,
            rule.disposition.value if rule else "",
            item.appraisal_label,
            result,
        )
    app.console.print(table)


def _emit_run(app: App, run: runs.Run, as_json: bool) -> None:
    if as_json:
        app.emit_json(run.as_dict())
    else:
        _print_run(app, run)


@disposal.command("create")
@click.argument("references", nargs=-1, required=True)
@click.option("--note", default="", help="Vermerk zum Lauf.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_create(app: App, references: tuple[str, ...], note: str, as_json: bool) -> None:
    """Aussonderungslauf aus aussonderungsreifen Akten zusammenstellen."""
    with app.require_schema().write() as connection:
        run = runs.create_run(connection, list(references), app.actor, note)
    _emit_run(app, run, as_json)


@disposal.command("offer")
@click.argument("run_id")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Anbieteverzeichnis als CSV in diese Datei schreiben.",
)
@click.option("--json", "as_json", is_flag=True, help="Das Anbieteverzeichnis als JSON ausgeben.")
@pass_app
def disposal_offer(app: App, run_id: str, csv_file: Path | None, as_json: bool) -> None:
    """Lauf dem Archiv anbieten und das Anbieteverzeichnis ausgeben (erneut: nur ausgeben)."""
    db = app.require_schema()
    with db.write() as connection:
        run = runs.get_run(connection, run_id)
        if run.state == "selected":
            run = runs.offer_run(connection, run_id, app.actor)
        offer = build_offer(connection, run.id)
    if csv_file:
        csv_file.write_bytes(render_offer(offer, "csv")[0])
    if as_json:
        click.echo(render_offer(offer, "json")[0].decode("utf-8"))
        return
    click.echo(
        f"Aussonderungslauf {run.id} am {_german(run.offered_at)} angeboten: "
        f"{len(offer.dossiers)} Akte(n)"
        + (f", Anbieteverzeichnis in {csv_file}." if csv_file else ".")
    )


@disposal.command("appraise")
@click.argument("run_id")
@click.argument("reference")
@click.argument("appraisal", type=click.Choice(["archive", "destroy"]))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_appraise(app: App, run_id: str, reference: str, appraisal: str, as_json: bool) -> None:
    """Bewertung des Archivs für eine Akte eintragen: archive (übernehmen) oder destroy."""
    with app.require_schema().write() as connection:
        run = runs.record_appraisals(connection, run_id, {reference: appraisal}, app.actor)
    _emit_run(app, run, as_json)


@disposal.command("remove")
@click.argument("run_id")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_remove(app: App, run_id: str, reference: str, as_json: bool) -> None:
    """Eine Akte aus einem offenen Lauf nehmen (etwa wegen einer Sperre)."""
    with app.require_schema().write() as connection:
        run = runs.remove_from_run(connection, run_id, reference, app.actor)
    _emit_run(app, run, as_json)


@disposal.command("cancel")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_cancel(app: App, run_id: str, as_json: bool) -> None:
    """Einen nicht abgeschlossenen Lauf abbrechen; seine Akten werden wieder frei."""
    with app.require_schema().write() as connection:
        run = runs.cancel_run(connection, run_id, app.actor)
    _emit_run(app, run, as_json)


@disposal.command("complete")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_complete(app: App, run_id: str, as_json: bool) -> None:
    """Lauf abschließen: Akten übergeben oder vernichten (endgültig, mit Vernichtungsnachweis)."""
    db = app.require_schema()
    show = not as_json and stderr_is_tty()
    with db.read() as connection:
        total = len(runs.get_run(connection, run_id).items)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=app.err, disable=not show, transient=True) as progress:
        task = progress.add_task("Aussondern", total=total)
        with db.write() as connection:
            done = runs.complete_run(
                connection, run_id, app.actor, progress=lambda n: progress.advance(task, n)
            )
        erase = progress.add_task("Dateien löschen", total=len(done.hashes))
        erased = erase_contents(
            db, app.blobs, done.hashes, progress=lambda n: progress.advance(erase, n)
        )
    _report_completion(app, done, erased, as_json)


def _report_completion(app: App, done: runs.Completion, erased: Erasure, as_json: bool) -> None:
    if as_json:
        app.emit_json(
            {
                "run": done.run.id,
                "handed_over": done.handed_over,
                "destroyed": done.destroyed,
                "blobs_removed": len(erased.removed),
                "blobs_in_use": len(erased.in_use),
                "blobs_left": erased.stored_again,
            }
        )
        return
    click.echo(
        f"Aussonderungslauf {done.run.id} abgeschlossen: {len(done.handed_over)} Akte(n) an das "
        f"Archiv übergeben, {len(done.destroyed)} vernichtet; {len(erased.removed)} Datei(en) "
        f"gelöscht, {len(erased.in_use)} noch von anderen Akten gebraucht."
    )
    if erased.stored_again:
        click.echo(
            f"{len(erased.stored_again)} Datei(en) wurden gerade erneut abgelegt und bleiben; "
            "»eakte check --collect-orphans« entfernt sie, falls niemand sie braucht."
        )


@disposal.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_list(app: App, as_json: bool) -> None:
    """Aussonderungsläufe, die neuesten zuerst."""
    with app.require_schema().read() as connection:
        found = runs.list_runs(connection)
    if as_json:
        app.emit_json(
            [
                {
                    "id": r.id,
                    "state": r.state,
                    "note": r.note,
                    "created_at": r.created_at.isoformat(),
                    "created_by": r.created_by,
                    "dossiers": r.dossiers,
                }
                for r in found
            ]
        )
        return
    table = Table("Lauf", "Status", "Akten", "angelegt", "von", "Vermerk")
    for r in found:
        table.add_row(
            str(r.id), r.state_label, str(r.dossiers), _german(r.created_at), r.created_by, r.note
        )
    app.console.print(table)


@disposal.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def disposal_show(app: App, run_id: str, as_json: bool) -> None:
    """Ein Lauf mit seinen Akten, Bewertungen und dem, was der Abschluss täte."""
    with app.require_schema().read() as connection:
        run = runs.get_run(connection, run_id)
    _emit_run(app, run, as_json)


COMMANDS = (retention, disposal)
