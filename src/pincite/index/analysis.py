"""Analysers per language: Whoosh's small composable stages joined with `|`.

Each language gets tokenising, lower-casing and its Snowball stemmer, then accent folding, so that
`reunion` finds `reunión` and `migracion` finds `migración`. Folding comes after stemming because the
stemmers expect accents; at index time a word with accents is also indexed as the stem of its folded
form (`sécurité` → `secur` and `securit`), so that a query typed without accents, which is stemmed
without them, still meets it.

There are no stop words: a query is AND by default and searches every language's field at once, and
a word that one language drops but another keeps would make that AND demand it in the wrong field
("the" is dropped from `text_en` but kept in `text_xx`). BM25 already gives common words little weight.

Prefix*, wildcard, fuzzy~ queries and spelling suggestions work on words as written: they are expanded
against the generation's vocabulary (pincite.index.vocabulary) into the terms those words are indexed as.
"""

from __future__ import annotations

import re
from functools import cache

import Stemmer  # PyStemmer: the Snowball project's own stemmers, in C
from whoosh.analysis import Analyzer, CompositeAnalyzer, Filter, RegexTokenizer
from whoosh.lang import has_stemmer, stemmer_for_language
from whoosh.support.charset import accent_map

# Languages that get their own text field (stemming). Others share `text_xx`.
STEMMED = ("en", "es", "fr", "pt")
OTHER = "xx"
TOKEN = r"\w+(?:[.'’-]\w+)*"


def fold(text: str) -> str:
    """Lower-case and strip accents, as the index does."""
    low = text.lower()
    # accent_map changes no ASCII character but a few capitals, and lower() leaves none
    return low if low.isascii() else low.translate(accent_map)


def _unaccented(text: str) -> str:
    """`text.translate(accent_map)`, without the translation where it changes nothing (ASCII
    without capitals: a translation looks each character up in a dict)."""
    return text if text.isascii() and text.islower() else text.translate(accent_map)


# Snowball's algorithm names. The stemmers are PyStemmer's (Snowball's C code, ~10x faster than
# Whoosh's Python ports of 2012, which were a sixth of writing the index) and the current versions of
# the algorithms: English no longer stems `international` and `internal` to `intern`, `added` to `ad`,
# `organic` to `organ`; Spanish, French and Portuguese differ from Whoosh's on a handful of words in
# ten thousand. Whoosh's stemmer is kept for a language PyStemmer lacks.
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


def stemmer(lang: str):
    """The stemming function for a language (str → str). Without PyStemmer's own cache: its callers
    remember each word's forms themselves (`_MemoFilter`), and each word it had not cached cost a
    KeyError raised and caught inside it, three times the stemming (1.8 against 0.6 us a word)."""
    name = SNOWBALL.get(lang)
    if name in Stemmer.algorithms():
        return Stemmer.Stemmer(name, 0).stemWord
    return stemmer_for_language(lang)


# French elision: l'attention → attention, qu'il → il
ELISION = {"fr": re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)")}
# Snowball's Portuguese stemmer (Whoosh's and PyStemmer's alike) leaves nasal plurals apart from their singulars (nações naçõ, nação naçã):
# bring -ções/-ões back to the singular first, with or without accents.
PLURALS = {"pt": ((re.compile(r"(?:ções|çoes|coes)$"), "ção"), (re.compile(r"(?:ões|oes)$"), "ão"))}


class _MemoFilter(Filter):
    """A last filter that maps each token, as the tokenizer cut it, to the terms it is indexed as,
    remembering the answer: words repeat, and this is most of the work of indexing. It lower-cases
    too (a LowercaseFilter before it was one more generator step per token)."""

    MEMO = 200_000  # words remembered per language before starting afresh

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        self.memo: dict[str, tuple[str, str | None]] = {}

    def __getstate__(self) -> dict:  # Whoosh pickles the schema: keep only the language
        return {"lang": self.lang}

    def __setstate__(self, state: dict) -> None:
        self.lang = state["lang"]
        self._setup()

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def forms(self, text: str) -> tuple[str, str | None]:
        """The term a token is searched as, and a second one it is also indexed as (or None)."""
        return fold(text), None

    def __call__(self, tokens):
        memo = self.memo
        for t in tokens:
            if t.stopped:
                yield t
                continue
            f = memo.get(t.text)
            if f is None:
                if len(memo) >= self.MEMO:
                    memo.clear()
                f = memo[t.text] = self.forms(t.text)
            t.text = f[0]
            yield t
            if f[1] is not None and t.mode == "index":
                t.text = f[1]
                yield t


class FoldFilter(_MemoFilter):
    """Lower-case and fold accents, no stemming (languages without a stemmer, headings)."""


class StemFoldFilter(_MemoFilter):
    """Lower-case, stem, then fold accents. At index time, also emit the stem of the folded word when
    it differs."""

    def _setup(self) -> None:
        super()._setup()
        self.stem = stemmer(self.lang)
        self.elision = ELISION.get(self.lang)
        self.plurals = PLURALS.get(self.lang, ())

    def forms(self, text: str) -> tuple[str, str | None]:
        word = text.lower()
        if self.elision is not None:
            word = self.elision.sub("", word)
        for pattern, singular in self.plurals:
            if pattern.search(word):
                word = pattern.sub(singular, word)
                break
        first = _unaccented(self.stem(word))
        folded = _unaccented(word)
        if folded != word:
            second = self.stem(folded)
            if second != first:
                return first, second
        return first, None


def memo_filter(analyzer: Analyzer) -> _MemoFilter | None:
    """The memo filter of an analyser that is one of `analyzer()`'s (a regex tokenizer that finds
    tokens, then a `_MemoFilter`), or None."""
    if (
        isinstance(analyzer, CompositeAnalyzer)
        and len(analyzer.items) == 2
        and type(analyzer.items[0]) is RegexTokenizer
        and not analyzer.items[0].gaps
        and isinstance(analyzer.items[1], _MemoFilter)
    ):
        return analyzer.items[1]
    return None


def positions(analyzer: Analyzer, text: str, tokens: list[str] | None = None) -> dict[str, list[int]] | None:
    """Each term `text` is indexed as, with its token positions, in the order Whoosh's Positions
    format meets them, as `analyzer(text, positions=True, mode="index")` would give them, without
    a Token object and two generator steps per word (about a third of writing the index). None
    for an analyser that is not one of `analyzer()`'s. `tokens`: the text's, cut by TOKEN
    (`re.findall(TOKEN, text)`), if already cut."""
    last = memo_filter(analyzer)
    if last is None:
        return None
    memo, forms, limit = last.memo, last.forms, last.MEMO
    out: dict[str, list[int]] = {}
    get = out.get
    expression = analyzer.items[0].expression
    if tokens is None or expression.pattern != TOKEN:
        tokens = expression.findall(text)
    for pos, word in enumerate(tokens):
        f = memo.get(word)
        if f is None:
            if len(memo) >= limit:
                memo.clear()
            f = memo[word] = forms(word)
        for term in f:
            if term is None:
                break
            poses = get(term)
            if poses is None:
                out[term] = [pos]
            else:
                poses.append(pos)
    return out


@cache
def analyzer(lang: str) -> Analyzer:
    if lang != OTHER and has_stemmer(lang):
        return RegexTokenizer(TOKEN) | StemFoldFilter(lang)
    return RegexTokenizer(TOKEN) | FoldFilter(OTHER)


def field_for(lang: str) -> str:
    """The text field a unit in `lang` is indexed in."""
    return f"text_{lang if lang in STEMMED else OTHER}"


TEXT_FIELDS = tuple(f"text_{lang}" for lang in (*STEMMED, OTHER))


def field_language(fieldname: str) -> str:
    """The analyser language of a searchable text field (`title` is analysed as English)."""
    if fieldname.startswith("text_"):
        return fieldname[5:]
    return "en" if fieldname == "title" else OTHER
