"""Resubmissions: the daily e-mail digest (``eakte resubmission digest``), meant for a timer."""

from __future__ import annotations

from datetime import date

import click

from eakte.cli.context import App, pass_app
from eakte.errors import DeliveryError
from eakte.records.common import today
from eakte.resubmissions.digest import DigestOutcome, failure_message, run_digest
from eakte.resubmissions.service import parse_day


@click.group()
def resubmission() -> None:
    """Wiedervorlagen."""


def _rows(outcome: DigestOutcome) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for mail in outcome.mails:
        status = (
            "dry-run" if outcome.dry_run else "failed" if mail.login in outcome.failed else "sent"
        )
        row: dict[str, object] = {
            "login": mail.login,
            "to": mail.address,
            "subject": mail.subject,
            "resubmissions": list(mail.resubmission_ids),
            "status": status,
        }
        if mail.login in outcome.failed:
            row["reason"] = outcome.failed[mail.login]
        if outcome.dry_run:
            row["body"] = mail.body
        rows.append(row)
    return rows


def _print(app: App, outcome: DigestOutcome) -> None:
    day = f"{outcome.day:%d.%m.%Y}"
    if not outcome.mails:
        app.console.print(f"Keine Erinnerungen zu senden für den {day}.")
    for mail in outcome.mails:
        count = len(mail.resubmission_ids)
        if outcome.dry_run:
            app.console.print(f"würde senden: {mail.address} ({mail.login}), {count} fällig")
        elif mail.login in outcome.failed:
            app.console.print(f"nicht gesendet: {mail.address} – {outcome.failed[mail.login]}")
        else:
            app.console.print(f"gesendet: {mail.address} ({mail.login}), {count} fällig")
    if outcome.already_sent:
        app.console.print(f"schon am {day} gesendet: {', '.join(outcome.already_sent)}")
    if outcome.without_address:
        app.console.print(
            "fällige Wiedervorlagen, aber keine E-Mail-Adresse (eakte user email): "
            + ", ".join(outcome.without_address)
        )


@resubmission.command("digest")
@click.option("--date", "day_text", default=None, help="Stichtag (Standard: heute), 01.12.2026.")
@click.option("--dry-run", is_flag=True, help="Nur zeigen, was gesendet würde.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def digest(app: App, day_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Jeder Person mit fälligen Wiedervorlagen eine E-Mail senden (für einen täglichen Timer).

    Wer für den Tag schon eine bekommen hat, bekommt keine zweite; was der Mailserver nicht
    annahm, sendet der nächste Aufruf noch einmal."""
    day: date = parse_day(day_text, "--date") if day_text else today()
    db = app.require_schema()
    outcome = run_digest(db, app.settings, day, app.actor, dry_run)
    if as_json:
        app.emit_json(
            {
                "date": day.isoformat(),
                "dry_run": dry_run,
                "mails": _rows(outcome),
                "already_sent": outcome.already_sent,
                "without_address": outcome.without_address,
            }
        )
    else:
        _print(app, outcome)
    if outcome.failed:
        where = f"{app.settings.smtp_host}:{app.settings.smtp_port}"
        raise DeliveryError(failure_message(outcome, where))


COMMANDS = (resubmission,)
