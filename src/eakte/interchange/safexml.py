"""Parsing untrusted xdomea XML: no DTD, no entities, no network, no XInclude, bounded size.

A message from outside may try entity expansion (»billion laughs«), external entities that read
local files or reach the network, or sheer size. xdomea needs none of these features, so any
DOCTYPE or ENTITY declaration is refused outright, before and after parsing; the parser is set
to resolve nothing and to load nothing. Only xdomea 3.0.0 and 3.1.0 messages are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from eakte.errors import ValidationError
from eakte.interchange.model import MESSAGE_NAMES

NAMESPACES = {
    "urn:xoev-de:xdomea:schema:3.0.0": "3.0.0",
    "urn:xoev-de:xdomea:schema:3.1.0": "3.1.0",
}
_CODE_OF_NAME = {name: code for code, name in MESSAGE_NAMES.items()}
# The declarations in ASCII-compatible encodings (UTF-8, Latin-1) and in UTF-16 (either order).
_DECLARATION = re.compile(
    rb"<!\s*(?:DOCTYPE|ENTITY)|<\x00!\x00(?:D\x00O\x00C|E\x00N\x00T)|\x00<\x00!\x00(?:D|E)",
    re.IGNORECASE,
)
_DTD_REFUSAL = "enthält eine DTD/Entitäten; das ist in xdomea nicht erlaubt"


@dataclass(frozen=True)
class ParsedMessage:
    """A parsed message: its root element, xdomea version and message code (``0401`` …)."""

    root: etree._Element
    version: str
    code: str
    data: bytes  # the bytes as received (for schema validation)

    @property
    def namespace(self) -> str:
        return etree.QName(self.root).namespace or ""


def _safe_parser() -> etree.XMLParser:
    # XInclude runs only when asked for (``xinclude()``), which this module never does.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PIECE = 1024 * 1024


def read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    """At most ``limit`` bytes of ``stream``; more is refused (counted, not trusted). Read in
    pieces: asking for ``limit`` bytes at once would reserve that much memory every time."""
    parts: list[bytes] = []
    total = 0
    while total <= limit:
        part = stream.read(min(_PIECE, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    data = b"".join(parts)
    if len(data) > limit:
        raise ValidationError(
            f"{name}: die Nachricht ist größer als die erlaubten {limit:,} Bytes "
            "(EAKTE_XDOMEA_MAX_XML_BYTES); nicht übernommen.".replace(",", ".")
        )
    return data


def parse_bytes(data: bytes, name: str, accept: tuple[str, ...] | None = None) -> ParsedMessage:
    """Parse a message; ``accept`` limits the message codes (default: every known one)."""
    if _DECLARATION.search(data):
        raise ValidationError(f"{name} {_DTD_REFUSAL}.")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValidationError(f"{name} ist kein wohlgeformtes XML: {exc}.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ValidationError(f"{name} {_DTD_REFUSAL}.")
    if any(True for _ in root.iter(etree.Entity)):
        raise ValidationError(f"{name} {_DTD_REFUSAL}.")
    return _identify(root, data, name, accept)


def parse_stream(
    stream: BinaryIO, limit: int, name: str, accept: tuple[str, ...] | None = None
) -> ParsedMessage:
    """Read at most ``limit`` bytes from ``stream`` and parse them as an xdomea message."""
    return parse_bytes(read_limited(stream, limit, name), name, accept)


def _identify(
    root: etree._Element, data: bytes, name: str, accept: tuple[str, ...] | None
) -> ParsedMessage:
    qname = etree.QName(root)
    namespace = qname.namespace or ""
    version = NAMESPACES.get(namespace)
    if version is None:
        known = " oder ".join(NAMESPACES)
        raise ValidationError(
            f"{name}: der Namensraum {namespace or '(keiner)'!s} des Wurzelelements "
            f"»{qname.localname}« ist kein xdomea 3.0.0/3.1.0; erwartet wird {known}."
        )
    code = _CODE_OF_NAME.get(qname.localname)
    allowed = accept or tuple(MESSAGE_NAMES)
    if code is None or code not in allowed:
        names = ", ".join(MESSAGE_NAMES[c] for c in allowed)
        raise ValidationError(
            f"{name}: die Nachricht »{qname.localname}« wird hier nicht angenommen; "
            f"erwartet wird {names}."
        )
    return ParsedMessage(root, version, code, data)
