"""Text extraction from every supported format, and bad input that must not stop filing."""

import zipfile
from pathlib import Path

import pytest

from eakte.extract import detect, extract_file
from tests.helpers import write_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_samples(tmp_path_factory.mktemp("samples"))


@pytest.mark.parametrize(
    ("key", "kind", "needle"),
    [
        ("pdf", "pdf", "Baugenehmigung für die Garage"),
        ("docx", "docx", "Naturschutzbehörde stimmt"),
        ("odt", "odt", "Abstandsflächen sind eingehalten"),
        ("txt", "text", "Brandschutzgutachten"),
        ("md", "text", "Erschliessung des Baugebiets"),
        ("html", "html", "Öffnungszeiten der Bauaufsicht"),
        ("eml", "email", "Anbei die Statik"),
    ],
)
def test_text_of_each_format(samples: dict[str, Path], key: str, kind: str, needle: str) -> None:
    result = extract_file(samples[key])
    assert result.error is None
    assert result.kind == kind
    assert needle in result.text


def test_metadata_titles_and_dates(samples: dict[str, Path]) -> None:
    pdf = extract_file(samples["pdf"])
    assert pdf.title == "Baugenehmigung Garage"
    assert pdf.document_date is not None and pdf.document_date.isoformat() == "2025-03-14"
    html = extract_file(samples["html"])
    assert html.title == "Hinweis"
    assert "alert" not in html.text
    mail = extract_file(samples["eml"])
    assert mail.title == "Nachreichung Statik"
    assert mail.document_date is not None and mail.document_date.isoformat() == "2025-03-14"
    assert [a.filename for a in mail.attachments] == ["Statik.pdf"]
    assert "Betreff: Nachreichung Statik" in mail.text


def test_images_wait_for_ocr(samples: dict[str, Path]) -> None:
    result = extract_file(samples["png"])
    assert result.kind == "image"
    assert result.needs_ocr
    assert result.error is None


def test_image_only_pdf_waits_for_ocr(tmp_path: Path) -> None:
    from eakte.demo import files

    path = tmp_path / "scan.pdf"
    path.write_bytes(files.image_pdf_bytes(files.scan_png_bytes("Eingang", 1)))
    result = extract_file(path)
    assert (result.kind, result.needs_ocr, result.error) == ("pdf", True, None)


def test_detection_trusts_content_not_the_name(samples: dict[str, Path], tmp_path: Path) -> None:
    renamed = tmp_path / "rechnung.txt"
    renamed.write_bytes(samples["pdf"].read_bytes())
    assert detect(renamed).kind == "pdf"
    docx_as_zip = tmp_path / "x.zip"
    docx_as_zip.write_bytes(samples["docx"].read_bytes())
    assert detect(docx_as_zip).kind == "docx"


@pytest.mark.parametrize(
    ("name", "data", "part"),
    [
        ("kaputt.pdf", b"%PDF-1.4\n1 0 obj garbage", "beschädigt"),
        ("leer.pdf", b"", "beschädigt"),
        ("kaputt.docx", b"PK\x03\x04 not really a zip", None),
        ("kaputt.eml", b"From: x\nSubject: =?broken?=\n\n\xff\xfe", None),
    ],
)
def test_corrupt_files_give_an_error_not_an_exception(
    tmp_path: Path, name: str, data: bytes, part: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = extract_file(path)
    if part is not None:
        assert result.error is not None and part in result.error
    assert result.text == "" or result.error is None


def test_docx_with_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIMNIS")
    odt = tmp_path / "boese.odt"
    content = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        "<office:text><text:p>Inhalt &xxe;</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    result = extract_file(odt)
    assert "GEHEIMNIS" not in result.text


def test_odt_zip_bomb_is_refused(tmp_path: Path) -> None:
    odt = tmp_path / "bombe.odt"
    with zipfile.ZipFile(odt, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<a>" + b" " * (210 * 1024 * 1024) + b"</a>")
    result = extract_file(odt)
    assert result.error is not None and "ZIP-Bombe" in result.error


def test_windows_1252_text(tmp_path: Path) -> None:
    path = tmp_path / "alt.txt"
    path.write_bytes("Grüße aus Köln – Straße".encode("cp1252"))
    assert extract_file(path).text == "Grüße aus Köln – Straße"
