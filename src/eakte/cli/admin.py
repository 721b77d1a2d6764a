"""Administration: init, org units, users, file plan, check, audit, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import Progress
from rich.table import Table

from eakte import audit
from eakte.audit.history import HistoryEntry, csv_chunks
from eakte.auth import service as auth
from eakte.auth.passwords import MIN_LENGTH, hash_password
from eakte.cli.context import App, pass_app, stderr_is_tty
from eakte.core.fileplan import parse_plan_csv, parse_plan_json
from eakte.core.german import german_datetime
from eakte.db.migrate import upgrade
from eakte.errors import ValidationError
from eakte.integrity.check import check, count_contents
from eakte.records import fileplan, organisation
from eakte.records.listing import history_pages
from eakte.records.lookup import describe


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@pass_app
def init(app: App, as_json: bool) -> None:
    """Datenordner und Datenbank anlegen oder auf den aktuellen Stand bringen."""
    if app.db.is_sqlite:
        app.settings.data.mkdir(parents=True, exist_ok=True)
    app.blobs.ensure()
    upgrade(app.db)
    result = {
        "data": str(app.settings.data.resolve()),
        "database": app.db.backend,
        "blobs": str(app.blobs.root),
    }
    if as_json:
        app.emit_json(result)
    else:
        app.console.print(f"eakte ist eingerichtet: {result['data']} ({app.db.backend}).")


@click.group()
def unit() -> None:
    """Organisationseinheiten (Ämter, Sachgebiete)."""


@unit.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Name, z. B. »Bauamt«.")
@click.option("--parent", default=None, help="Kürzel der übergeordneten Einheit.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def unit_add(app: App, code: str, name: str, parent: str | None, as_json: bool) -> None:
    """Organisationseinheit CODE anlegen."""
    with app.require_schema().write() as connection:
        created = organisation.add_unit(connection, code, name, parent, app.actor)
    if as_json:
        app.emit_json({"code": created.code, "name": created.name, "parent": parent})
    else:
        app.console.print(f"Organisationseinheit {created.code} ({created.name}) angelegt.")


@unit.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def unit_list(app: App, as_json: bool) -> None:
    """Alle Organisationseinheiten."""
    with app.require_schema().read() as connection:
        units = organisation.list_units(connection)
    codes = {u.id: u.code for u in units}
    rows = [{"code": u.code, "name": u.name, "parent": codes.get(u.parent_id or -1)} for u in units]
    if as_json:
        app.emit_json(rows)
        return
    table = Table("Kürzel", "Name", "übergeordnet")
    for row in rows:
        table.add_row(row["code"], row["name"], row["parent"] or "")
    app.console.print(table)


@click.group()
def user() -> None:
    """Personen und ihre Organisationseinheiten."""


def _read_password(password_stdin: bool) -> str | None:
    if not password_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Das Passwort braucht mindestens {MIN_LENGTH} Zeichen.")
    return password


@user.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Vor- und Nachname.")
@click.option("--unit", "units", multiple=True, required=True, help="Kürzel; mehrfach möglich.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="admin, registry, clerk, reader oder portfolio; mehrfach möglich (Standard: clerk).",
)
@click.option("--clearance", default=None, help="Höchste lesbare Vertraulichkeit, 001–005.")
@click.option("--password-stdin", is_flag=True, help="Passwort aus der ersten Zeile der Eingabe.")
@click.option("--email", default=None, help="E-Mail-Adresse für die Erinnerung an Wiedervorlagen.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def user_add(
    app: App,
    login: str,
    name: str,
    units: tuple[str, ...],
    roles: tuple[str, ...],
    clearance: str | None,
    password_stdin: bool,
    email: str | None,
    as_json: bool,
) -> None:
    """Person mit Anmeldenamen LOGIN anlegen."""
    password = _read_password(password_stdin)
    with app.require_schema().write() as connection:
        created = organisation.add_user(
            connection,
            login,
            name,
            list(units),
            app.actor,
            list(roles) or None,
            clearance,
            hash_password(password) if password else None,
            email,
        )
    if as_json:
        app.emit_json({"login": created.login, "name": created.name, "units": list(units)})
    else:
        app.console.print(f"Person {created.login} ({created.name}) angelegt.")


@user.command("password")
@click.argument("login")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Neues Passwort aus der ersten Zeile der Eingabe.",
)
@pass_app
def user_password(app: App, login: str, password_stdin: bool) -> None:
    """Passwort von LOGIN setzen (hebt eine Sperre nach Fehlversuchen auf)."""
    password = _read_password(password_stdin) or ""
    with app.require_schema().write() as connection:
        auth.set_password(connection, login, password, app.actor)
    app.console.print(f"Passwort für {login} gesetzt.")


@user.command("email")
@click.argument("login")
@click.argument("address", required=False)
@click.option("--remove", is_flag=True, help="Die Adresse entfernen (keine E-Mails mehr).")
@pass_app
def user_email(app: App, login: str, address: str | None, remove: bool) -> None:
    """E-Mail-Adresse ADDRESS von LOGIN setzen (für die Erinnerung an Wiedervorlagen)."""
    if bool(address) == remove:
        raise ValidationError("Bitte eine Adresse angeben oder --remove, nicht beides.")
    with app.require_schema().write() as connection:
        organisation.set_email(connection, login, None if remove else address, app.actor)
    app.console.print(
        f"E-Mail-Adresse von {login} entfernt."
        if remove
        else f"E-Mail-Adresse von {login}: {address}"
    )


@click.group()
def token() -> None:
    """API-Token für Fachverfahren."""


@token.command("create")
@click.argument("login")
@click.option("--name", required=True, help="Wofür, z. B. »Fachverfahren Bauantrag«.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def token_create(app: App, login: str, name: str, as_json: bool) -> None:
    """Neues API-Token für LOGIN; es wird nur dieses eine Mal angezeigt."""
    with app.require_schema().write() as connection:
        secret = auth.create_token(connection, login, name, app.actor)
    if as_json:
        app.emit_json({"login": login, "name": name, "token": secret})
    else:
        click.echo(secret)


@token.command("revoke")
@click.argument("login")
@click.option("--name", required=True)
@pass_app
def token_revoke(app: App, login: str, name: str) -> None:
    """Die Token mit diesem Namen von LOGIN widerrufen."""
    with app.require_schema().write() as connection:
        count = auth.revoke_tokens(connection, login, name, app.actor)
    app.console.print(f"{count} Token widerrufen.")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Prozesse, die Anfragen nebeneinander bedienen (etwa einer je CPU-Kern).",
)
@pass_app
def serve(app: App, host: str, port: int, workers: int) -> None:
    """Die Weboberfläche und die API starten; dazu worker_threads Threads für die
    Hintergrundarbeit (Texterkennung, Scan-Eingänge)."""
    from eakte.web.server import serve as serve_web

    app.require_schema()
    app.close()
    # Several processes are safe on SQLite too: every write starts with BEGIN IMMEDIATE, and a
    # process that finds another one writing waits (sqlite_busy_timeout_ms) instead of failing.
    click.echo(f"eakte läuft auf http://{host}:{port}/ (Beenden mit Strg+C)")
    try:
        serve_web(host, port, workers)
    except OSError as exc:
        raise click.ClickException(
            f"Adresse {host}:{port} nicht nutzbar ({exc.strerror}): läuft eakte dort schon? "
            "Bitte einen anderen Port wählen (--port)."
        ) from None


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def user_list(app: App, as_json: bool) -> None:
    """Alle Personen."""
    with app.require_schema().read() as connection:
        rows = organisation.list_users(connection)
    if as_json:
        app.emit_json([{"login": lg, "name": n, "units": u} for lg, n, u in rows])
        return
    table = Table("Anmeldename", "Name", "Organisationseinheiten")
    for login, name, codes in rows:
        table.add_row(login, name, ", ".join(codes))
    app.console.print(table)


@click.group()
def plan() -> None:
    """Aktenplan."""


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def plan_import(app: App, file: Path, as_json: bool) -> None:
    """Aktenplan aus CSV oder JSON einlesen (neue Positionen anlegen, bestehende ändern)."""
    raw = file.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252")
    is_json = file.suffix.lower() == ".json" or content.lstrip().startswith(("[", "{"))
    rows = parse_plan_json(content) if is_json else parse_plan_csv(content)
    with app.require_schema().write() as connection:
        summary = fileplan.import_plan(connection, rows, app.actor)
    if as_json:
        app.emit_json(summary.__dict__)
    else:
        app.console.print(
            f"Aktenplan eingelesen: {summary.created} neu, {summary.updated} "
            f"geändert, {summary.unchanged} unverändert."
        )


@plan.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def plan_list(app: App, as_json: bool) -> None:
    """Aktenplan mit Aufbewahrungsregeln und Zahl der Akten."""
    with app.require_schema().read() as connection:
        listing = fileplan.list_plan(connection)
    rows = [
        {
            "code": e.item.code,
            "title": e.item.title,
            "retention_years": e.item.retention_years,
            "disposition": e.item.disposition,
            "lead_unit": e.lead_unit,
            "dossiers": e.dossier_count,
        }
        for e in listing
    ]
    if as_json:
        app.emit_json(rows)
        return
    table = Table("Kennzeichen", "Titel", "Frist", "Art", "Federführung", "Akten")
    for entry in listing:
        item = entry.item
        table.add_row(
            item.code,
            "  " * entry.depth + item.title,
            str(item.retention_years or ""),
            item.disposition or "",
            entry.lead_unit or "",
            str(entry.dossier_count),
        )
    app.console.print(table)


@click.command("check")
@click.option(
    "--collect-orphans",
    is_flag=True,
    help="Verwaiste Dateien löschen, die älter als eine Stunde sind.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def check_cmd(app: App, collect_orphans: bool, as_json: bool) -> None:
    """Prüfsummen aller Dateien, Verweise der Datenbank und verwaiste Dateien prüfen."""
    db = app.require_schema()
    with db.read() as connection:
        total = count_contents(connection)
        with Progress(
            console=app.err, disable=as_json or not stderr_is_tty(), transient=True
        ) as progress:
            task = progress.add_task("Prüfe Dateien", total=total)
            report = check(
                connection, app.blobs, collect_orphans, progress=lambda n: progress.advance(task, n)
            )
    if as_json:
        app.emit_json(
            {
                "ok": report.ok,
                "contents_checked": report.contents_checked,
                "damaged": report.damaged,
                "orphans": report.orphans,
                "collected": report.collected,
            }
        )
    else:
        app.console.print(f"{report.contents_checked} Inhalte geprüft.")
        for line in report.damaged:
            app.console.print(f"[red]Schaden:[/red] {line}")
        for sha in report.orphans:
            note = " (entfernt)" if sha in report.collected else ""
            app.console.print(f"verwaist: {sha}{note}")
        app.console.print(
            "Alles in Ordnung." if report.ok else f"{len(report.damaged)} Schäden gefunden."
        )
    if not report.ok:
        sys.exit(2)


@click.group("audit")
def audit_group() -> None:
    """Protokoll (Audit-Kette)."""


@audit_group.command("verify")
@click.option(
    "--kept-head",
    nargs=2,
    type=(int, str),
    default=None,
    metavar="NR HASH",
    help="Ein früher mit »eakte audit head« aufbewahrter Kopf: findet auch am Ende entfernte "
    "und vollständig neu berechnete Ereignisse. Beispiel: --kept-head $(cat kopf.txt)",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="So viele Prozesse prüfen Abschnitte einer langen Kette gleichzeitig "
    "(Vorgabe: einer je Prozessorkern).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def audit_verify(
    app: App, kept_head: tuple[int, str] | None, processes: int | None, as_json: bool
) -> None:
    """Die Hash-Kette des Protokolls nachrechnen; nennt das erste veränderte, fehlende oder
    verschobene Ereignis, auch eine veränderte Sicht »audit_events« (Exit-Status 2)."""
    report = audit.verify_database(app.require_schema(), kept_head, processes)
    if as_json:
        app.emit_json(
            {
                "ok": report.ok,
                "events": report.events,
                "head": report.head,
                "broken_at": report.broken_at,
                "kind": report.kind,
                "problem": report.problem,
            }
        )
    elif report.ok:
        app.console.print(f"Protokoll unverändert: {report.events} Ereignisse, Kopf {report.head}.")
    else:
        app.console.print(f"[red]Protokoll verletzt:[/red] {report.problem}")
    if not report.ok:
        sys.exit(2)


@audit_group.command("head")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def audit_head(app: App, as_json: bool) -> None:
    """Nummer und Hash des neuesten Ereignisses, zum Aufbewahren außerhalb von eakte (für
    »eakte audit verify --kept-head«)."""
    with app.require_schema().read() as connection:
        count, digest = audit.head(connection)
    if as_json:
        app.emit_json({"events": count, "head": digest})
    else:
        click.echo(f"{count} {digest}")


@audit_group.command("export")
@click.argument("ref_or_id")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Als CSV-Datei (UTF-8, Semikolon, für Excel); »-« für die Standardausgabe.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def audit_export(app: App, ref_or_id: str, csv_file: Path | None, as_json: bool) -> None:
    """Verlauf einer Akte (mit Vorgängen und Dokumenten), eines Vorgangs oder Dokuments."""
    db = app.require_schema()
    with db.read() as connection:
        record = describe(connection, ref_or_id)
    pages = history_pages(db.read, record["type"], record["id"])
    if csv_file is not None:
        if str(csv_file) == "-":
            for chunk in csv_chunks(pages):
                click.echo(chunk, nl=False)
            return
        with open(csv_file, "w", encoding="utf-8", newline="") as out:
            out.writelines(csv_chunks(pages))
        app.console.print(f"Verlauf von {record.get('reference') or record['id']} in {csv_file}.")
        return
    entries = [entry for page in pages for entry in page]
    if as_json:
        app.emit_json([_entry_json(entry) for entry in entries])
        return
    for entry in entries:
        click.echo(
            f"{german_datetime(entry.occurred_at, seconds=True)}  {entry.person}  {entry.text}"
            f"  [{entry.subject}]"
        )


def _entry_json(entry: HistoryEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "at": entry.occurred_at.isoformat(),
        "actor": entry.actor,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "text": entry.text,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.subject,
        "reference": entry.reference,
        "details": entry.details,
        "hash": entry.hash,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True)
@pass_app
def demo(app: App, as_json: bool) -> None:
    """Einen Demo-Landkreis anlegen: Ämter, Aktenplan, Personen, Akten und Dokumente."""
    from eakte.demo import build_demo

    db = app.require_schema()
    with db.read() as connection:
        if organisation.list_units(connection):
            raise ValidationError(
                "Die Datenbank enthält schon Organisationseinheiten; den Demo-Landkreis bitte "
                "in einem leeren Datenordner anlegen (EAKTE_DATA)."
            )
    summary = build_demo(db, app.filer, app.dossier_rule, app.case_rule)
    if as_json:
        app.emit_json(summary)
    else:
        app.console.print(
            f"Demo-Landkreis angelegt: {summary['units']} Organisationseinheiten, "
            f"{summary['users']} Personen, {summary['dossiers']} Akten, {summary['cases']} "
            f"Vorgänge, {summary['documents']} Dokumente. Beispiel: "
            "eakte search Baugenehmigung --as m.wagner"
        )


COMMANDS = (init, unit, user, token, plan, check_cmd, audit_group, demo, serve)
