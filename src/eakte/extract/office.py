"""Word (DOCX, python-docx) and OpenDocument text (ODT, parsed with hardened lxml)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from lxml import etree

from eakte.extract.base import Extraction

MAX_XML_BYTES = 200 * 1024 * 1024
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
DC_NS = "http://purl.org/dc/elements/1.1/"


def safe_parser() -> etree.XMLParser:
    """An lxml parser for untrusted XML: no entities, no network, no DTD loading."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class DocxExtractor:
    kind = "docx"

    def extract(self, path: Path, result: Extraction) -> None:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise ValueError("DOCX ist unplausibel groß (möglicherweise eine ZIP-Bombe)")
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append("\t".join(cell.text for cell in row.cells))
        result.text = "\n".join(parts)
        core = document.core_properties
        result.title = (core.title or "").strip() or None
        if core.created is not None:
            result.document_date = core.created.date()


def _odt_text(element: etree._Element) -> str:
    out: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == f"{{{TEXT_NS}}}s":
            out.append(" " * int(node.get(f"{{{TEXT_NS}}}c", "1")))
        elif tag == f"{{{TEXT_NS}}}tab":
            out.append("\t")
        elif tag == f"{{{TEXT_NS}}}line-break":
            out.append("\n")
        elif node.text and tag:
            out.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                out.append(child.tail)

    walk(element)
    return "".join(out)


class OdtExtractor:
    kind = "odt"

    def extract(self, path: Path, result: Extraction) -> None:
        with zipfile.ZipFile(path) as archive:
            content = self._read(archive, "content.xml")
            meta = self._read(archive, "meta.xml", required=False)
        root = etree.fromstring(content, safe_parser())
        blocks = root.iter(f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h")
        result.text = "\n".join(_odt_text(block) for block in blocks)
        if meta:
            title = etree.fromstring(meta, safe_parser()).find(f".//{{{DC_NS}}}title")
            if title is not None and title.text and title.text.strip():
                result.title = title.text.strip()

    @staticmethod
    def _read(archive: zipfile.ZipFile, name: str, required: bool = True) -> bytes:
        try:
            info = archive.getinfo(name)
        except KeyError:
            if required:
                raise ValueError(f"ODT enthält kein {name}") from None
            return b""
        if info.file_size > MAX_XML_BYTES:
            raise ValueError("ODT ist unplausibel groß (möglicherweise eine ZIP-Bombe)")
        return archive.read(name)
