"""Background work: eakte worker, eakte jobs, eakte intake."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from eakte.cli.context import App, pass_app
from eakte.errors import ValidationError
from eakte.worker import jobs


def _summary_json(summary: object) -> dict[str, object]:
    from eakte.worker.runner import WorkerSummary

    assert isinstance(summary, WorkerSummary)
    left = summary.left
    return {
        "done": summary.outcomes["done"],
        "retry": summary.outcomes["retry"],
        "failed": summary.outcomes["failed"],
        "lost": summary.outcomes["lost"],
        "intake": dict(summary.intake),
        "left": left.__dict__ if left else None,
    }


@click.command()
@click.option("--until-idle", is_flag=True, help="Alles Anstehende erledigen, dann beenden.")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Gleichzeitige Texterkennungen (Standard: Einstellung worker_threads, mindestens 1).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def worker(app: App, until_idle: bool, threads: int | None, as_json: bool) -> None:
    """Hintergrundarbeit erledigen: Texterkennung (OCR) und Scan-Eingänge.

    Beliebig viele Worker dürfen gleichzeitig laufen (mit PostgreSQL auch auf mehreren
    Rechnern); jeder nimmt sich andere Dokumente. Wird ein Worker hart beendet, übernimmt ein
    anderer dessen Dokument, sobald die Frist (worker_lease_seconds) abgelaufen ist."""
    from eakte.worker.runner import Worker

    db = app.require_schema()
    count = threads or max(1, app.settings.worker_threads)
    runner = Worker(db, app.blobs, app.settings, threads=count)
    if not until_idle and not as_json:
        app.err.print(f"eakte worker läuft mit {count} Thread(s) (Beenden mit Strg+C).")
    summary = runner.run(until_idle=until_idle)
    result = _summary_json(summary)
    if as_json:
        app.emit_json(result)
        return
    left = summary.left
    app.console.print(
        f"Texterkennung: {result['done']} fertig, {result['retry']} zum erneuten Versuch "
        f"vorgemerkt, {result['failed']} fehlgeschlagen."
    )
    if summary.intake:
        app.console.print(
            f"Scan-Eingänge: {summary.intake['filed']} abgelegt, "
            f"{summary.intake['duplicates']} schon vorhanden, {summary.intake['failed']} Fehler."
        )
    if left and (left.later or left.running):
        app.console.print(
            f"Offen: {left.later} warten auf einen späteren Versuch, {left.running} laufen "
            "in einem anderen Worker."
        )


@click.group("jobs", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def jobs_group(ctx: click.Context, as_json: bool) -> None:
    """Hintergrundarbeit anzeigen: wartende, laufende und fehlgeschlagene Texterkennungen."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(App)
    assert app is not None
    with app.require_schema().read() as connection:
        rows = jobs.list_jobs(connection)
        left = jobs.outstanding(connection)
    if as_json:
        app.emit_json({"jobs": rows, "counts": left.__dict__})
        return
    if not rows:
        app.console.print("Keine Hintergrundarbeit offen.")
        return
    table = Table("Dokument", "Titel", "Vorgang", "Status", "Versuche", "Fehler")
    for row in rows:
        table.add_row(
            row["document"],
            row["title"],
            row["case"],
            row["status_label"],
            str(row["attempts"]),
            row["error"] or "",
        )
    app.console.print(table)


@jobs_group.command("retry")
@click.argument("documents", nargs=-1)
@click.option("--all-failed", is_flag=True, help="Alle fehlgeschlagenen Texterkennungen.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def jobs_retry(app: App, documents: tuple[str, ...], all_failed: bool, as_json: bool) -> None:
    """Texterkennung für DOCUMENTS (Kennungen) oder alle fehlgeschlagenen sofort neu
    einplanen."""
    if documents and all_failed:
        raise ValidationError("Bitte Dokumente angeben oder --all-failed, nicht beides.")
    with app.require_schema().write() as connection:
        uuids = jobs.retry(connection, list(documents), all_failed, app.actor)
    if as_json:
        app.emit_json({"retried": uuids})
    else:
        app.console.print(f"{len(uuids)} Dokument(e) neu eingeplant; »eakte worker« erledigt sie.")


@click.group()
def intake() -> None:
    """Scan-Eingänge (überwachte Ordner der Scanstelle, Einstellung scan_intakes)."""


@intake.command("run")
@click.option("--once", is_flag=True, help="Die Ordner einmal lesen und beenden.")
@click.option("--name", "names", multiple=True, help="Nur diesen Scan-Eingang; mehrfach möglich.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def intake_run(app: App, once: bool, names: tuple[str, ...], as_json: bool) -> None:
    """Dateien aus den Scan-Eingängen ablegen (mit Transfervermerk); ohne --once immer wieder
    im Abstand von intake_poll_seconds. Eine Datei verlässt den Ordner erst, wenn sie sicher
    gespeichert ist."""
    import time

    from eakte.scan.intake import run_intakes

    if not app.settings.scan_intakes:
        raise ValidationError(
            "Es sind keine Scan-Eingänge eingerichtet (Einstellung scan_intakes)."
        )
    known = {i.name for i in app.settings.scan_intakes}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(f"Scan-Eingang {unknown[0]!r} ist nicht eingerichtet.")
    db = app.require_schema()
    failed = 0
    while True:
        results = run_intakes(db, app.blobs, app.settings, list(names) or None)
        failed += sum(len(r.failed) for r in results)
        if as_json:
            app.emit_json([r.__dict__ for r in results])
        else:
            for r in results:
                if r.filed or r.duplicates or r.failed or once:
                    app.console.print(
                        f"{r.intake}: {r.filed} abgelegt, {r.duplicates} schon vorhanden, "
                        f"{len(r.failed)} Fehler."
                    )
                for problem in r.failed:
                    app.console.print(f"  [red]{problem['path']}[/red]: {problem['error']}")
        if once:
            break
        time.sleep(app.settings.intake_poll_seconds)
    if failed:
        sys.exit(1)


COMMANDS = (worker, jobs_group, intake)
