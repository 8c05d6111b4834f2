"""Analysers per language: Whoosh's small composable stages joined with `|`.

Each language gets tokenising, lower-casing and its Snowball stemmer, then accent folding, so that
`reunion` finds `reunión` and `migracion` finds `migración`. Folding comes after stemming because the
stemmers expect accents; at index time a word with accents is also indexed as the stem of its folded
form (`sécurité` → `secur` and `securit`), so that a query typed without accents, which is stemmed
without them, still meets it.

There are no stop words: a query is AND by default and searches every language's field at once, and
a word that one language drops but another keeps would make that AND demand it in the wrong field
("the" is dropped from `text_en` but kept in `text_xx`). BM25 already gives common words little weight.

`plain` (`analyzer(OTHER)`: lower-cased and folded, never stemmed) backs prefix*, fuzzy~ and spelling
suggestions, which work on words as written rather than on stems.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from whoosh.analysis import Analyzer, CharsetFilter, Filter, LowercaseFilter, RegexTokenizer
from whoosh.lang import has_stemmer, stemmer_for_language
from whoosh.support.charset import accent_map

# Languages that get their own text field (stemming). Others share `text_xx`.
STEMMED = ("en", "es", "fr", "pt")
OTHER = "xx"
TOKEN = r"\w+(?:[.'’-]\w+)*"


def fold(text: str) -> str:
    """Lower-case and strip accents, as the index does."""
    return text.lower().translate(accent_map)


# French elision: l'attention → attention, qu'il → il
ELISION = {"fr": re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)")}
# Whoosh's Portuguese stemmer leaves nasal plurals apart from their singulars (nações naçõ, nação naçã):
# bring -ções/-ões back to the singular first, with or without accents.
PLURALS = {"pt": ((re.compile(r"(?:ções|çoes|coes)$"), "ção"), (re.compile(r"(?:ões|oes)$"), "ão"))}


class StemFoldFilter(Filter):
    """Stem, then fold accents. At index time, also emit the stem of the folded word when it differs."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        # Words repeat: remember stems, as Whoosh's own StemFilter does (most of indexing is stemming).
        self.stem = lru_cache(maxsize=50_000)(stemmer_for_language(self.lang))
        self.elision = ELISION.get(self.lang)
        self.plurals = PLURALS.get(self.lang, ())

    def __getstate__(self) -> dict:  # Whoosh pickles the schema: keep only the language
        return {"lang": self.lang}

    def __setstate__(self, state: dict) -> None:
        self.lang = state["lang"]
        self._setup()

    def __eq__(self, other):
        return isinstance(other, StemFoldFilter) and other.lang == self.lang

    def __call__(self, tokens):
        stem = self.stem
        for t in tokens:
            if t.stopped:
                yield t
                continue
            word = t.text
            if self.elision is not None:
                word = self.elision.sub("", word)
            for pattern, singular in self.plurals:
                if pattern.search(word):
                    word = pattern.sub(singular, word)
                    break
            first = stem(word).translate(accent_map)
            t.text = first
            yield t
            if t.mode == "index":
                folded = word.translate(accent_map)
                if folded != word:
                    second = stem(folded)
                    if second != first:
                        t.text = second
                        yield t


@cache
def analyzer(lang: str) -> Analyzer:
    chain = RegexTokenizer(TOKEN) | LowercaseFilter()
    if lang != OTHER and has_stemmer(lang):
        return chain | StemFoldFilter(lang)
    return chain | CharsetFilter(accent_map)


def field_for(lang: str) -> str:
    """The text field a unit in `lang` is indexed in."""
    return f"text_{lang if lang in STEMMED else OTHER}"


TEXT_FIELDS = tuple(f"text_{lang}" for lang in (*STEMMED, OTHER))
PLAIN = "plain"
