"""xdomea export (``eakte export``): Abgabe 0401, and 0501/0503 of a disposal run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.interchange import export as service
from eakte.interchange.model import DEFAULT_VERSION, VERSIONS, Package, Party
from eakte.records.organisation import User, get_user

_VERSION = click.option(
    "--version",
    "version",
    type=click.Choice(VERSIONS),
    default=DEFAULT_VERSION,
    show_default=True,
    help="xdomea-Version (3.0.0 ist verbindlich).",
)
_OUT = click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Ordner, in den das Paket geschrieben wird.",
)
_TO_KEY = click.option(
    "--to-key", default=None, help="Behördenkennung des Empfängers (sonst sein Name)."
)
_AS = click.option(
    "--as",
    "login",
    envvar="EAKTE_USER",
    default=None,
    help="Als diese Person (Rolle registry) statt als Betrieb (EAKTE_ACTOR).",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON ausgeben.")


@click.group("export")
def export() -> None:
    """Akten, Vorgänge und Dokumente als xdomea-Paket ausgeben."""


def _actor(app: App, login: str | None) -> User | str:
    if not login:
        return app.actor
    with app.require_schema().read() as connection:
        return get_user(connection, login)


def _receiver(name: str, key: str | None) -> Party:
    name = " ".join(name.split())
    if not name:
        raise click.UsageError("--to braucht den Namen der empfangenden Stelle.")
    return Party(key or name, name)


def _report(app: App, exported: service.Exported, as_json: bool) -> None:
    if as_json:
        app.emit_json(exported.as_dict())
        return
    click.echo(str(exported.path))


def _with_progress(app: App, show: bool, work: Callable[[Callable[[int], None], Any], Any]) -> Any:
    columns = (TextColumn("Paket"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=app.err, disable=not show, transient=True) as progress:
        task = progress.add_task("export", total=None)

        def sized(package: Package) -> None:
            progress.update(task, total=sum(1 for _ in package.files()))

        return work(lambda n: progress.advance(task, n), sized)


@export.command("xdomea")
@click.argument("refs", nargs=-1, required=True)
@_VERSION
@_OUT
@click.option("--to", "to", default="", help="Name der empfangenden Behörde.")
@_TO_KEY
@_AS
@_JSON
@pass_app
def export_xdomea(
    app: App,
    refs: tuple[str, ...],
    version: str,
    out_dir: Path,
    to: str,
    to_key: str | None,
    login: str | None,
    as_json: bool,
) -> None:
    """Abgabe (xdomea 0401): Akten, Vorgänge oder Dokumente (Aktenzeichen oder ID) mit allen
    Dateien als ZIP-Paket; gibt seinen Pfad aus."""
    db = app.require_schema()
    actor = _actor(app, login)
    receiver = _receiver(to or "nicht angegeben", to_key)
    exported = _with_progress(
        app,
        not as_json and stderr_is_tty(),
        lambda advance, sized: service.export_handover(
            db,
            app.blobs,
            app.settings,
            actor,
            list(refs),
            out_dir,
            receiver,
            version,
            progress=advance,
            on_package=sized,
        ),
    )
    _report(app, exported, as_json)


@export.command("offer")
@click.argument("run_id")
@_VERSION
@_OUT
@click.option("--to", "to", required=True, help="Name des Archivs.")
@_TO_KEY
@_AS
@_JSON
@pass_app
def export_offer(
    app: App,
    run_id: str,
    version: str,
    out_dir: Path,
    to: str,
    to_key: str | None,
    login: str | None,
    as_json: bool,
) -> None:
    """Anbieteverzeichnis (xdomea 0501) eines Aussonderungslaufs: nur Metadaten."""
    db = app.require_schema()
    exported = service.export_offer(
        db,
        app.blobs,
        app.settings,
        _actor(app, login),
        run_id,
        out_dir,
        _receiver(to, to_key),
        version,
    )
    _report(app, exported, as_json)


@export.command("transfer")
@click.argument("run_id")
@_VERSION
@_OUT
@click.option("--to", "to", required=True, help="Name des Archivs.")
@_TO_KEY
@_AS
@_JSON
@pass_app
def export_transfer(
    app: App,
    run_id: str,
    version: str,
    out_dir: Path,
    to: str,
    to_key: str | None,
    login: str | None,
    as_json: bool,
) -> None:
    """Aussonderung (xdomea 0503) eines bewerteten Laufs und zugleich sein Abschluss.

    Die Akten, die das Archiv übernimmt, gehen mit allen Dateien als ein Paket hinaus; die
    übrigen werden vernichtet (mit Vernichtungsnachweis). Paket und Abschluss gibt es nur
    zusammen; endgültig wie ``eakte disposal complete``. Die Importbestätigung (0506) nimmt
    ``eakte import xdomea`` entgegen."""
    db = app.require_schema()
    actor = _actor(app, login)
    done: service.Transfer = _with_progress(
        app,
        not as_json and stderr_is_tty(),
        lambda advance, _sized: service.transfer_and_complete(
            db,
            app.blobs,
            app.settings,
            actor,
            run_id,
            out_dir,
            _receiver(to, to_key),
            version,
            progress=advance,
        ),
    )
    completion = done.completion
    if as_json:
        app.emit_json(
            {
                "package": done.exported.as_dict() if done.exported else None,
                "handed_over": completion.handed_over,
                "destroyed": completion.destroyed,
                "erased_files": len(done.erased.removed),
            }
        )
        return
    if done.exported:
        click.echo(str(done.exported.path))
    click.echo(
        f"Lauf abgeschlossen: {len(completion.handed_over)} Akte(n) übergeben, "
        f"{len(completion.destroyed)} vernichtet ({len(done.erased.removed)} Datei(en) gelöscht).",
        err=True,
    )


COMMANDS = [export]
