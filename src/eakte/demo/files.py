"""Writers for the files the demo county (and the tests) generate: PDF with a text layer,
ODT, DOCX, e-mail, and a scanned-looking page. Written here so no third-party sample is needed."""

from __future__ import annotations

import io
import random
import textwrap
import zipfile
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from xml.sax.saxutils import escape

LINES_PER_PAGE = 48


def _pdf_string(line: str) -> bytes:
    raw = line.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrap(text: str, width: int = 90) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    return lines


def pdf_bytes(text: str, title: str = "", created: datetime | None = None) -> bytes:
    """A plain A4 PDF whose text layer holds ``text`` (Helvetica, WinAnsi: German umlauts)."""
    lines = _wrap(text)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(f"{p} 0 R".encode() for p in page_ids)
    objects.append(
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(len(pages)).encode() + b" >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for page_lines in pages:
        stream = (
            b"BT /F1 11 Tf 14 TL 56 790 Td "
            + b" ".join(_pdf_string(line) + b" Tj T*" for line in page_lines)
            + b" ET"
        )
        content_id = len(objects) + 2
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents "
            + str(content_id).encode()
            + b" 0 R >>"
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    when = (created or datetime(2026, 1, 1)).strftime("D:%Y%m%d%H%M%S")
    title_hex = ("feff" + title.encode("utf-16-be").hex()).encode()
    objects.append(
        b"<< /Title <"
        + title_hex
        + b"> /CreationDate ("
        + when.encode()
        + b") /Producer (eakte demo) >>"
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def odt_bytes(text: str, title: str = "") -> bytes:
    """A minimal OpenDocument text file, one paragraph per line."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in text.split("\n"))
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'xmlns:office="{office}" xmlns:text="{text_ns}" office:version="1.3">'
        f"<office:body><office:text>{paragraphs}</office:text></office:body>"
        "</office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office='
        f'"{office}" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">'
        f"<office:meta><dc:title>{escape(title)}</dc:title></office:meta>"
        "</office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx_bytes(text: str, title: str = "", created: datetime | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.created = created or datetime(2026, 1, 1)
    lines = text.split("\n")
    if title:
        document.add_heading(title, level=1)
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def eml_bytes(
    sender: str,
    to: str,
    subject: str,
    body: str,
    when: datetime,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """An e-mail; ``attachments`` are (file name, bytes, media type)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(when)
    message.set_content(body)
    for name, data, media_type in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def scan_png_bytes(text: str, seed: int = 1, skew_degrees: float = 1.2) -> bytes:
    """A page that looks scanned: dark text on off-white, slightly rotated, with specks."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 1240, 1754  # A4 at 150 dpi
    page = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=30)
    y = 140
    for line in _wrap(text, 60):
        draw.text((120, y), line, fill=25, font=font)
        y += 44
    rng = random.Random(seed)
    for _ in range(2500):
        x, yy = rng.randrange(width), rng.randrange(height)
        page.putpixel((x, yy), rng.choice((90, 140, 200)))
    page = page.rotate(skew_degrees, expand=False, fillcolor=246)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def image_pdf_bytes(png: bytes) -> bytes:
    """An image-only PDF (no text layer) from a PNG page."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("L").save(out, format="PDF", resolution=150.0)
    return out.getvalue()
