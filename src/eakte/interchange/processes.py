"""The record of every xdomea process: which messages went out or came in, when, by whom, the
package as sent (kept in the blob store as proof), and per object what the other side decided
(appraisal) and reported (import result).

A process is identified by its ``ProzessID`` and our direction: ``out`` when we started it
(we hand records over, or offer them to the archive), ``in`` when another system did. States
read as German on the registry pages (``STATE_DE``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import Connection, func, select, update

from eakte.blobs.store import BlobStore
from eakte.db.schema import (
    contents,
    interchange_messages,
    interchange_objects,
    interchange_processes,
)
from eakte.errors import NotFoundError, PermissionDeniedError
from eakte.interchange.model import MESSAGE_NAMES
from eakte.records.common import now
from eakte.records.organisation import User

KIND_DE = {"abgabe": "Abgabe", "aussonderung": "Aussonderung"}
DIRECTION_DE = {"out": "gesendet", "in": "empfangen"}
STATE_DE = {
    "sent": "gesendet, Bestätigung ausstehend",
    "confirmed": "vom Empfänger bestätigt",
    "failed": "Empfänger meldet Fehler",
    "imported": "übernommen",
    "offered": "dem Archiv angeboten",
    "appraised": "vom Archiv bewertet",
    "transferred": "an das Archiv übergeben, Bestätigung ausstehend",
    "archived": "vom Archiv übernommen",
    "cancelled": "abgebrochen",
}
MESSAGE_DE = {
    "0401": "Abgabe",
    "0402": "Importbestätigung der Abgabe",
    "0403": "Empfangsbestätigung der Abgabe",
    "0501": "Anbieteverzeichnis",
    "0502": "Bewertungsverzeichnis",
    "0503": "Aussonderung",
    "0504": "Empfangsbestätigung des Angebots",
    "0505": "Empfangsbestätigung der Bewertung",
    "0506": "Importbestätigung der Aussonderung",
    "0507": "Empfangsbestätigung der Aussonderung",
}


@dataclass(frozen=True)
class Message:
    id: int
    code: str
    direction: str
    version: str
    package_name: str
    content_sha256: str | None
    size: int
    objects: int
    note: str
    created_at: datetime
    created_by: str

    @property
    def label(self) -> str:
        return f"{self.code} {MESSAGE_DE.get(self.code, MESSAGE_NAMES.get(self.code, ''))}"

    @property
    def direction_label(self) -> str:
        return DIRECTION_DE[self.direction]


@dataclass(frozen=True)
class ObjectState:
    object_uuid: str
    object_type: str
    appraisal: str | None
    result: str | None
    result_message: str


@dataclass(frozen=True)
class Process:
    id: int
    process_id: str
    direction: str
    kind: str
    state: str
    partner: str
    run_id: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    row_version: int
    messages: tuple[Message, ...] = ()
    objects: tuple[ObjectState, ...] = ()

    @property
    def state_label(self) -> str:
        return STATE_DE.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        return KIND_DE.get(self.kind, self.kind)

    @property
    def direction_label(self) -> str:
        return DIRECTION_DE[self.direction]

    def as_dict(self) -> dict[str, Any]:
        return {
            "process_id": self.process_id,
            "direction": self.direction,
            "kind": self.kind,
            "state": self.state,
            "state_label": self.state_label,
            "partner": self.partner,
            "run": self.run_id,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "messages": [
                {
                    "id": m.id,
                    "code": m.code,
                    "direction": m.direction,
                    "version": m.version,
                    "package": m.package_name,
                    "size": m.size,
                    "objects": m.objects,
                    "note": m.note,
                    "created_at": m.created_at.isoformat(),
                    "created_by": m.created_by,
                }
                for m in self.messages
            ],
            "objects": [
                {
                    "id": o.object_uuid,
                    "type": o.object_type,
                    "appraisal": o.appraisal,
                    "result": o.result,
                    "message": o.result_message,
                }
                for o in self.objects
            ],
        }


def require_registry(actor: User | str, doing: str) -> str:
    """The login to record for an exchange; a person needs the registry role (``doing`` says
    what only the registry does, for the refusal). A plain string is the operator at the
    command line (EAKTE_ACTOR), trusted like every administrative command."""
    if isinstance(actor, str):
        return actor
    if not actor.has_role("registry"):
        raise PermissionDeniedError(
            f"{actor.login} fehlt die Rolle registry (Registratur); nur sie {doing}."
        )
    return actor.login


def start(
    connection: Connection,
    process_id: str,
    direction: str,
    kind: str,
    state: str,
    actor: str,
    partner: str = "",
    run_id: int | None = None,
) -> int:
    """Record a new process; returns its row id."""
    stamp = now()
    return int(
        connection.execute(
            interchange_processes.insert()
            .values(
                process_id=process_id,
                direction=direction,
                kind=kind,
                state=state,
                partner=partner[:300],
                run_id=run_id,
                created_at=stamp,
                created_by=actor,
                updated_at=stamp,
                row_version=1,
            )
            .returning(interchange_processes.c.id)
        ).scalar_one()
    )


def find(connection: Connection, process_id: str, direction: str, lock: bool = False) -> Any:
    """The process row, or None."""
    query = select(interchange_processes).where(
        interchange_processes.c.process_id == process_id,
        interchange_processes.c.direction == direction,
    )
    if lock:
        query = query.with_for_update()
    return connection.execute(query).first()


def require(connection: Connection, process_id: str, direction: str, lock: bool = False) -> Any:
    row = find(connection, process_id, direction, lock)
    if row is None:
        whose = "von uns begonnenen" if direction == "out" else "empfangenen"
        raise NotFoundError(
            f"Einen {whose} xdomea-Prozess {process_id} gibt es hier nicht; die Nachricht gehört "
            "zu keinem bekannten Vorgang."
        )
    return row


def set_state(connection: Connection, row_id: int, state: str) -> None:
    connection.execute(
        update(interchange_processes)
        .where(interchange_processes.c.id == row_id)
        .values(
            state=state,
            updated_at=now(),
            row_version=interchange_processes.c.row_version + 1,
        )
    )


def store_package(connection: Connection, blobs: BlobStore, path: Path) -> tuple[str, int]:
    """Keep a message (its XML) as sent or received; returns its hash and size. The bytes
    are durable before the caller's transaction commits its rows."""
    with path.open("rb") as stream:
        return store_stream(connection, blobs, stream)


def store_stream(connection: Connection, blobs: BlobStore, stream: IO[bytes]) -> tuple[str, int]:
    stored = blobs.put(cast(BinaryIO, stream))
    exists = connection.execute(
        select(contents.c.sha256).where(contents.c.sha256 == stored.sha256)
    ).first()
    if exists is None:
        connection.execute(
            contents.insert().values(sha256=stored.sha256, size=stored.size, created_at=now())
        )
    return stored.sha256, stored.size


def add_message(
    connection: Connection,
    process_row: int,
    code: str,
    direction: str,
    version: str,
    package_name: str,
    actor: str,
    content: tuple[str, int] | None = None,
    objects: int = 0,
    note: str = "",
) -> int:
    sha, size = content if content else (None, 0)
    return int(
        connection.execute(
            interchange_messages.insert()
            .values(
                process_ref=process_row,
                code=code,
                direction=direction,
                version=version,
                package_name=package_name,
                content_sha256=sha,
                size=size,
                objects=objects,
                note=note,
                created_at=now(),
                created_by=actor,
            )
            .returning(interchange_messages.c.id)
        ).scalar_one()
    )


def set_objects(
    connection: Connection,
    process_row: int,
    items: Iterable[tuple[str, str]],
) -> None:
    """Name the objects (uuid, type) a process is about; known ones stay as they are."""
    known = set(
        connection.execute(
            select(interchange_objects.c.object_uuid).where(
                interchange_objects.c.process_ref == process_row
            )
        ).scalars()
    )
    stamp = now()
    rows = [
        {
            "process_ref": process_row,
            "object_uuid": uuid,
            "object_type": kind,
            "updated_at": stamp,
            "result_message": "",
        }
        for uuid, kind in dict(items).items()
        if uuid not in known
    ]
    if rows:
        connection.execute(interchange_objects.insert(), rows)


def update_objects(connection: Connection, process_row: int, uuid: str, **values: Any) -> int:
    return int(
        connection.execute(
            update(interchange_objects)
            .where(
                interchange_objects.c.process_ref == process_row,
                interchange_objects.c.object_uuid == uuid,
            )
            .values(updated_at=now(), **values)
        ).rowcount
    )


def has_message(connection: Connection, process_row: int, code: str) -> bool:
    return (
        connection.execute(
            select(interchange_messages.c.id).where(
                interchange_messages.c.process_ref == process_row,
                interchange_messages.c.code == code,
            )
        ).first()
        is not None
    )


def _message(row: Any) -> Message:
    return Message(
        row.id,
        row.code,
        row.direction,
        row.version,
        row.package_name,
        row.content_sha256,
        row.size,
        row.objects,
        row.note,
        row.created_at,
        row.created_by,
    )


def get_process(connection: Connection, row_id: int) -> Process:
    row = connection.execute(
        select(interchange_processes).where(interchange_processes.c.id == row_id)
    ).first()
    if row is None:
        raise NotFoundError(f"xdomea-Prozess {row_id} gibt es nicht.")
    messages = tuple(
        _message(m)
        for m in connection.execute(
            select(interchange_messages)
            .where(interchange_messages.c.process_ref == row_id)
            .order_by(interchange_messages.c.id)
        )
    )
    objects = tuple(
        ObjectState(o.object_uuid, o.object_type, o.appraisal, o.result, o.result_message)
        for o in connection.execute(
            select(interchange_objects)
            .where(interchange_objects.c.process_ref == row_id)
            .order_by(interchange_objects.c.object_uuid)
        )
    )
    return _process(row, messages, objects)


def _process(
    row: Any, messages: tuple[Message, ...] = (), objects: tuple[ObjectState, ...] = ()
) -> Process:
    return Process(
        row.id,
        row.process_id,
        row.direction,
        row.kind,
        row.state,
        row.partner,
        row.run_id,
        row.created_at,
        row.created_by,
        row.updated_at,
        row.row_version,
        messages,
        objects,
    )


def list_processes(connection: Connection, limit: int = 200) -> list[tuple[Process, int]]:
    """Processes, newest first, with their number of messages."""
    count = (
        select(func.count())
        .where(interchange_messages.c.process_ref == interchange_processes.c.id)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(interchange_processes, count.label("message_count"))
        .order_by(interchange_processes.c.id.desc())
        .limit(limit)
    ).all()
    return [(_process(r), int(r.message_count)) for r in rows]


def for_run(connection: Connection, run_id: int) -> Process | None:
    row = connection.execute(
        select(interchange_processes.c.id).where(interchange_processes.c.run_id == run_id)
    ).first()
    return get_process(connection, row.id) if row else None


def message_row(connection: Connection, message_id: int) -> Any:
    row = connection.execute(
        select(interchange_messages).where(interchange_messages.c.id == message_id)
    ).first()
    if row is None or row.content_sha256 is None:
        raise NotFoundError(f"Nachricht {message_id} gibt es nicht oder sie hat kein Paket.")
    return row


def uuids_of(objects: Sequence[ObjectState], kind: str) -> list[str]:
    return [o.object_uuid for o in objects if o.object_type == kind]
