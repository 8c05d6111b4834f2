"""Language identification: the cached, decompressed model gives py3langid's own answers."""

from __future__ import annotations

import py3langid.langid as langid

from pincite.ingest import lang

SAMPLES = [
    "Finalmente, no podría concluir esta reunión sin agradecerle a mis colegas en la OIM",
    "The need for enhanced information exchange between RCPs has come up repeatedly",
    "Les participants ont remercié le Gouvernement du Pérou pour son hospitalité",
    "Os participantes agradeceram ao Governo do Peru pela hospitalidade",
]


def test_cached_model_answers_like_py3langid(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    official = langid._load_identifier(norm_probs=True, langs=lang.LANGUAGES)
    first = lang._from_cache(langid)  # decompresses into the cache
    again = lang._from_cache(langid)  # reads the cache
    assert list((tmp_path / "pincite").glob("langid-*.npz"))
    for text in SAMPLES:
        assert first.classify(text) == again.classify(text) == official.classify(text)
    assert [first.classify(t)[0] for t in SAMPLES] == ["es", "en", "fr", "pt"]


def test_a_damaged_cache_falls_back_to_py3langid(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = lang._cached_model(langid)
    path.write_bytes(b"not a model")
    lang._identifier.cache_clear()
    try:
        assert lang.detect(SAMPLES[0])[0] == "es"
    finally:
        lang._identifier.cache_clear()
