"""The official xdomea schemas, loaded offline, and validation of messages against them.

``validate(source, version, settings)`` is the one call export and import share: ``source`` is
a path to a message XML or its bytes, ``version`` ``"3.0.0"`` or ``"3.1.0"``; it returns
nothing when the message is valid and raises ``ValidationError`` naming the first schema errors
(line and message) otherwise. It streams: a valid message of any size is checked in constant
memory. Only for an invalid message of at most ``DETAIL_LIMIT`` bytes is the document parsed
whole once more, to report several errors with their lines.

Schemas come from ``settings.resolved_xdomea_schemas`` (``<folder>/<version>/xdomea.xsd``, the
XÖV code types in ``<folder>/xoev``); nothing is ever fetched from the network, and a message
with a DOCTYPE is refused before anything in it is read. Compiled schemas are cached per
thread, version and folder.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from lxml import etree

from eakte.errors import ValidationError
from eakte.interchange.model import VERSIONS
from eakte.settings import Settings

NAMESPACES = {version: f"urn:xoev-de:xdomea:schema:{version}" for version in VERSIONS}
MAX_ERRORS = 5
DETAIL_LIMIT = 64 * 1024 * 1024
_local = threading.local()


def namespace(version: str) -> str:
    """The XML namespace of an xdomea version."""
    try:
        return NAMESPACES[version]
    except KeyError as exc:
        raise ValidationError(
            f"xdomea-Version {version!r} wird nicht unterstützt: {', '.join(VERSIONS)}."
        ) from exc


def detect_version(root_namespace: str) -> str:
    """The xdomea version of a message from the namespace of its root element."""
    for version, uri in NAMESPACES.items():
        if root_namespace == uri:
            return version
    raise ValidationError(
        f"Der Namensraum {root_namespace or '(keiner)'!r} ist kein unterstütztes xdomea: "
        f"erwartet wird {' oder '.join(NAMESPACES.values())}."
    )


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)


def schema_file(version: str, settings: Settings) -> Path:
    """Where the entry schema of ``version`` is expected."""
    namespace(version)
    return settings.resolved_xdomea_schemas / version / "xdomea.xsd"


def load_schema(version: str, settings: Settings) -> etree.XMLSchema:
    """The compiled schema of ``version`` (cached per thread and folder)."""
    path = schema_file(version, settings)
    cache: dict[Path, etree.XMLSchema] = _local.__dict__.setdefault("schemas", {})
    if path in cache:
        return cache[path]
    if not path.is_file():
        raise ValidationError(
            f"Die xdomea-Schemas für Version {version} fehlen: erwartet wird {path}. Bitte die "
            "offiziellen Schemasätze (3.0.0/, 3.1.0/ und xoev/) dorthin legen oder die Einstellung "
            "EAKTE_XDOMEA_SCHEMAS auf ihren Ordner setzen."
        )
    try:
        schema = etree.XMLSchema(etree.parse(str(path), _safe_parser()))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        raise ValidationError(
            f"Die xdomea-Schemas in {path.parent} lassen sich nicht laden ({exc}); bitte den "
            "vollständigen offiziellen Schemasatz dorthin legen (EAKTE_XDOMEA_SCHEMAS)."
        ) from exc
    cache[path] = schema
    return schema


def _describe(errors: list[tuple[int, str]], total: int) -> str:
    lines = [f"Zeile {line}: {message}" if line else message for line, message in errors]
    more = f" (und {total - len(errors)} weitere)" if total > len(errors) else ""
    return "; ".join(lines) + more


def _refuse(version: str, details: str) -> ValidationError:
    return ValidationError(f"Die xdomea-Nachricht entspricht nicht dem Schema {version}: {details}")


def _stream_check(source: Path | bytes, schema: etree.XMLSchema) -> str | None:
    """Validate while parsing, dropping what was read; the first error or None."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        schema=schema,
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        huge_tree=False,
    )
    checked_doctype = False
    try:
        for event, element in context:
            if not checked_doctype:
                checked_doctype = True
                if element.getroottree().docinfo.doctype:
                    raise ValidationError(
                        "Die xdomea-Nachricht enthält eine DOCTYPE-Deklaration; das ist nicht "
                        "erlaubt und wird abgelehnt."
                    )
            if event == "end":
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        messages = [str(entry.message) for entry in exc.error_log] or [str(exc)]
        return messages[0]
    return None


def _detailed_errors(source: Path | bytes, schema: etree.XMLSchema) -> list[tuple[int, str]]:
    try:
        if isinstance(source, bytes):
            tree = etree.parse(io.BytesIO(source), _safe_parser())
        else:
            tree = etree.parse(str(source), _safe_parser())
    except etree.XMLSyntaxError as exc:
        return [(exc.lineno or 0, exc.msg)]
    schema.validate(tree)
    return [(entry.line, entry.message) for entry in schema.error_log]


def validate(source: Path | bytes, version: str, settings: Settings) -> None:
    """Check a message (file path or bytes) against the xdomea schema ``version``.

    Returns None when it is valid; raises ``ValidationError`` with the first few errors, each
    with its line where known, when it is not (or when the schemas are missing)."""
    schema = load_schema(version, settings)
    first = _stream_check(source, schema)
    if first is None:
        return
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    errors = _detailed_errors(source, schema) if size <= DETAIL_LIMIT else []
    if not errors:
        errors = [(0, first)]
    raise _refuse(version, _describe(errors[:MAX_ERRORS], len(errors)))
