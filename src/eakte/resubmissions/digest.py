"""The daily e-mail digest: one plain-text German mail per person with due resubmissions.

``run_digest`` plans the mails in one read transaction (who has due resubmissions on the day, who
has an address, who got that day's mail already), hands them to the mail server over one SMTP
connection, and records each mail the server accepted as an audit event ``resubmission.digest`` on
the person (addresses and resubmissions, never the body). A mail the server did not take is not
recorded, so the next run sends it again; a person already recorded for the day is skipped.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from types import TracebackType

from sqlalchemy import Connection, or_, select

from eakte import audit
from eakte.db.engine import Database
from eakte.db.schema import audit_events, resubmissions, user_units, users
from eakte.errors import ConfigurationError
from eakte.records.organisation import get_user
from eakte.resubmissions.service import Resubmission, due_for
from eakte.settings import Settings

SMTP_TIMEOUT_S = 30
ACTION = "resubmission.digest"


@dataclass(frozen=True)
class DigestMail:
    login: str
    address: str
    subject: str
    body: str
    resubmission_ids: tuple[int, ...]
    references: tuple[str, ...]


@dataclass
class DigestOutcome:
    day: date
    dry_run: bool
    mails: list[DigestMail] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # logins
    failed: dict[str, str] = field(default_factory=dict)  # login → reason
    already_sent: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)


def compose(
    name: str,
    login: str,
    address: str,
    items: list[Resubmission],
    day: date,
    public_url: str | None,
) -> DigestMail:
    """The mail for one person (pure). Subjects and notes of confidential cases (vertraulich and
    above) stay out of the mail: it names their reference only."""
    count = len(items)
    lines = [
        f"Guten Tag {name},",
        "",
        f"am {day:%d.%m.%Y} {'ist' if count == 1 else 'sind'} in der E-Akte {count} "
        f"Wiedervorlage{'' if count == 1 else 'n'} für Sie fällig:",
        "",
    ]
    for number, item in enumerate(items, start=1):
        lines.append(f"{number}. {item.case_reference}")
        if item.confidential:
            lines.append("   (vertraulich – Betreff und Notiz nur in der E-Akte)")
        else:
            lines.append(f"   Betreff: {item.case_subject}")
            if item.note:
                lines.append(f"   Notiz: {' '.join(item.note.split())}")
        since = "fällig seit" if item.overdue(day) else "fällig am"
        whom = "Sie" if item.for_user == login else item.target
        lines.append(f"   {since} {item.due_on:%d.%m.%Y} · für {whom} · von {item.created_by}")
        if public_url:
            lines.append(f"   {public_url}/vorgaenge/{item.case_uuid}")
        lines.append("")
    if public_url:
        lines.append(f"Alle fälligen Wiedervorlagen stehen auf Ihrem Schreibtisch: {public_url}/")
    else:
        lines.append("Alle fälligen Wiedervorlagen stehen auf Ihrem Schreibtisch in der E-Akte.")
    lines += ["", "-- ", "Diese Nachricht hat die E-Akte automatisch erstellt."]
    return DigestMail(
        login,
        address,
        f"Wiedervorlagen: {count} fällig am {day:%d.%m.%Y}",
        "\n".join(lines) + "\n",
        tuple(item.id for item in items),
        tuple(dict.fromkeys(item.case_reference for item in items)),
    )


def message(mail: DigestMail, sender: str) -> EmailMessage:
    """The MIME message: UTF-8 text, quoted-printable, headers encoded per RFC 2047."""
    msg = EmailMessage()
    msg["From"] = formataddr(("E-Akte", sender))
    msg["To"] = mail.address
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    return msg


def _candidates(connection: Connection, day: date) -> list[str]:
    """Logins of active people who might have due resubmissions (checked precisely later)."""
    due = select(resubmissions.c.for_user_id, resubmissions.c.for_unit_id).where(
        resubmissions.c.done_at.is_(None), resubmissions.c.due_on <= day
    )
    rows = connection.execute(due).all()
    people = {r.for_user_id for r in rows if r.for_user_id is not None}
    units = {r.for_unit_id for r in rows if r.for_unit_id is not None}
    in_units = select(user_units.c.user_id).where(user_units.c.unit_id.in_(sorted(units) or [-1]))
    return list(
        connection.execute(
            select(users.c.login)
            .where(
                users.c.active.is_(True),
                or_(users.c.id.in_(sorted(people) or [-1]), users.c.id.in_(in_units)),
            )
            .order_by(users.c.login)
        ).scalars()
    )


def _already_sent(connection: Connection, logins: list[str], day: date) -> set[str]:
    rows = connection.execute(
        select(audit_events.c.object_id, audit_events.c.details).where(
            audit_events.c.action == ACTION,
            audit_events.c.object_type == "user",
            audit_events.c.object_id.in_(logins or [""]),
            # Narrowed in the database; the JSON check below is the exact one.
            audit_events.c.details.contains(day.isoformat()),
        )
    ).all()
    return {r.object_id for r in rows if json.loads(r.details).get("date") == day.isoformat()}


def plan(connection: Connection, day: date, public_url: str | None) -> DigestOutcome:
    """Who gets which mail for ``day``, without sending anything."""
    outcome = DigestOutcome(day, dry_run=True)
    logins = _candidates(connection, day)
    done = _already_sent(connection, logins, day)
    addresses = {
        row.login: row.email
        for row in connection.execute(
            select(users.c.login, users.c.email).where(users.c.login.in_(logins or [""]))
        )
    }
    for login in logins:
        person = get_user(connection, login)
        items = due_for(connection, person, day)
        if not items:
            continue
        if login in done:
            outcome.already_sent.append(login)
        elif not addresses.get(login):
            outcome.without_address.append(login)
        else:
            outcome.mails.append(
                compose(person.name, login, addresses[login], items, day, public_url)
            )
    return outcome


class SmtpMailer:
    """One connection to the configured mail server (TLS and login as set), as a context."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ConfigurationError(
                "Kein Mailserver eingestellt: bitte EAKTE_SMTP_HOST (und EAKTE_MAIL_FROM) setzen; "
                "mit --dry-run zeigt eakte nur, was es senden würde."
            )
        if not settings.mail_from:
            raise ConfigurationError(
                "Keine Absenderadresse eingestellt: bitte EAKTE_MAIL_FROM setzen "
                "(z. B. eakte@kreis.de)."
            )
        self.settings = settings
        self.sender = settings.mail_from
        self.where = f"{settings.smtp_host}:{settings.smtp_port}"
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        """Connect, switch to TLS and log in as set; raises ``OSError``/``SMTPException``."""
        s = self.settings
        host = str(s.smtp_host)
        if s.smtp_ssl:
            context = ssl.create_default_context()
            self._smtp = smtplib.SMTP_SSL(
                host, s.smtp_port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            self._smtp = smtplib.SMTP(host, s.smtp_port, timeout=SMTP_TIMEOUT_S)
        try:
            if s.smtp_starttls:
                self._smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                self._smtp.login(s.smtp_user, password)
        except BaseException:
            self._smtp.close()
            raise
        return self

    def send(self, msg: EmailMessage) -> None:
        assert self._smtp is not None, "use SmtpMailer as a context manager"
        self._smtp.send_message(msg)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()


def reason(exc: BaseException) -> str:
    """Why a mail did not go out, in German."""
    if isinstance(exc, ConnectionRefusedError):
        return "Verbindung abgelehnt"
    if isinstance(exc, socket.gaierror):
        return "Rechnername unbekannt"
    if isinstance(exc, TimeoutError):
        return f"keine Antwort innerhalb von {SMTP_TIMEOUT_S} Sekunden"
    if isinstance(exc, ssl.SSLError):
        return f"TLS fehlgeschlagen: {exc.reason or exc}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "Anmeldung am Mailserver abgelehnt"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "Empfängeradresse abgelehnt"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return "Absenderadresse abgelehnt"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "Verbindung vom Mailserver getrennt"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Mailserver antwortet {exc.smtp_code}"
    return str(exc) or type(exc).__name__


def _record(db: Database, actor: str, mail: DigestMail, day: date) -> None:
    with db.write() as connection:
        audit.record(
            connection,
            actor,
            ACTION,
            "user",
            mail.login,
            {
                "date": day.isoformat(),
                "to": mail.address,
                "resubmissions": list(mail.resubmission_ids),
                "cases": list(mail.references),
            },
        )


def run_digest(
    db: Database, settings: Settings, day: date, actor: str, dry_run: bool = False
) -> DigestOutcome:
    """Plan the day's mails and, unless ``dry_run``, send and record them.

    A refused recipient fails that one mail; a lost connection fails it and every mail after
    it. Failures are in ``outcome.failed``; the caller reports them."""
    mailer = None if dry_run else SmtpMailer(settings)  # settings checked before any work
    with db.read() as connection:
        outcome = plan(connection, day, settings.public_url)
    outcome.dry_run = dry_run
    if mailer is None or not outcome.mails:
        return outcome
    try:
        with mailer:
            _send_all(db, mailer, outcome, actor)
    except (OSError, smtplib.SMTPException) as exc:  # connecting, TLS or login failed
        for mail in outcome.mails:
            outcome.failed.setdefault(mail.login, reason(exc))
    return outcome


def _send_all(db: Database, mailer: SmtpMailer, outcome: DigestOutcome, actor: str) -> None:
    for position, mail in enumerate(outcome.mails):
        try:
            mailer.send(message(mail, mailer.sender))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            outcome.failed[mail.login] = reason(exc)  # this mail only; the session goes on
            continue
        except (OSError, smtplib.SMTPException) as exc:
            for rest in outcome.mails[position:]:
                outcome.failed[rest.login] = reason(exc)
            return
        _record(db, actor, mail, outcome.day)
        outcome.sent.append(mail.login)


def failure_message(outcome: DigestOutcome, where: str) -> str:
    reasons = sorted(set(outcome.failed.values()))
    total = len(outcome.mails)
    return (
        f"E-Mail-Versand über {where} fehlgeschlagen ({'; '.join(reasons)}): "
        f"{len(outcome.failed)} von {total} Erinnerung{'' if total == 1 else 'en'} nicht "
        f"versandt ({', '.join(sorted(outcome.failed))}); ein erneuter Aufruf versucht sie "
        "noch einmal."
    )
