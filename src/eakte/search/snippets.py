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
    """Word index where a window of ``width`` words covers the most distinct matched stems
    (the earliest such window); a sliding window over the hits, linear in their number."""
    best_start, best_score = hits[0][0], 0
    counts: dict[str, int] = {}
    left = 0
    for right, (position, stem) in enumerate(hits):
        counts[stem] = counts.get(stem, 0) + 1
        while hits[left][0] <= position - width:
            old = hits[left][1]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            left += 1
        if len(counts) > best_score:
            best_start, best_score = hits[left][0], len(counts)
        del right
    return best_start


def _fold_pattern(stem: str) -> str:
    """A regex for the surface forms whose folded start is ``stem`` (umlauts, ß)."""
    out = []
    for part in re.split("(ss)", stem):
        if part == "ss":
            out.append("(?:ss|ß)")
            continue
        for char in part:
            out.append({"a": "[aä]", "o": "[oö]", "u": "[uü]"}.get(char, re.escape(char)))
    return "".join(out)


def _locate(text: str, exact: set[str], prefixes: tuple[str, ...]) -> int | None:
    """Offset of the first word that really matches, found by a regex pre-filter."""
    targets = sorted(exact | set(prefixes), key=len, reverse=True)
    if not targets:
        return None
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(_fold_pattern(t) for t in targets) + r")\w*", re.IGNORECASE
    )
    for number, match in enumerate(pattern.finditer(text)):
        if number >= 200:
            break
        word = match.group(0).lower()
        if len(word) <= MAX_TOKEN_LENGTH and _matches(stems([word])[0], exact, prefixes):
            return match.start()
    return None


LONG_TEXT = 6000
WINDOW_BEFORE, WINDOW_AFTER = 400, 3000


def highlight(text: str, exact: set[str], prefixes: tuple[str, ...], width: int = 32) -> str:
    """An HTML-escaped excerpt of ``text`` around the best cluster of matches, with ``<mark>``."""
    if len(text) > LONG_TEXT:
        offset = _locate(text, exact, prefixes)
        if offset is not None:
            start = max(0, offset - WINDOW_BEFORE)
            window = text[start : offset + WINDOW_AFTER]
            return _scan(window, exact, prefixes, width, start > 0) or _lead(text, width)
        # No word of the text matches: the hit came from the title, subject or reference.
        return _lead(text, width)
    return _scan(text, exact, prefixes, width, False) or _lead(text, width)


def _scan(
    text: str, exact: set[str], prefixes: tuple[str, ...], width: int, text_before: bool
) -> str:
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
            if text_before and chunk_start == 0:
                start = max(start, 1)  # the cut may have split the first word
            marked = {i for i, _ in found}
            stop = min(len(spans), start + width)
            return _render(text, spans, start, stop, marked, text_before or chunk_start > 0)
    return ""


def _lead(text: str, width: int) -> str:
    """The beginning of the text, when no match lies in it (a hit on title or subject)."""
    spans = [m.span() for _, m in zip(range(width), _WORD.finditer(text), strict=False)]
    return _render(text, spans, 0, len(spans), set()) if spans else ""


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
