"""OCR throughput and quality: eakte's worker against OCRmyPDF run directly, same pages, same run.

Pages: the image-only PDFs ``small/ocr_gt/*.scan.pdf`` of the corpus (mild scans of German
prose pages, one page each) and, for quality, ``*.hard.jpg`` (200 dpi, binarised).

* **direct** (baseline): OCRmyPDF's own command (``ocrmypdf`` beside the interpreter) with
  exactly the options eakte uses
  (``eakte.ocr.engine.ocrmypdf_command``: ``-l deu+eng --deskew --rotate-pages
  --rotate-pages-threshold 18 --output-type pdfa-2 --jobs 1 --sidecar``; ``--languages`` as
  eakte's ``ocr_languages``),
  ``OMP_THREAD_LIMIT=1``, as many processes at once as there are cores (``--threads``), one per
  page file. Its text (Tesseract's sidecar, as OCRmyPDF writes it) is scored too.
* **eakte**: a fresh installation (SQLite or ``--database-url``), the pages filed with
  ``add_paths`` (not timed; they wait for OCR), then ``Worker(threads=N).run(until_idle=True)``
  timed: claiming, the OCR child process, storing the PDF/A, text, index and audit.

``overhead`` = eakte seconds ÷ direct seconds − 1 (target ≤ 0.10). Quality: word recall (share
of the ground truth's words, with repetitions, found in the OCR text) and character error rate
(edit distance ÷ ground-truth characters, whitespace collapsed) of eakte's stored text against
``*.gt.txt``, per page and summarised, for the mild and the hard scans; and of OCRmyPDF's own
sidecar text from the direct run (``quality_mild_direct``), which shows what eakte's text step
(``eakte.ocr.text``: words broken at line ends joined) adds.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import mean, median
from typing import Any

from sqlalchemy import select

from benchlib import (
    ACTOR,
    add_common_options,
    corpus_root,
    emit,
    log,
    make_settings,
    rnd,
    setup_org,
)
from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.db.schema import document_texts, documents, versions
from eakte.ingest.batch import add_paths
from eakte.ingest.filing import Filer
from eakte.ocr.engine import ocr_environment, ocrmypdf_command, tool_versions
from eakte.ocr.service import cores
from eakte.settings import Settings
from eakte.worker.runner import Worker

WORD = re.compile(r"\w+")
# OCRmyPDF's own command, installed with eakte in the same environment.
OCRMYPDF = str(Path(sys.executable).with_name("ocrmypdf"))


# --------------------------------------------------------------------------- quality


def word_recall(truth: str, found: str) -> float:
    available: dict[str, int] = {}
    for word in WORD.findall(found.lower()):
        available[word] = available.get(word, 0) + 1
    expected = WORD.findall(truth.lower())
    hits = 0
    for word in expected:
        if available.get(word, 0):
            available[word] -= 1
            hits += 1
    return hits / len(expected) if expected else 1.0


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_error_rate(truth: str, found: str) -> float:
    """Edit distance of the whitespace-collapsed texts ÷ ground-truth characters. Aligned word
    by word first (difflib), then exact edit distance inside each differing stretch: the same
    as a full Levenshtein distance wherever the alignment agrees, at a fraction of the cost."""
    a, b = truth.split(), found.split()
    errors = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        left, right = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        errors += _levenshtein(left, right) if left and right else len(left) + len(right) + 1
    total = len(" ".join(a))
    return errors / total if total else 0.0


def summarise(values: list[float]) -> dict[str, float]:
    return {
        "mean": rnd(mean(values), 4),
        "median": rnd(median(values), 4),
        "min": rnd(min(values), 4),
        "max": rnd(max(values), 4),
    }


# --------------------------------------------------------------------------- runs


def run_direct(
    pages: list[Path], threads: int, work: Path, languages: str
) -> tuple[float, dict[str, str]]:
    """OCRmyPDF directly on every page, ``threads`` processes at once; returns seconds and
    the sidecar text per file name."""
    shutil.rmtree(work, ignore_errors=True)
    (work / "input").mkdir(parents=True)
    # Read from the scratch folder, as eakte reads its blob store (not from the corpus share).
    local = [Path(shutil.copy(page, work / "input" / page.name)) for page in pages]

    def one(page: Path) -> None:
        out = work / page.stem
        out.mkdir()
        arguments = ocrmypdf_command(page, out / "ocr.pdf", out / "ocr.txt", languages, 1)
        subprocess.run(
            [OCRMYPDF, *arguments],
            env=ocr_environment(),
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, local))
    seconds = time.perf_counter() - started
    return seconds, {p.name: (work / p.stem / "ocr.txt").read_text("utf-8") for p in local}


def run_eakte(
    pages: list[Path], threads: int, work: Path, database_url: str | None, languages: str
) -> tuple[float, dict[str, str], dict[str, Any]]:
    """File the pages, then time the worker until idle; returns seconds, text per file name,
    and the worker's summary."""
    shutil.rmtree(work, ignore_errors=True)
    settings = make_settings(
        work / "data",
        database_url,
        ocr_jobs=1,
        worker_poll_seconds=0.2,
        ocr_languages=languages,
    )
    db = Database(settings)
    upgrade(db)
    blobs = FolderBlobStore(settings.resolved_blob_dir)
    blobs.ensure()
    org = setup_org(db, settings, units=1, label="OCR")
    inbox = work / "pages"
    inbox.mkdir()
    for page in pages:
        shutil.copy(page, inbox / page.name)
    filed = add_paths(
        db, Filer(blobs, settings.max_file_size), org.cases[0].reference, [inbox], ACTOR
    )
    assert filed.added == len(pages), filed
    worker = Worker(db, blobs, settings, threads=threads)
    started = time.perf_counter()
    summary = worker.run(until_idle=True)
    seconds = time.perf_counter() - started
    with db.read() as connection:
        rows = connection.execute(
            select(versions.c.filename, document_texts.c.text, documents.c.state)
            .join(documents, documents.c.id == versions.c.document_id)
            .join(document_texts, document_texts.c.document_id == documents.c.id)
        ).all()
    db.dispose()
    states = {row.state for row in rows}
    return (
        seconds,
        {row.filename: row.text for row in rows},
        {"outcomes": dict(summary.outcomes), "states": sorted(states)},
    )


def quality(texts: dict[str, str], suffix: str, folder: Path) -> dict[str, Any]:
    per_page = []
    for name, text in sorted(texts.items()):
        truth_path = folder / name.replace(suffix, ".gt.txt")
        truth = truth_path.read_text("utf-8")
        per_page.append(
            {
                "page": name.replace(suffix, ""),
                "word_recall": rnd(word_recall(truth, text), 4),
                "cer": rnd(char_error_rate(truth, text), 4),
            }
        )
    return {
        "pages": len(per_page),
        "word_recall": summarise([p["word_recall"] for p in per_page]),
        "cer": summarise([p["cer"] for p in per_page]),
        "per_page": per_page,
    }


def load_average() -> list[float]:
    return [rnd(v, 2) for v in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(parser)
    parser.add_argument("--threads", type=int, default=cores(), help="OCR processes at once")
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (median reported)")
    parser.add_argument("--no-hard", action="store_true", help="skip the hard scans")
    parser.add_argument(
        "--languages",
        default=Settings.model_fields["ocr_languages"].default,
        help="Tesseract languages for both (default: eakte's ocr_languages default)",
    )
    args = parser.parse_args()

    folder = corpus_root() / "small" / "ocr_gt"
    pages = sorted(folder.glob("*.scan.pdf"))
    hard = sorted(folder.glob("*.hard.jpg"))
    if args.pages:
        pages, hard = pages[: args.pages], hard[: args.pages]
    if not pages:
        raise SystemExit(f"no *.scan.pdf in {folder}")
    work = Path(tempfile.mkdtemp(prefix="ocr-", dir=args.work if args.work.is_dir() else None))
    result: dict[str, Any] = {
        "benchmark": "ocr",
        "tool": tool_versions(),
        "cores": cores(),
        "threads": args.threads,
        "pages": len(pages),
        "languages": args.languages,
        "load_before": load_average(),
    }
    direct_runs, eakte_runs = [], []
    texts: dict[str, str] = {}
    direct_texts: dict[str, str] = {}
    details: dict[str, Any] = {}
    for round_number in range(args.repeat):
        # Alternate which goes first, so that a drift in the machine's load hits both alike.
        for which in ("direct", "eakte") if round_number % 2 == 0 else ("eakte", "direct"):
            log(f"round {round_number + 1}: {which} on {len(pages)} pages …")
            if which == "direct":
                seconds, direct_texts = run_direct(
                    pages, args.threads, work / "direct", args.languages
                )
                direct_runs.append(seconds)
                log(f"  {direct_runs[-1]:.1f} s")
            else:
                seconds, texts, details = run_eakte(
                    pages, args.threads, work / "eakte", args.database_url, args.languages
                )
                eakte_runs.append(seconds)
                log(f"  {seconds:.1f} s")
    direct_s, eakte_s = median(direct_runs), median(eakte_runs)
    result.update(
        {
            "direct": {
                "seconds": rnd(direct_s, 2),
                "pages_per_s": rnd(len(pages) / direct_s, 3),
                "runs_seconds": [rnd(s, 2) for s in direct_runs],
            },
            "eakte": {
                "seconds": rnd(eakte_s, 2),
                "pages_per_s": rnd(len(pages) / eakte_s, 3),
                "runs_seconds": [rnd(s, 2) for s in eakte_runs],
                **details,
            },
            "overhead": rnd(eakte_s / direct_s - 1, 3),
            "quality_mild": quality(texts, ".scan.pdf", folder),
            "quality_mild_direct": quality(direct_texts, ".scan.pdf", folder),
        }
    )
    if hard and not args.no_hard:
        log(f"eakte worker on {len(hard)} hard scans (quality) …")
        seconds, hard_texts, hard_details = run_eakte(
            hard, args.threads, work / "hard", args.database_url, args.languages
        )
        result["quality_hard"] = {
            "seconds": rnd(seconds, 2),
            "pages_per_s": rnd(len(hard) / seconds, 3),
            **hard_details,
            **quality(hard_texts, ".hard.jpg", folder),
        }
    result["load_after"] = load_average()
    shutil.rmtree(work, ignore_errors=True)
    emit(result)


if __name__ == "__main__":
    main()
