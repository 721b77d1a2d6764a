"""Run OCR on one file: OCRmyPDF with Tesseract, in a child process.

Images (PNG, JPEG, TIFF with any number of pages, …) are first put into a PDF page by page
without recompressing what can stay as it is; PDFs go in as they are. OCRmyPDF deskews, turns
pages the right way up, lays a text layer over every page and writes a PDF/A-2b. The text
for search is Tesseract's own (OCRmyPDF's sidecar), with words broken at line ends joined
(``eakte.ocr.text``).
``OMP_THREAD_LIMIT=1`` keeps each Tesseract to one thread: parallelism comes from pages
(``jobs``), never from threads fighting over the cores.

The original file is only read. Errors become ``OcrError`` with a German message and whether
trying again can help (``permanent``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFile, ImageSequence, UnidentifiedImageError

from eakte.ocr.text import join_line_breaks

# Exit codes of OCRmyPDF (ocrmypdf.exceptions.ExitCode).
_EXIT_MESSAGES = {
    1: ("Aufruf der Texterkennung fehlerhaft", False),
    2: ("Die Datei lässt sich nicht als Scan lesen", True),
    3: ("Ein Programm oder Sprachpaket der Texterkennung fehlt", False),
    4: ("Die Texterkennung hat ein ungültiges PDF erzeugt", False),
    5: ("Die Texterkennung konnte auf eine Datei nicht zugreifen", False),
    6: ("Das PDF enthält schon eine Texterkennung oder ist ein Tagged PDF", True),
    7: ("Ein Hilfsprogramm der Texterkennung ist abgestürzt", False),
    8: ("Das PDF ist verschlüsselt; ohne Passwort ist keine Texterkennung möglich", True),
    9: ("Die Einstellungen der Texterkennung sind ungültig", False),
    10: ("Die Umwandlung in PDF/A ist fehlgeschlagen", False),
    15: ("Die Texterkennung ist mit einem unerwarteten Fehler abgebrochen", False),
}
_SKIPPED = "[OCR skipped on page"
PAGE_BREAK = "\n\n"  # between pages, as the PDF extractor joins them
# Turn a page only when Tesseract's orientation guess is this sure. OCRmyPDF's default (14)
# turned an upright binarised corpus page upside down (confidence 14.4); pages that really were
# upside down scored 22 and more.
ROTATE_THRESHOLD = "18"
_KEEP_AS_IS = {"JPEG", "PNG"}  # formats a PDF can carry without recompression (img2pdf)


class OcrError(Exception):
    """OCR of a file failed. ``permanent``: the input itself is the problem; retrying the same
    bytes cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class OcrOutput:
    pdf: Path  # in the caller's work folder
    text: str  # page texts separated by blank lines
    pages: int
    pdfa: bool  # False: OCRmyPDF could not make it PDF/A; a plain PDF with text layer
    tool: str  # programs, versions and languages, for the rendition record


@functools.cache
def tool_versions() -> str:
    """``ocrmypdf 17.13.0, Tesseract 5.3.0`` (read once per process)."""
    try:
        ocrmypdf = metadata.version("ocrmypdf")
    except metadata.PackageNotFoundError:
        ocrmypdf = "?"
    tesseract = "?"
    binary = shutil.which("tesseract")
    if binary:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            first = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
            ).stdout.splitlines()
            tesseract = first[0].split()[-1] if first else "?"
    return f"ocrmypdf {ocrmypdf}, Tesseract {tesseract}"


def _stated_dpi(frame: Image.Image) -> tuple[float, float] | None:
    """The resolution an image states, unless missing or a screen default (72/96 dpi)."""
    dpi = frame.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    if not (100 <= x <= 4800 and 100 <= y <= 4800):
        return None
    return x, y


def _frame_dpi(frame: Image.Image, default_dpi: int) -> tuple[float, float]:
    return _stated_dpi(frame) or (float(default_dpi), float(default_dpi))


def _flatten(frame: Image.Image) -> Image.Image:
    """A page a PDF can hold: 1-bit, grey or RGB; transparency laid on white paper."""
    if frame.mode in ("1", "L", "RGB"):
        return frame
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return frame.convert("RGB")


def image_to_pdf(source: Path, target: Path, default_dpi: int) -> int:
    """Put every page (frame) of the image ``source`` into the PDF ``target``; returns the
    number of pages. JPEG and PNG pages with a stated resolution go in unchanged; everything
    else is converted losslessly (PNG)."""
    import img2pdf

    try:
        with _strict_loading(), Image.open(source) as image:
            frames: list[bytes] = []
            if (
                image.format in _KEEP_AS_IS
                and getattr(image, "n_frames", 1) == 1
                and image.mode in ("1", "L", "RGB")
                and _stated_dpi(image) is not None
            ):
                image.load()  # reads the whole file: a truncated one fails here
                frames.append(source.read_bytes())
            if not frames:
                for frame in ImageSequence.Iterator(image):
                    dpi = _frame_dpi(frame, default_dpi)
                    page = _flatten(frame)
                    buffer = io.BytesIO()
                    page.save(buffer, format="PNG", dpi=(round(dpi[0]), round(dpi[1])))
                    frames.append(buffer.getvalue())
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        raise OcrError(
            f"Das Bild ist beschädigt oder unvollständig und lässt sich nicht lesen ({exc}).",
            permanent=True,
        ) from exc
    if not frames:
        raise OcrError("Das Bild enthält keine Seite.", permanent=True)
    try:
        target.write_bytes(img2pdf.convert(frames))
    except Exception as exc:  # img2pdf raises its own error types for odd images
        raise OcrError(
            f"Das Bild lässt sich nicht in ein PDF übernehmen ({exc}).", permanent=True
        ) from exc
    return len(frames)


@contextlib.contextmanager
def _strict_loading() -> Iterator[None]:
    """Refuse truncated images while reading one. Pillow's switch is process-wide and
    WeasyPrint turns it on when imported (the portfolio report), which would let a cut-off
    scan through as a page that is grey at the bottom."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def _page_texts(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def _has_text(pdf: Path) -> bool:
    """Whether any page of ``pdf`` has a text layer (``False`` also for unreadable PDFs: the
    OCR run then says what is wrong with it)."""
    try:
        return any(text.strip() for text in _page_texts(pdf))
    except pdfium.PdfiumError:
        return False


def _merge_text(sidecar: str, layer: list[str]) -> str:
    """Tesseract's text per page; pages OCRmyPDF skipped (they had text) from the PDF."""
    pages = sidecar.split("\f")
    if pages and not pages[-1].strip() and len(pages) == len(layer) + 1:
        pages.pop()
    if len(pages) != len(layer):
        return PAGE_BREAK.join(p.strip("\n") for p in layer)
    merged = [
        layer[index] if page.lstrip().startswith(_SKIPPED) else page
        for index, page in enumerate(pages)
    ]
    return PAGE_BREAK.join(p.strip("\n") for p in merged)


def ocrmypdf_command(
    source: Path, output: Path, sidecar: Path, languages: str, jobs: int, mixed: bool = False
) -> list[str]:
    """The OCRmyPDF command line eakte runs (``bench/ocr.py`` runs the same one directly).

    Pages without text keep their image; a text layer is laid over them. A PDF that mixes
    text pages with scanned ones (``mixed``) is OCRed as a whole (``--force-ocr``: its text
    pages are rasterised in the rendition): ``--skip-text`` would need Ghostscript newer than
    Debian 12's 10.0.0, which OCRmyPDF refuses for it. The original stays as it was."""
    return [
        "-l",
        languages,
        "--deskew",
        "--rotate-pages",
        "--rotate-pages-threshold",
        ROTATE_THRESHOLD,
        *(["--force-ocr"] if mixed else []),
        "--output-type",
        "pdfa-2",
        "--jobs",
        str(jobs),
        "--quiet",
        "--sidecar",
        str(sidecar),
        str(source),
        str(output),
    ]


def ocr_environment() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _run_child(arguments: list[str], timeout: float) -> tuple[int, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "eakte.ocr.child", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ocr_environment(),
        start_new_session=True,  # its own process group: a timeout ends all its helpers
    )
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise OcrError(
            f"Die Texterkennung hat das Zeitlimit von {int(timeout)} Sekunden überschritten "
            "(EAKTE_OCR_TIMEOUT_SECONDS)."
        ) from None
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return process.returncode, err.decode("utf-8", "replace")


def _last_lines(stderr: str, limit: int = 400) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " ".join(lines[-3:])[-limit:]


def run_ocr(
    source: Path,
    media_type: str,
    workdir: Path,
    languages: str = "deu+eng",
    jobs: int = 1,
    timeout: float = 1800,
    image_dpi: int = 300,
) -> OcrOutput:
    """OCR the file ``source`` (PDF or image) into ``workdir/ocr.pdf``."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    pdf_in, mixed = source, False
    if media_type.startswith("image/"):
        pdf_in = workdir / "input.pdf"
        image_to_pdf(source, pdf_in, image_dpi)
    else:
        mixed = _has_text(source)
    output, sidecar = workdir / "ocr.pdf", workdir / "ocr.txt"
    code, stderr = _run_child(
        ocrmypdf_command(pdf_in, output, sidecar, languages, max(1, jobs), mixed),
        max(1.0, timeout - (time.monotonic() - started)),
    )
    pdfa = code == 0
    if code not in (0, 4, 10) or not output.is_file():
        message, permanent = _EXIT_MESSAGES.get(
            code, (f"Die Texterkennung ist abgebrochen (Status {code})", False)
        )
        detail = _last_lines(stderr)
        raise OcrError(f"{message}{f': {detail}' if detail else '.'}", permanent)
    try:
        layer = _page_texts(output)
    except pdfium.PdfiumError as exc:
        raise OcrError(f"Das Ergebnis der Texterkennung ist unlesbar ({exc}).") from exc
    sidecar_text = sidecar.read_text("utf-8", "replace") if sidecar.is_file() else ""
    text = join_line_breaks(_merge_text(sidecar_text, layer).replace("\x00", ""))
    tool = f"{tool_versions()}, -l {languages}, {'PDF/A-2b' if pdfa else 'PDF'}"
    return OcrOutput(output, text, len(layer), pdfa, tool)
