"""Scanned pages made by the tests: German text rendered with DejaVu, skewed, with noise."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
FONT_FALLBACK = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

TEXTS = [
    "Landkreis Musterland – Bauamt\n"
    "Bescheid über die Baugenehmigung\n"
    "Sehr geehrte Frau Wagner, auf Ihren Antrag vom 3. März wird die Genehmigung\n"
    "für den Neubau einer Garage auf dem Grundstück Lindenstraße 12 erteilt.\n"
    "Die Abstandsflächen sind eingehalten. Der Brandschutznachweis liegt vor.\n"
    "Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.",
    "Jugendamt – Hilfeplangespräch\n"
    "Anwesend waren die Mutter, der Vormund und die Fachkraft des Jugendamts.\n"
    "Vereinbart wurde eine Erziehungsbeistandschaft für zunächst sechs Monate.\n"
    "Die nächste Überprüfung findet im Herbst statt. Änderungswünsche bitte schriftlich.",
    "Ordnungsamt – Anhörung\n"
    "Ihnen wird vorgeworfen, am Marktplatz ohne Erlaubnis einen Verkaufsstand\n"
    "betrieben zu haben. Sie erhalten Gelegenheit, sich innerhalb von zwei Wochen\n"
    "zu äußern. Bußgeldbehörde des Landkreises Musterland.",
]

# The pages as printed: like typeset text, the second breaks a word at a line's end
# ("Erziehungsbei-" / "standschaft"); search must still find the whole word.
PRINTED = [
    TEXTS[0],
    TEXTS[1].replace("eine Erziehungsbeistandschaft für", "eine Erziehungsbei-\nstandschaft für"),
    TEXTS[2],
]


def font(size: int) -> ImageFont.FreeTypeFont:
    for path in (FONT, FONT_FALLBACK):
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    pytest.skip("Schrift DejaVu fehlt (Debian-Paket fonts-dejavu-core)")


def render_page(
    body: str, dpi: int = 300, skew: float = 2.0, noise: float = 0.004, seed: int = 1
) -> Image.Image:
    """An A4 page (at ``dpi``) with ``body`` in 12 pt, rotated by ``skew`` degrees, with salt
    and pepper noise on ``noise`` of the pixels and a slight blur, in grey."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    face = font(round(12 * dpi / 72))
    y = dpi  # one inch margin
    for line in body.splitlines():
        draw.text((dpi, y), line, font=face, fill=20)
        y += round(20 * dpi / 72)
    page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    rng = random.Random(seed)
    pixels = page.load()
    assert pixels is not None
    for _ in range(int(width * height * noise)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 255))
    return page.filter(ImageFilter.GaussianBlur(0.6))


def save_png(page: Image.Image, path: Path, dpi: int = 300) -> Path:
    page.save(path, format="PNG", dpi=(dpi, dpi))
    return path


def save_tiff(pages: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    pages[0].save(
        path,
        format="TIFF",
        save_all=True,
        append_images=pages[1:],
        dpi=(dpi, dpi),
        compression="tiff_lzw",
    )
    return path


def save_image_pdf(pages: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """An image-only PDF (no text layer), as a scanner writes it."""
    rgb = [p.convert("RGB") for p in pages]
    rgb[0].save(path, format="PDF", save_all=True, append_images=rgb[1:], resolution=dpi)
    return path


WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_recall(truth: str, found: str) -> float:
    """Share of the ground truth's words (with repetitions) that occur in ``found``."""
    expected = words(truth)
    available: dict[str, int] = {}
    for word in words(found):
        available[word] = available.get(word, 0) + 1
    hits = 0
    for word in expected:
        if available.get(word, 0) > 0:
            available[word] -= 1
            hits += 1
    return hits / len(expected) if expected else 1.0
