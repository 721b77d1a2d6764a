"""``eakte resubmission digest`` against a real SMTP server on loopback (aiosmtpd), both backends:
one mail per person, German text correctly encoded, confidential cases named by reference only,
a record per mail, failures that stay unsent and go out on the next run."""

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from eakte import audit
from eakte.db.engine import Database
from eakte.records.common import today
from eakte.records.organisation import get_user
from eakte.resubmissions import service
from tests.helpers import County, make_county

PUBLIC = "https://eakte.kreis.example"
ADDRESSES = {"bau": "maria.wagner@kreis.example", "dez": "dirk.fischer@kreis.example"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message and refuses the addresses in ``refuse``."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Postfach unbekannt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted"

    def parsed(self) -> dict[str, EmailMessage]:
        found = {}
        for recipients, raw in self.messages:
            message = email.message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            for recipient in recipients:
                found[recipient] = message
        return found


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("EAKTE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EAKTE_SMTP_PORT", str(port))
    monkeypatch.setenv("EAKTE_MAIL_FROM", "eakte@kreis.example")
    monkeypatch.setenv("EAKTE_PUBLIC_URL", PUBLIC + "/")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def county(db: Database, rules: Any, run: Any) -> County:
    county = make_county(db, rules)
    for login, address in ADDRESSES.items():
        assert run("user", "email", login, address).code == 0
    assert run("user", "email", "ja", "t.yilmaz@kreis.example").code == 0
    day = today()
    with db.write() as c:
        bau, dez, ja = (get_user(c, login) for login in ("bau", "dez", "ja"))
        case = county.bau_case.reference
        service.create(c, case, bau, day, "Prüfung der Statik – Rückfrage beim Bauherrn")
        service.create(c, case, dez, day + timedelta(days=2), "Gebührenbescheid", for_unit="BAU")
        service.create(c, case, bau, day, "Stellungnahme Dezernat", for_user="dez")
        service.create(c, case, bau, day + timedelta(days=30), "später")
        service.create(c, county.ja_case.reference, ja, day, "Hilfeplangespräch mit Familie Öztürk")
    return county


def test_one_mail_per_person_with_links_and_umlauts(
    db: Database, county: County, smtp: Inbox, run: Any
) -> None:
    day = today() + timedelta(days=3)  # all but »später« are due, the first ones overdue
    result = run("resubmission", "digest", "--date", day.isoformat(), "--json")
    assert result.code == 0, result.err
    summary = result.json
    assert {m["login"]: m["status"] for m in summary["mails"]} == {
        "bau": "sent",
        "dez": "sent",
        "ja": "sent",
    }
    mails = smtp.parsed()
    assert sorted(mails) == sorted([*ADDRESSES.values(), "t.yilmaz@kreis.example"])
    maria = mails[ADDRESSES["bau"]]
    assert maria["Subject"] == f"Wiedervorlagen: 2 fällig am {day:%d.%m.%Y}"
    assert maria["From"].addresses[0].addr_spec == "eakte@kreis.example"
    body = maria.get_content().replace("\r\n", "\n")
    assert county.bau_case.reference in body and "Bauantrag" in body
    assert "Prüfung der Statik – Rückfrage beim Bauherrn" in body
    assert "Gebührenbescheid" in body and "für Postkorb BAU" in body and "später" not in body
    assert f"{PUBLIC}/vorgaenge/{county.bau_case.uuid}" in body and f"{PUBLIC}/\n" in body
    assert body.startswith("Guten Tag Maria Wagner,")
    # Umlauts travel encoded (RFC 2047 subject, quoted-printable UTF-8 body), not as raw bytes.
    raw = next(raw for rcpt, raw in smtp.messages if ADDRESSES["bau"] in rcpt)
    raw.decode("ascii")
    assert b"=?utf-8?" in raw and b"Content-Transfer-Encoding: quoted-printable" in raw
    dirk = mails[ADDRESSES["dez"]].get_content()
    assert "Stellungnahme Dezernat" in dirk and "Gebührenbescheid" not in dirk
    # The Jugendamt case is confidential (003): its reference only, no subject, no note.
    tarek = mails["t.yilmaz@kreis.example"].get_content()
    assert county.ja_case.reference in tarek
    assert "Hilfeplan" not in tarek.replace("Hilfeplangespräch", "") and "Öztürk" not in tarek
    assert "vertraulich" in tarek
    with db.read() as c:
        (sent,) = [
            e for e in audit.events_of(c, "user", "bau") if e.action == "resubmission.digest"
        ]
    assert sent.details["to"] == ADDRESSES["bau"] and sent.details["date"] == day.isoformat()
    assert sent.details["cases"] == [county.bau_case.reference] and "body" not in sent.details
    assert len(sent.details["resubmissions"]) == 2
    # A second run on the same day sends nothing twice.
    again = run("resubmission", "digest", "--date", day.isoformat())
    assert again.code == 0 and len(smtp.messages) == 3
    assert "schon am" in again.out and "bau, dez, ja" in again.out


def test_a_refused_mail_stays_unsent_and_goes_out_next_time(
    db: Database, county: County, smtp: Inbox, run: Any
) -> None:
    smtp.refuse.add(ADDRESSES["bau"])
    first = run("resubmission", "digest")
    assert first.code == 1
    assert first.err.startswith("Fehler: E-Mail-Versand über 127.0.0.1:")
    assert "Empfängeradresse abgelehnt" in first.err and "1 von 3 Erinnerungen" in first.err
    assert "nicht gesendet: maria.wagner@kreis.example" in first.out
    assert [rcpt for rcpt, _ in smtp.messages] == [[ADDRESSES["dez"]], ["t.yilmaz@kreis.example"]]
    with db.read() as c:
        assert not [
            e for e in audit.events_of(c, "user", "bau") if e.action == "resubmission.digest"
        ]
    smtp.refuse.clear()
    second = run("resubmission", "digest")
    assert second.code == 0, second.err
    assert [rcpt for rcpt, _ in smtp.messages][2:] == [[ADDRESSES["bau"]]]


def test_an_unreachable_mail_server_fails_in_german(
    db: Database, county: County, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EAKTE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EAKTE_SMTP_PORT", str(_free_port()))  # nobody listens there
    monkeypatch.setenv("EAKTE_MAIL_FROM", "eakte@kreis.example")
    result = run("resubmission", "digest")
    assert result.code == 1
    assert (
        "Verbindung abgelehnt" in result.err and "3 von 3 Erinnerungen nicht versandt" in result.err
    )
    assert "Traceback" not in result.err
    with db.read() as c:
        for login in ("bau", "dez", "ja"):
            events = audit.events_of(c, "user", login)
            assert not [e for e in events if e.action == "resubmission.digest"]


def test_dry_run_needs_no_server_and_lists_who_has_no_address(
    db: Database, county: County, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EAKTE_SMTP_HOST", raising=False)
    assert run("user", "email", "dez", "--remove").code == 0
    off = run("resubmission", "digest")
    assert off.code == 1 and "Kein Mailserver eingestellt" in off.err
    preview = run("resubmission", "digest", "--dry-run", "--json")
    assert preview.code == 0, preview.err
    assert [m["login"] for m in preview.json["mails"]] == ["bau", "ja"]
    assert all(m["status"] == "dry-run" for m in preview.json["mails"])
    assert preview.json["without_address"] == ["dez"]
    assert "Prüfung der Statik" in preview.json["mails"][0]["body"]
    assert "https://" not in preview.json["mails"][0]["body"]  # no public_url, no links
    with db.read() as c:
        assert not [
            e for e in audit.events_of(c, "user", "bau") if e.action == "resubmission.digest"
        ]
    assert run("user", "email", "dez", "kein-at-zeichen").code == 1


def test_no_mail_settings_mixups() -> None:
    from pydantic import ValidationError as SettingsError

    from eakte.settings import Settings

    with pytest.raises(SettingsError):
        Settings(smtp_ssl=True, smtp_starttls=True)
    with pytest.raises(SettingsError):
        Settings(public_url="eakte.kreis.de")
    assert Settings(public_url="https://eakte.kreis.de/").public_url == "https://eakte.kreis.de"
