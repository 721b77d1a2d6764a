"""``eakte import xdomea``: take in an xdomea message (packages 0401/0503 become records;
appraisals and confirmations go to their process; see ``interchange.inbox``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.interchange.inbox import receive
from eakte.records.organisation import User, get_user


@click.group(name="import")
def import_() -> None:
    """Pakete anderer Stellen übernehmen."""


def _actor(app: App, login: str | None) -> User | str:
    """With ``--as``, that person (who needs the registry role); else the operator."""
    if not login:
        return app.actor
    with app.require_schema().read() as connection:
        return get_user(connection, login)


def _file_count(path: Path) -> int:
    if not zipfile.is_zipfile(path):
        return 0
    with zipfile.ZipFile(path) as archive:
        return max(len(archive.infolist()) - 1, 0)


@import_.command("xdomea")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--plan",
    "plan_code",
    default=None,
    help="Aktenplanposition für die Akten (nötig bei 0401 und 0503).",
)
@click.option(
    "--unit",
    "unit_code",
    default=None,
    help="Federführung, wo die des Pakets hier unbekannt ist (sonst die der Position).",
)
@click.option(
    "--as",
    "login",
    envvar="EAKTE_USER",
    default=None,
    help="Als diese Person (Rolle registry) statt als Betrieb (EAKTE_ACTOR).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def import_xdomea(
    app: App,
    package: Path,
    plan_code: str | None,
    unit_code: str | None,
    login: str | None,
    as_json: bool,
) -> None:
    """xdomea-Nachricht empfangen (ZIP oder XML).

    Eine Abgabe (0401) oder Aussonderung (0503) wird ganz oder gar nicht als Akten übernommen
    (--plan nötig; auf eine 0401 wird die Importbestätigung 0402 in den Postausgang
    geschrieben); eine Bewertung (0502) trägt die Entscheidungen des Archivs in den
    Aussonderungslauf ein (Antwort 0505); Importbestätigungen (0402, 0506) und
    Empfangsbestätigungen werden ihrem Prozess zugeordnet."""
    db = app.require_schema()
    actor = _actor(app, login)
    show = not as_json and stderr_is_tty()
    columns = (TextColumn("Übernehmen"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=app.err, disable=not show) as progress:
        task = progress.add_task("import", total=_file_count(package) if show else None)
        received = receive(
            db,
            app.blobs,
            app.settings,
            actor,
            package,
            plan_code=plan_code,
            unit_code=unit_code,
            progress=lambda n: progress.advance(task, n),
        )
    if as_json:
        app.emit_json(received.as_dict())
        return
    result = received.imported
    if result is not None:
        kind = "Abgabe" if result.message == "0401" else "Aussonderung"
        click.echo(f"{kind} {result.process_id}: {received.summary}")
        for uuid, reference in result.dossiers:
            click.echo(f"  {reference}  ({uuid})")
    else:
        click.echo(received.summary)
    if received.reply:
        click.echo(f"Antwort im Postausgang: {received.reply}")


COMMANDS = [import_]
