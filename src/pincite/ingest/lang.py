"""Language identification with py3langid: deterministic, its model ships inside the package, about
20 µs per paragraph. Short or uncertain text takes the document's language instead of a guess."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

LANGUAGES = ["en", "es", "fr", "pt", "ru", "ar", "zh", "de", "it"]
MIN_CHARS = 40
MIN_CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def _identifier():
    import py3langid.langid as langid  # imported here: it loads a model, which the CLI rarely needs

    return langid._load_identifier(norm_probs=True, langs=LANGUAGES)


def detect(text: str) -> tuple[str, float]:
    """The most likely language of `text` and its probability."""
    if not text.strip():
        return "", 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def document_language(texts: list[str]) -> str:
    """The language most of the text is in, by characters."""
    weight: Counter[str] = Counter()
    for t in texts:
        if len(t) >= MIN_CHARS:
            lang, _ = detect(t)
            weight[lang] += len(t)
    if not weight:
        joined = " ".join(texts)
        return detect(joined)[0] if joined.strip() else ""
    return weight.most_common(1)[0][0]


def unit_language(text: str, default: str) -> str:
    """A unit's own language when the text says so clearly, else the document's."""
    if len(text) < MIN_CHARS // 2:
        return default
    lang, prob = detect(text)
    if len(text) < MIN_CHARS:
        return lang if prob >= 0.99 and lang != default else default
    return lang if prob >= MIN_CONFIDENCE else default
