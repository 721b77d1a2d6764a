"""Turn a parsed query into index terms (stemmed, folded), independent of the backend."""

from __future__ import annotations

from dataclasses import dataclass

from eakte.core.query import ParsedQuery
from eakte.errors import QueryError
from eakte.search.analyzer import is_stopword, prefix_term, stems, words


@dataclass(frozen=True)
class MatchTerm:
    """One clause in index terms: a single stem, or several in a row (a phrase)."""

    stems: tuple[str, ...]
    prefix: bool  # the last stem is a prefix
    field: str | None  # None, "subject" or "title"
    negated: bool

    @property
    def is_phrase(self) -> bool:
        return len(self.stems) > 1


def match_terms(query: ParsedQuery) -> list[MatchTerm]:
    """Index terms for every clause; plain stop words are dropped when other words remain."""
    terms: list[MatchTerm] = []
    for clause in query.clauses:
        tokens = words(clause.text)
        if not tokens:
            raise QueryError(f"{clause.text!r} enthält kein Wort, nach dem man suchen kann.")
        if clause.prefix:
            head = tuple(stems(tokens[:-1])) if len(tokens) > 1 else ()
            analyzed = (*head, prefix_term(tokens[-1]))
        else:
            analyzed = tuple(stems(tokens))
        terms.append(MatchTerm(analyzed, clause.prefix, clause.field, clause.negated))
    content = [
        t
        for t, c in zip(terms, query.clauses, strict=True)
        if t.negated or t.is_phrase or t.prefix or c.phrase or not is_stopword(c.text)
    ]
    if any(not t.negated for t in content):
        return content
    return terms


def highlight_targets(terms: list[MatchTerm]) -> tuple[set[str], tuple[str, ...]]:
    """Stems to mark in snippets, and prefixes to mark."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        if term.negated:
            continue
        *head, last = term.stems
        exact.update(head)
        if term.prefix:
            prefixes.append(last)
        else:
            exact.add(last)
    return exact, tuple(prefixes)
