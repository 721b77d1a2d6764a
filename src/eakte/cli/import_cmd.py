"""``eakte import xdomea``: take in an xdomea package (0401 Abgabe, 0503 Aussonderung)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.interchange.importer import import_package
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
@click.option("--plan", "plan_code", required=True, help="Aktenplanposition für die Akten.")
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
    plan_code: str,
    unit_code: str | None,
    login: str | None,
    as_json: bool,
) -> None:
    """xdomea-Paket (ZIP, 0401 oder 0503) übernehmen: ganz oder gar nicht."""
    db = app.require_schema()
    actor = _actor(app, login)
    show = not as_json and stderr_is_tty()
    columns = (TextColumn("Übernehmen"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=app.err, disable=not show) as progress:
        task = progress.add_task("import", total=_file_count(package) if show else None)
        result = import_package(
            db,
            app.blobs,
            app.settings,
            package,
            plan_code,
            actor,
            unit_code=unit_code,
            progress=lambda n: progress.advance(task, n),
        )
    if as_json:
        app.emit_json(result.as_dict())
        return
    kind = "Abgabe" if result.message == "0401" else "Aussonderung"
    click.echo(
        f"{kind} {result.process_id} übernommen: {len(result.dossiers)} Akte(n), "
        f"{result.cases} Vorgang/Vorgänge, {result.documents} Dokument(e), "
        f"{result.files} Datei(en)."
    )
    for uuid, reference in result.dossiers:
        click.echo(f"  {reference}  ({uuid})")
    if result.awaiting_ocr:
        click.echo(f"{result.awaiting_ocr} Dokument(e) warten auf Texterkennung.")


COMMANDS = [import_]
