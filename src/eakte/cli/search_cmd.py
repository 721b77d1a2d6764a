"""``eakte search``."""

from __future__ import annotations

import click

from eakte.cli.context import App, pass_app
from eakte.errors import ValidationError
from eakte.records.organisation import get_user
from eakte.search import search


@click.command("search", short_help="Volltextsuche mit Rechteprüfung.")
@click.argument("query")
@click.option(
    "--as",
    "login",
    envvar="EAKTE_USER",
    default=None,
    help="Anmeldename: gesucht wird in dem, was diese Person lesen darf.",
)
@click.option("--limit", default=10, show_default=True, help="Treffer pro Seite (1–200).")
@click.option("--offset", default=0, help="Treffer überspringen (Blättern).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def search_command(
    app: App, query: str, login: str | None, limit: int, offset: int, as_json: bool
) -> None:
    """Volltextsuche, z. B.: eakte search 'Bauantrag "neue Schule" -Turnhalle typ:pdf'."""
    if not login:
        raise ValidationError(
            "Bitte mit --as LOGIN angeben, als wer gesucht wird (oder EAKTE_USER setzen); "
            "die Suche zeigt nur, was diese Person lesen darf."
        )
    with app.require_schema().read() as connection:
        user = get_user(connection, login)
        result = search(
            connection,
            user,
            query,
            limit=limit,
            offset=offset,
            max_length=app.settings.max_query_length,
        )
    if as_json:
        app.emit_json(
            {
                "total": result.total,
                "hits": [
                    {
                        "document_id": h.document_id,
                        "reference": h.reference,
                        "title": h.title,
                        "snippet": h.snippet,
                        "score": h.score,
                        "dossier_reference": h.dossier_reference,
                        "kind": h.kind,
                        "state": h.state,
                        "document_date": h.document_date.isoformat(),
                    }
                    for h in result.hits
                ],
            }
        )
        return
    app.console.print(f"{result.total} Treffer")
    for number, hit in enumerate(result.hits, start=offset + 1):
        app.console.print(
            f"[bold]{number}. {_esc(hit.title)}[/bold]  {hit.reference}  "
            f"({hit.kind}, {hit.document_date:%d.%m.%Y})"
        )
        snippet = _esc(_unescape(hit.snippet))
        snippet = snippet.replace("\x01", "[reverse]").replace("\x02", "[/reverse]")
        app.console.print(f"   {snippet}")
        app.console.print(f"   [dim]{hit.document_id}[/dim]")


def _unescape(snippet: str) -> str:
    import html

    marked = snippet.replace("<mark>", "\x01").replace("</mark>", "\x02")
    return html.unescape(marked)


def _esc(value: str) -> str:
    return value.replace("[", "\\[")


COMMANDS = (search_command,)
