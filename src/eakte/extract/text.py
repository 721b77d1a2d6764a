"""Plain text, Markdown and HTML."""

from __future__ import annotations

import os
from pathlib import Path

import lxml.html
from lxml import etree

from eakte.extract.base import Extraction

MAX_TEXT_BYTES = 256 * 1024 * 1024


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as German offices use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _read_limited(path: Path) -> bytes:
    # The size first, then the whole file: asking for MAX_TEXT_BYTES + 1 bytes at once would
    # reserve 256 MiB for every text file, however small.
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > MAX_TEXT_BYTES:
            raise ValueError("Textdatei ist größer als 256 MiB; nur der Anfang wäre durchsuchbar")
        return handle.read()


class TextExtractor:
    kind = "text"

    def extract(self, path: Path, result: Extraction) -> None:
        result.text = decode_text(_read_limited(path)).replace("\r\n", "\n")


def html_to_text(markup: str | bytes) -> tuple[str, str | None]:
    """Visible text and title of an HTML page; scripts and styles dropped, nothing fetched."""
    if isinstance(markup, str):
        markup = markup.encode("utf-8")
    if not markup.strip():
        return "", None
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, encoding="utf-8")
    try:
        root = lxml.html.fromstring(markup, parser=parser)
    except etree.ParserError:
        return "", None
    for bad in root.xpath("//script|//style|//head/meta"):
        bad.drop_tree()
    title_nodes = root.xpath("//title")
    title = title_nodes[0].text_content().strip() if title_nodes else None
    for node in root.xpath("//title"):
        node.drop_tree()
    for block in root.xpath("//p|//div|//br|//li|//tr|//h1|//h2|//h3|//h4|//h5|//h6"):
        block.tail = "\n" + (block.tail or "")
    text = "\n".join(line.strip() for line in root.text_content().splitlines())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip(), title or None


class HtmlExtractor:
    kind = "html"

    def extract(self, path: Path, result: Extraction) -> None:
        text, title = html_to_text(decode_text(_read_limited(path)))
        result.text, result.title = text, title
