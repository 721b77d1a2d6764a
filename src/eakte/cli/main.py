"""Entry point: the ``eakte`` command group and its error handling."""

from __future__ import annotations

import logging
import sys

import click
from pydantic import ValidationError as SettingsError
from sqlalchemy.exc import DBAPIError, OperationalError

from eakte import __version__
from eakte.cli import (
    access_cmd,
    admin,
    export_cmd,
    import_cmd,
    portfolio_cmd,
    records,
    resubmission_cmd,
    retention_cmd,
    search_cmd,
    worker_cmd,
)
from eakte.cli.context import App
from eakte.errors import EakteError
from eakte.settings import load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eakte")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """eakte – die E-Akte der Kreisverwaltung: Verwaltung über die Kommandozeile."""
    app = App(load_settings())
    ctx.obj = app
    ctx.call_on_close(app.close)


for command in (
    *admin.COMMANDS,
    *records.COMMANDS,
    *access_cmd.COMMANDS,
    *search_cmd.COMMANDS,
    *retention_cmd.COMMANDS,
    *resubmission_cmd.COMMANDS,
    *worker_cmd.COMMANDS,
    *portfolio_cmd.COMMANDS,
    *export_cmd.COMMANDS,
    *import_cmd.COMMANDS,
):
    cli.add_command(command)


def _fail(message: str) -> None:
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected errors become one line on stderr and exit status 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = cli.main(args=argv, prog_name="eakte", standalone_mode=False)
        if isinstance(result, int) and result:
            sys.exit(result)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        _fail("abgebrochen.")
    except click.ClickException as exc:
        _fail(exc.format_message())
    except EakteError as exc:
        _fail(exc.message)
    except SettingsError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "Einstellungen"
        _fail(f"Einstellung {where} ist ungültig: {first.get('msg')}")
    except OperationalError as exc:
        _fail(f"Datenbank nicht erreichbar oder gesperrt: {str(exc.orig).splitlines()[0]}")
    except DBAPIError as exc:
        _fail(f"Datenbankfehler: {str(exc.orig).splitlines()[0]}")
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        _fail(
            "abgebrochen; bereits abgelegte Stapel bleiben erhalten, ein erneuter Aufruf "
            "setzt fort."
        )
