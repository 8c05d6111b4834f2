"""Language identification with py3langid: deterministic, its model ships inside the package, about
20 µs per paragraph (its first MAX_CHARS characters). Short or uncertain text takes the document's
language instead of a guess.

The model ships LZMA-compressed, and decompressing it takes ~0.3 s of the ~0.4 s it takes to load:
most of the cost of ingesting one document. So the first load keeps the decompressed model (a plain
NumPy .npz, no pickles) in the user's cache, and later loads read that. Any problem with the cache
falls back to py3langid's own loader.
"""

from __future__ import annotations

import lzma
import os
import shutil
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

LANGUAGES = ["en", "es", "fr", "pt", "ru", "ar", "zh", "de", "it"]
MIN_CHARS = 40
MIN_CONFIDENCE = 0.9


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "pincite"


def _cached_model(langid) -> Path | None:
    """The decompressed model in the cache, made on first use; None when the cache is not writable."""
    src = langid.MODEL_DIR / langid.MODEL_FILE
    st = src.stat()
    dest = _cache_dir() / f"langid-{st.st_size}-{int(st.st_mtime)}.npz"
    if dest.is_file():
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-langid-")
        with os.fdopen(fd, "wb") as out, lzma.open(src) as raw:
            shutil.copyfileobj(raw, out, length=1 << 20)
        os.replace(tmp, dest)
    except OSError:
        return None
    return dest


def _from_cache(langid):
    import numpy as np
    from py3langid import modelio

    path = _cached_model(langid)
    if path is None:
        return None
    with np.load(path, allow_pickle=False) as data:
        ident = langid.LanguageIdentifier(
            np.asarray(data["ptc"]),
            np.asarray(data["pc"]),
            data["classes"].tolist(),
            modelio._to_array(data["nextmove"]),
            data["out_feat"].tolist(),
            norm_probs=True,
            tk_row=modelio._to_array(data["nextmove_row"]),
        )
    ident.set_languages(LANGUAGES)
    return ident


@lru_cache(maxsize=1)
def _identifier():
    import py3langid.langid as langid  # imported here: it loads a model, which the CLI rarely needs

    try:
        ident = _from_cache(langid)
    except Exception:  # noqa: BLE001 - a damaged cache or another py3langid layout: use its loader
        ident = None
    return ident or langid._load_identifier(norm_probs=True, langs=LANGUAGES)


# Enough text to tell the languages apart with certainty; py3langid's cost grows with the length
# (a 3,000-character paragraph took 60 times the time of a 50-character one).
MAX_CHARS = 600
# Characters of the document's text that decide its language; the rest only adds to the cost.
DOCUMENT_SAMPLE = 30_000


def detect(text: str) -> tuple[str, float]:
    """The most likely language of `text` (its first MAX_CHARS characters) and its probability."""
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    return _detect(text)


@lru_cache(maxsize=8192)
def _detect(text: str) -> tuple[str, float]:
    """Memoised: the document's language and each unit's are decided on the same texts."""
    if not text.strip():
        return "", 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def document_language(texts: list[str]) -> str:
    """The language most of the text is in, by characters (of the first DOCUMENT_SAMPLE)."""
    weight: Counter[str] = Counter()
    seen = 0
    for t in texts:
        if len(t) >= MIN_CHARS:
            lang, _ = detect(t)
            weight[lang] += len(t)
            seen += len(t)
            if seen >= DOCUMENT_SAMPLE:
                break
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
