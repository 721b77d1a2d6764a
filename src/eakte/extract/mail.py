"""E-mail: EML (standard library) and Outlook MSG (extract-msg).

The message body becomes the document's text; attachments are returned so that ingest files them
as documents linked to the message.
"""

from __future__ import annotations

import email
import email.policy
import unicodedata
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from eakte.extract.base import Attachment, Extraction
from eakte.extract.text import html_to_text

MAX_MAIL_BYTES = 512 * 1024 * 1024


def _mail_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).date()
    except (TypeError, ValueError, IndexError):
        return None


def _header_block(sender: str, to: str, when: str, subject: str) -> str:
    lines = [("Von", sender), ("An", to), ("Datum", when), ("Betreff", subject)]
    return "\n".join(f"{label}: {value}" for label, value in lines if value) + "\n\n"


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):
        payload = body.get_payload(decode=True)
        content = payload.decode("cp1252", "replace") if isinstance(payload, bytes) else ""
    if body.get_content_subtype() == "html":
        return html_to_text(content)[0]
    return str(content)


def _attachments(message: EmailMessage) -> list[Attachment]:
    result = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        name = part.get_filename() or ""
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) else inner
            data = inner_msg.as_bytes() if hasattr(inner_msg, "as_bytes") else b""
            name = name or f"weitergeleitete-nachricht-{number}.eml"
        else:
            data = part.get_payload(decode=True) or b""
            name = name or f"anhang-{number}"
        result.append(Attachment(unicodedata.normalize("NFC", name), data))
    return result


class EmlExtractor:
    kind = "email"

    def extract(self, path: Path, result: Extraction) -> None:
        if path.stat().st_size > MAX_MAIL_BYTES:
            raise ValueError("E-Mail ist größer als 512 MiB")
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        subject = str(message.get("subject", "") or "").strip()
        header = _header_block(
            str(message.get("from", "") or ""),
            str(message.get("to", "") or ""),
            str(message.get("date", "") or ""),
            subject,
        )
        result.text = header + _body_text(message)
        result.title = subject or None
        result.document_date = _mail_date(message.get("date"))
        result.attachments = _attachments(message)


class MsgExtractor:
    kind = "msg"

    def extract(self, path: Path, result: Extraction) -> None:
        import extract_msg

        message: Any = extract_msg.openMsg(str(path))
        try:
            subject = (message.subject or "").strip()
            body = message.body or ""
            if not body.strip() and message.htmlBody:
                body = html_to_text(message.htmlBody)[0]
            when = message.date
            result.text = (
                _header_block(
                    str(message.sender or ""), str(message.to or ""), str(when or ""), subject
                )
                + body
            )
            result.title = subject or None
            result.document_date = _mail_date(when)
            for number, attachment in enumerate(message.attachments, start=1):
                data = attachment.data
                name = attachment.longFilename or attachment.shortFilename or f"anhang-{number}"
                if isinstance(data, bytes):
                    result.attachments.append(Attachment(str(name), data))
                elif hasattr(data, "exportBytes"):  # an embedded Outlook message
                    result.attachments.append(Attachment(f"{name}.msg", data.exportBytes()))
        finally:
            message.close()
