"""Words as written, kept beside each index generation: for prefix*, wildcards, fuzzy~ and did-you-mean.

The index holds each word once per unit, as its stem (`migrations` → `migrat`), as raw Whoosh would.
Queries that work on words as written (`migra*`, `mig*tion`, `migraton~`, suggestions) need the
words themselves; a second, unstemmed text field would hold them, but at the price of a second
posting per word per unit (it was 45 % of a rebuild; see BENCHMARKS.md). The vocabulary holds them
without postings: every distinct word of the corpus, lower-cased and without accents, with the number
of units that hold it. A multi-term query is expanded against it into the stems those words are
indexed as, and then searched like any other term.

`WORDS` in a generation is UTF-8 text, one `word<TAB>units` per line, sorted by word. A rebuild writes
it exactly. An incremental sync adds the words of the documents it indexes to the previous list and
never takes any away, so between rebuilds the list may hold words no unit holds any more, and counts
may run high: a stale word expands to a term without postings, which matches nothing, and a
suggestion is offered only when it finds more than the query did.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton

from pincite.index.analysis import TOKEN, fold

try:  # the per-unit loops in C (src/pincite/index/_postings.c): optional, the same words
    from pincite.index import _postings
except ImportError:  # pragma: no cover - built wherever there is a C compiler
    _postings = None

WORDS = "WORDS"
_TOKEN = re.compile(TOKEN)
# a text's tokens, as the index's tokenizer cuts them: `_TOKEN.findall`, or the same list cut in C
cut = _TOKEN.findall if _postings is None else _postings.cut
# The characters that folding does not map to characters of their own kind (word, one of TOKEN's
# joiners, other): İ lower-cases to i and a combining dot, which is no word character; a few
# combining accents fold to nothing; Σ lower-cases by what surrounds it. A text without them is cut
# into the same words folded or not, and its words can be folded one by one (tests/test_vocabulary.py
# checks the list against every character).
REFOLD = "\u0130\u0303\u0308\u030a\u030c\u0323\u0329\u0331\u03a3"
_REFOLD = re.compile(f"[{REFOLD}]")
_FOLDED: dict[str, str] = {}  # token → folded
MEMO = 200_000  # tokens remembered before starting afresh


def words_of(text: str, tokens: list[str] | None = None) -> set[str]:
    """The distinct words of a text, folded as the index folds them: the tokens of the folded text.
    `tokens`: the text's own (`cut(text)`), if already cut. Each distinct token is folded once
    and remembered, instead of folding the whole text and cutting it again (most of counting
    words in a rebuild)."""
    if _postings is not None:
        tokens = cut(text) if tokens is None else tokens if type(tokens) is list else list(tokens)
        got = _postings.fold_words(text, tokens, _FOLDED, fold, MEMO, REFOLD)
        if got is not None:
            return got
    if _REFOLD.search(text) is not None:
        return set(_TOKEN.findall(fold(text)))
    memo = _FOLDED
    if len(memo) >= MEMO:
        memo.clear()
    get = memo.get
    return {get(w) or _fold(w) for w in set(cut(text) if tokens is None else tokens)}


def _fold(word: str) -> str:
    f = _FOLDED[word] = fold(word)
    return f


class Vocabulary:
    """A sorted word list with unit counts."""

    def __init__(self, counts: dict[str, int] | Counter | None = None) -> None:
        counts = counts or {}
        self.words = sorted(counts)
        self.counts = dict(counts)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    # -- reading and writing ----------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """The vocabulary of a generation; empty when the file is missing."""
        v = cls()
        try:
            data = (path / WORDS).read_text(encoding="utf-8")
        except FileNotFoundError:
            return v
        words, counts = [], {}
        for line in data.splitlines():
            w, _, n = line.partition("\t")
            if w:
                words.append(w)
                counts[w] = int(n or 0)
        v.words, v.counts = words, counts
        return v

    def save(self, path: Path) -> None:
        """Write `WORDS` into a generation: to a temporary name, flushed, then renamed, so that a
        hard link to the previous generation's file is replaced, never written through."""
        tmp = path / (WORDS + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(f"{w}\t{self.counts[w]}\n" for w in self.words)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path / WORDS)

    def merged(self, counts: Counter) -> Vocabulary:
        """This vocabulary with more words and counts added."""
        both = Counter(self.counts)
        both.update(counts)
        return Vocabulary(both)

    # -- lookups ------------------------------------------------------------------------------------
    def _from(self, prefix: str) -> Iterator[str]:
        i = bisect_left(self.words, prefix)
        words = self.words
        while i < len(words) and words[i].startswith(prefix):
            yield words[i]
            i += 1

    def prefixed(self, prefix: str) -> list[str]:
        """Words that start with `prefix`."""
        return list(self._from(fold(prefix)))

    def matching(self, pattern: str) -> list[str]:
        """Words that match a wildcard pattern (`*` any run, `?` one character)."""
        pattern = fold(pattern)
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))
        return [w for w in self._from(literal) if rx.fullmatch(w)]

    def within(self, word: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Words within `maxdist` edits (Levenshtein) of `word`, sharing its first `prefix` letters:
        a Levenshtein automaton run over the sorted list, as Whoosh does over a term list."""
        word = fold(word)
        if not word or not self.words:
            return []
        prefix = min(prefix, len(word))
        dfa = levenshtein_automaton(word, maxdist, prefix).to_dfa()
        words = self.words

        def first_at_or_after(key: str) -> str | None:
            i = bisect_left(words, key)
            return words[i] if i < len(words) else None

        return list(find_all_matches(dfa, first_at_or_after))

    def most_frequent(self, words: Iterable[str], n: int) -> list[str]:
        return sorted(words, key=lambda w: (-self.count(w), w))[:n]
