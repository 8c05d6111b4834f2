"""Analysers per language: Whoosh's small composable stages joined with `|`.

Each language gets tokenising, lower-casing, its stop words and its Snowball stemmer, then accent
folding, so that `reunion` finds `reunión`. Folding comes after stemming: the stemmers expect accents.
"""

from __future__ import annotations

from functools import cache

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import has_stemmer, has_stopwords
from whoosh.support.charset import accent_map

# Languages that get their own text field (stemming and stop words). Others share `text_xx`.
STEMMED = ("en", "es", "fr", "pt")
OTHER = "xx"
TOKEN = r"\w+(?:[.'’-]\w+)*"


@cache
def analyzer(lang: str) -> Analyzer:
    chain = RegexTokenizer(TOKEN) | LowercaseFilter()
    if lang != OTHER and has_stopwords(lang):
        chain = chain | StopFilter(lang=lang)
    if lang != OTHER and has_stemmer(lang):
        chain = chain | StemFilter(lang=lang)
    return chain | CharsetFilter(accent_map)


def field_for(lang: str) -> str:
    """The text field a unit in `lang` is indexed in."""
    return f"text_{lang if lang in STEMMED else OTHER}"


TEXT_FIELDS = tuple(f"text_{lang}" for lang in (*STEMMED, OTHER))
