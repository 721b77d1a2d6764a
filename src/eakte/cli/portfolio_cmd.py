"""The portfolio on the command line: import, gap, scenarios, levelling, snapshots."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from eakte.audit import service as audit
from eakte.cli.context import App, pass_app
from eakte.core.portfolio.codec import plan_differences
from eakte.core.portfolio.quarters import Quarter, parse_quarter
from eakte.core.portfolio.scenarios import Change, parse_change, plan_conflicts
from eakte.errors import ValidationError
from eakte.portfolio import measures, repository, service, tables


def _quarter_option(value: str | None) -> Quarter | None:
    return parse_quarter(value) if value else None


@click.group()
def portfolio() -> None:
    """Digitalisierungsportfolio: Projekte, Personalbedarf, Szenarien, Ausschussstände."""


@portfolio.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def import_cmd(app: App, file: Path, as_json: bool) -> None:
    """Projektliste (CSV oder XLSX, Blätter »Projekte« und »Personal«) einlesen.

    Projekte werden über ihre Nummer (Spalte nr) neu angelegt oder aktualisiert; das Personal
    einer genannten Rolle wird ersetzt. Eine fehlerhafte Zeile verhindert das ganze Einlesen.
    """
    workbook = tables.read_table(file)
    with app.require_schema().write() as connection:
        result = service.import_workbook(connection, workbook, app.actor, file.name)
    if as_json:
        app.emit_json(
            {
                "created": result.created,
                "updated": result.updated,
                "staff_roles": list(result.staff_roles),
            }
        )
        return
    click.echo(
        f"{result.created} Projekte neu, {result.updated} aktualisiert"
        + (
            f"; Personal für {', '.join(result.staff_roles)} ersetzt."
            if result.staff_roles
            else "."
        )
    )


@portfolio.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--staff", is_flag=True, help="Bei CSV: das Personal statt der Projekte.")
@pass_app
def export_cmd(app: App, file: Path, staff: bool) -> None:
    """Projekte und Personal als XLSX (beide Blätter) oder CSV (eine Tabelle) ausgeben."""
    with app.require_schema().read() as connection:
        plan = service.current_plan(connection, app.settings)
    if file.suffix.lower() == ".xlsx":
        tables.write_xlsx(plan, file)
    elif file.suffix.lower() == ".csv":
        rows = tables.staff_rows(plan) if staff else tables.project_rows(plan)
        file.write_text(tables.write_csv(rows), encoding="utf-8")
    else:
        raise ValidationError("Ausgabe nur als .xlsx oder .csv.")
    click.echo(f"{len(plan.projects)} Projekte nach {file} geschrieben.")


@portfolio.command("gap")
@click.option("--scenario", default=None, help="Szenario auf den Plan anwenden.")
@click.option("--snapshot", default=None, help="Einen eingefrorenen Stand rechnen.")
@click.option("--from", "first", default=None, help="Erstes Quartal, z. B. 2026-Q1.")
@click.option("--to", "last", default=None, help="Letztes Quartal.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def gap_cmd(
    app: App,
    scenario: str | None,
    snapshot: str | None,
    first: str | None,
    last: str | None,
    as_json: bool,
) -> None:
    """Bedarf, Kapazität und Stellenmehrbedarf (VZÄ) je Quartal und Rolle."""
    rules = service.rules_from(app.settings)
    with app.require_schema().read() as connection:
        if snapshot:
            plan = repository.get_snapshot(connection, snapshot).plan
        else:
            plan = service.current_plan(
                connection, app.settings, scenario, _quarter_option(first), _quarter_option(last)
            )
    report = service.gap_report(plan, rules)
    report["conflicts"] = plan_conflicts(plan)
    if as_json:
        app.emit_json(report)
        return
    for role in report["roles"]:
        click.echo(
            f"{role['role']}\t{role['name']}\tLücke max. {role['max_gap_fte']:g} VZÄ\t"
            f"dauerhaft {role['max_lasting_fte']:g}\tSpitze {role['max_peak_fte']:g}\t"
            f"Stellen {role['posts']:g} (unbefristet {role['permanent_posts']:g})"
        )
    click.echo(f"Stellenmehrbedarf insgesamt: {report['posts']:g} VZÄ")
    for conflict in report["conflicts"]:
        click.echo(f"Hinweis: {conflict}", err=True)


@portfolio.group("scenario")
def scenario_group() -> None:
    """Szenarien: Änderungen auf dem Plan (verschieben, Aufwand, Stellen, zurückstellen)."""


@scenario_group.command("set")
@click.argument("name")
@click.argument("changes", nargs=-1, required=True)
@click.option("--description", default="", help="Wozu das Szenario dient.")
@pass_app
def scenario_set(app: App, name: str, changes: tuple[str, ...], description: str) -> None:
    """Szenario NAME anlegen oder ersetzen, z. B. shift:P-017:+2 posts:DEV:2027-Q3:2."""
    parsed: list[Change] = [parse_change(text) for text in changes]
    with app.require_schema().write() as connection:
        service.current_plan(connection, app.settings)  # the portfolio must not be empty
        repository.save_scenario(connection, name, parsed, description, app.actor)
    click.echo(f"Szenario »{name}«: " + "; ".join(change.german() for change in parsed))


@scenario_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def scenario_list(app: App, as_json: bool) -> None:
    """Alle Szenarien mit ihren Änderungen."""
    with app.require_schema().read() as connection:
        found = repository.list_scenarios(connection)
    if as_json:
        app.emit_json(
            [
                {
                    "name": s.name,
                    "description": s.description,
                    "changes": [c.text() for c in s.changes],
                }
                for s in found
            ]
        )
        return
    for s in found:
        click.echo(f"{s.name}\t" + "; ".join(c.german() for c in s.changes))


@portfolio.command("level")
@click.option("--scenario", default=None, help="Von diesem Szenario aus glätten.")
@click.option("--max-shift", type=int, default=None, help="Höchstens so viele Quartale später.")
@click.option("--seconds", type=float, default=None, help="Zeitgrenze des Lösers.")
@click.option("--save-as", default=None, help="Ergebnis als Szenario speichern.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def level_cmd(
    app: App,
    scenario: str | None,
    max_shift: int | None,
    seconds: float | None,
    save_as: str | None,
    as_json: bool,
) -> None:
    """Projektstarts verschieben, um die größte Personallücke zu senken (OR-Tools CP-SAT).

    Nur nicht begonnene, nicht feste Projekte rücken nach hinten, nie über ihren festen Termin
    und nie vor das Ende ihrer Vorgänger; wichtige Projekte (hohe Priorität) rücken zuletzt.
    """
    from eakte.portfolio.levelling import level

    rules = service.rules_from(app.settings)
    with app.require_schema().read() as connection:
        plan = service.current_plan(connection, app.settings, scenario)
        base = repository.get_scenario(connection, scenario).changes if scenario else ()
    result = level(
        plan,
        rules,
        app.settings.portfolio_max_shift_quarters if max_shift is None else max_shift,
        app.settings.portfolio_solver_seconds if seconds is None else seconds,
    )
    if save_as:
        with app.require_schema().write() as connection:
            changes: list[Change] = [*base, *result.shifts]
            repository.save_scenario(
                connection,
                save_as,
                changes,
                "Automatisch geglättet (eakte portfolio level)",
                app.actor,
            )
    if as_json:
        app.emit_json(
            {
                "status": result.status,
                "seconds": round(result.seconds, 2),
                "peak_gap_before_fte": round(result.peak_before_fte, 2),
                "peak_gap_after_fte": round(result.peak_after_fte, 2),
                "shifts": [s.text() for s in result.shifts],
                "saved_as": save_as,
            }
        )
        return
    for shift in result.shifts:
        click.echo(shift.german())
    click.echo(
        f"Größte Lücke: {result.peak_before_fte:.2f} → {result.peak_after_fte:.2f} VZÄ "
        f"({len(result.shifts)} Projekte verschoben, {result.seconds:.1f} s)"
        + (f"; gespeichert als Szenario »{save_as}«." if save_as else ".")
    )


@portfolio.command("freeze")
@click.argument("name")
@click.option(
    "--date",
    "committee_date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Sitzungstag des Ausschusses.",
)
@click.option("--scenario", default=None, help="Den Plan mit diesem Szenario einfrieren.")
@pass_app
def freeze_cmd(app: App, name: str, committee_date: datetime | None, scenario: str | None) -> None:
    """Den aktuellen Plan als Stand NAME für eine Ausschusssitzung einfrieren."""
    day = committee_date.date() if committee_date else None
    with app.require_schema().write() as connection:
        plan = service.current_plan(connection, app.settings, scenario)
        repository.freeze(connection, name, day, plan, app.actor)
    click.echo(f"Stand »{name}« eingefroren ({len(plan.projects)} Projekte).")


@portfolio.command("diff")
@click.argument("snapshot")
@click.option("--to", "other", default=None, help="Mit diesem Stand vergleichen statt mit heute.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def diff_cmd(app: App, snapshot: str, other: str | None, as_json: bool) -> None:
    """Was sich seit dem Stand SNAPSHOT geändert hat (Projekte, Zeiträume, Aufwände, Stellen)."""
    rules = service.rules_from(app.settings)
    with app.require_schema().read() as connection:
        old = repository.get_snapshot(connection, snapshot).plan
        if other:
            new = repository.get_snapshot(connection, other).plan
        else:
            new = service.current_plan(connection, app.settings)
    changes = plan_differences(old, new)
    posts = (service.gap_report(old, rules)["posts"], service.gap_report(new, rules)["posts"])
    if as_json:
        app.emit_json(
            {
                "changes": [{"project": c, "change": t} for c, t in changes],
                "posts_before": posts[0],
                "posts_after": posts[1],
            }
        )
        return
    for code, text in changes:
        click.echo(f"{code}\t{text}")
    click.echo(f"Stellenmehrbedarf: {posts[0]:g} → {posts[1]:g} VZÄ")


@portfolio.command("report")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ausgabedatei: .pdf oder .html.",
)
@click.option("--scenario", default=None, help="Den Plan mit diesem Szenario zeigen.")
@click.option("--snapshot", default=None, help="Einen eingefrorenen Stand zeigen.")
@click.option("--since", default=None, help="Änderungen seit diesem Stand aufführen.")
@pass_app
def report_cmd(
    app: App, output: Path, scenario: str | None, snapshot: str | None, since: str | None
) -> None:
    """Sitzungsvorlage für den Ausschuss (PDF oder HTML): Roadmap, Kapazität, Stellen, Methode,
    Stand der E-Akte-Einführung, Kennzahlen der Projekte."""
    from eakte.portfolio.report import render_html, render_pdf

    if output.suffix.lower() not in {".pdf", ".html"}:
        raise ValidationError("Die Vorlage wird als .pdf oder .html geschrieben.")
    with app.require_schema().read() as connection:
        report = service.report_input(
            connection, app.settings, date.today(), scenario, snapshot, since
        )
    html = render_html(report)
    if output.suffix.lower() == ".pdf":
        output.write_bytes(render_pdf(html))
    else:
        output.write_text(html, encoding="utf-8")
    click.echo(f"Sitzungsvorlage nach {output} geschrieben.")


@portfolio.command("figure")
@click.argument("project")
@click.argument("name")
@click.argument("month")
@click.argument("value")
@pass_app
def figure_cmd(app: App, project: str, name: str, month: str, value: str) -> None:
    """Kennzahl NAME eines Projekts für MONTH (2026-03) auf VALUE setzen, z. B.
    eakte portfolio figure P-003 "Reichweite Social Media" 2026-03 41000."""
    row = tables.key_figure_from_row(
        {"nr": project, "kennzahl": name, "monat": month, "wert": value}
    )
    with app.require_schema().write() as connection:
        measures.set_key_figure(connection, row.project, row.name, row.month, row.value)
        details = {"name": row.name, "month": row.month.isoformat(), "value": row.value}
        audit.record(
            connection, app.actor, "portfolio.figure", "portfolio_project", row.project, details
        )
    click.echo(f"{row.project}: {row.name} {row.month:%m/%Y} = {row.value:g}")


@portfolio.command("snapshots")
@pass_app
def snapshots_cmd(app: App) -> None:
    """Eingefrorene Stände mit Sitzungstag."""
    with app.require_schema().read() as connection:
        for name, day in repository.list_snapshots(connection):
            click.echo(f"{name}\t{day.isoformat() if day else ''}")


COMMANDS = (portfolio,)
