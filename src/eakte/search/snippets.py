"""Highlighted snippets, computed in Python from the original text on every backend."""

from __future__ import annotations

import html
import re
from itertools import islice

from eakte.search.analyzer import MAX_TOKEN_LENGTH, stems

_WORD = re.compile(r"\w+", re.UNICODE)
CHUNK = 2000
MAX_SCAN_WORDS = 40_000


def _matches(stem: str, exact: set[str], prefixes: tuple[str, ...]) -> bool:
    return stem in exact or any(stem.startswith(p) for p in prefixes)


def _best_window(hits: list[tuple[int, str]], width: int) -> int:
    """Index (into the chunk's words) where a window of ``width`` words covers most distinct
    matched stems."""
    best_start, best_score = hits[0][0], -1
    for i, (start, _) in enumerate(hits):
        distinct = {stem for pos, stem in hits[i:] if pos < start + width}
        if len(distinct) > best_score:
            best_start, best_score = start, len(distinct)
    return best_start


def highlight(text: str, exact: set[str], prefixes: tuple[str, ...], width: int = 32) -> str:
    """An HTML-escaped excerpt of ``text`` around the best cluster of matches, with ``<mark>``."""
    iterator = _WORD.finditer(text)
    for chunk_start in range(0, MAX_SCAN_WORDS, CHUNK):
        spans = [m.span() for m in islice(iterator, CHUNK)]
        if not spans:
            break
        tokens = [text[a:b].lower() for a, b in spans]
        analyzed = stems([t if len(t) <= MAX_TOKEN_LENGTH else "" for t in tokens])
        found = [(i, s) for i, s in enumerate(analyzed) if s and _matches(s, exact, prefixes)]
        if found:
            start = max(0, _best_window(found, width) - 4)
            marked = {i for i, _ in found}
            return _render(
                text,
                spans,
                start,
                min(len(spans), start + width),
                marked,
                text_before=chunk_start > 0,
            )
    if not text:
        return ""
    all_spans = [m.span() for _, m in zip(range(width), _WORD.finditer(text), strict=False)]
    return _render(text, all_spans, 0, len(all_spans), set()) if all_spans else ""


def _render(
    text: str,
    spans: list[tuple[int, int]],
    start: int,
    stop: int,
    marked: set[int],
    text_before: bool = False,
) -> str:
    if start > 0 or text_before:
        out = ["… "]
    else:  # keep punctuation before the first word
        out = [html.escape(" ".join(text[max(0, spans[0][0] - 20) : spans[0][0]].split()))]
    for i in range(start, stop):
        a, b = spans[i]
        if i > start:
            out.append(html.escape(_gap(text[spans[i - 1][1] : a])))
        word = html.escape(text[a:b])
        out.append(f"<mark>{word}</mark>" if i in marked else word)
    end = spans[stop - 1][1]
    if stop < len(spans) or _WORD.search(text, end):
        out.append(" …")
    else:
        out.append(html.escape(" ".join(text[end : end + 20].split())))
    return "".join(out)


def _gap(between: str) -> str:
    """Punctuation between two words, with runs of white space squeezed to one blank."""
    squeezed = " ".join(between.split())
    if not squeezed:
        return " "
    lead = " " if between[:1].isspace() else ""
    trail = " " if between[-1:].isspace() else ""
    return lead + squeezed + trail
