"""Language identification: the cached, decompressed model gives py3langid's own answers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import py3langid.langid as langid
import pytest

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
    assert list((tmp_path / "pincite").glob("langid-*/complete"))
    for text in SAMPLES:
        assert first.classify(text) == again.classify(text) == official.classify(text)
    assert [first.classify(t)[0] for t in SAMPLES] == ["es", "en", "fr", "pt"]


def test_a_damaged_cache_falls_back_to_py3langid(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = lang._cached_model(langid)
    (path / "nextmove.npy").write_bytes(b"not a model")
    lang._identifier.cache_clear()
    try:
        assert lang.detect(SAMPLES[0])[0] == "es"
    finally:
        lang._identifier.cache_clear()


def test_a_truncated_cache_falls_back_and_the_old_single_file_cache_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "pincite").mkdir()
    st = (langid.MODEL_DIR / langid.MODEL_FILE).stat()
    old = tmp_path / "pincite" / f"langid-{st.st_size}-{int(st.st_mtime)}.npz"
    old.write_bytes(b"an earlier version's cache of this model")
    path = lang._cached_model(langid)
    assert not old.exists() and (path / "complete").is_file()
    npy = path / "ptc.npy"
    npy.write_bytes(npy.read_bytes()[:4096])  # the header says more rows than the file holds
    lang._identifier.cache_clear()
    try:
        assert lang.detect(SAMPLES[2])[0] == "fr"
    finally:
        lang._identifier.cache_clear()


MIXED = SAMPLES + [
    "Генеральная Ассамблея, ссылаясь на свою резолюцию о восстановлении законных прав",
    "إن الجمعية العامة، إذ تشير إلى قرارها بشأن إعادة الحقوق المشروعة",
    "大会回顾其关于恢复中华人民共和国在联合国的合法权利的决议",
    "RESOLUTION ADOPTED BY THE GENERAL ASSEMBLY",  # capitals: py3langid lowers them first
    "12. 3/4 — (a) ... !!!",  # hardly a feature
    "x",
    " ".join(SAMPLES) * 3,  # long: its walk goes on after the others have stopped
]


def test_the_walk_of_many_texts_at_once_finds_py3langids_features(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ident = lang._from_cache(langid)
    data = [ident._encode(t) for t in MIXED]
    walks = [ident._walk.visits_numpy(data)]
    if lang._langwalk is not None:  # the C walk, where setup.py built it
        assert ident._walk.visits is not ident._walk.visits_numpy
        walks.append(ident._walk.visits(data))
    for walked in walks:
        for text, got in zip(data, walked, strict=True):
            want = langid.visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, text)
            # the same counts in the same order: py3langid's scores are sums in that order
            assert (list(got.items()) if got else None) == (list(want.items()) if want else None)
            assert got is None or type(got) is Counter


def test_the_walk_s_arrays_score_as_py3langid_scores_its_counter(tmp_path, monkeypatch):
    """`arrays` gives what py3langid's _sparse_score makes of the Counter (np.fromiter of its keys
    and counts), and `_scores_of` them its scores, bit for bit, with the C walk and without."""
    import numpy as np

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ident = lang._from_cache(langid)
    data = [ident._encode(t) for t in MIXED]
    found = [ident._walk.arrays(data)]
    if lang._langwalk is not None:
        monkeypatch.setattr(lang, "_langwalk", None)
        found.append(ident._walk.arrays(data))  # the NumPy walk's
        monkeypatch.undo()
    for arrays in found:
        for text, got in zip(data, arrays, strict=True):
            want = langid.visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, text)
            if not want:
                assert got is None
                continue
            keys = np.fromiter(want.keys(), dtype=np.intp, count=len(want))
            counts = np.fromiter(want.values(), dtype=np.float32, count=len(want))
            assert got[0].dtype == keys.dtype and got[1].dtype == counts.dtype
            assert got[0].tolist() == keys.tolist() and got[1].tolist() == counts.tolist()
            mine, theirs = ident._scores_of(*got), ident._sparse_score(want, ident.nb_ptc)
            assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes()


def test_the_c_walk_refuses_what_is_not_bytes_and_tables_it_cannot_read(tmp_path, monkeypatch):
    if lang._langwalk is None:
        pytest.skip("the C walk is not built")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    w = lang._from_cache(langid)._walk
    assert lang._langwalk.walk(w.nextmove, w.rowbase, w.output, [], Counter) == []
    with pytest.raises(TypeError):
        lang._langwalk.walk(w.nextmove, w.rowbase, w.output, ["text"], Counter)
    with pytest.raises(ValueError):  # int32 rows where int64 are expected
        lang._langwalk.walk(w.nextmove, w.rowbase.astype("int32"), w.output, [b"text"], Counter)
    with pytest.raises(ValueError):  # an automaton whose moves lead outside its tables
        lang._langwalk.walk(w.nextmove[:10], w.rowbase, w.output, [b"some text"], Counter)


def test_prepared_texts_get_the_answers_of_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    official = langid._load_identifier(norm_probs=True, langs=lang.LANGUAGES)
    lang._identifier.cache_clear()
    lang._MEMO.clear()
    try:
        lang.prepare(MIXED)
        assert all(lang._bounded(t) in lang._MEMO for t in MIXED if t.strip())
        prepared = dict(lang._MEMO)
        lang._MEMO.clear()
        for text in MIXED:
            got = lang.detect(text)  # one by one
            assert got == prepared.get(lang._bounded(text), got)
            want = official.classify(lang._bounded(text))
            assert got[0] == want[0] and got[1] == pytest.approx(float(want[1]), abs=TOLERANCE)
    finally:
        lang._identifier.cache_clear()
        lang._MEMO.clear()


def test_pincite_finds_py3langids_model_file_without_importing_it():
    assert lang._model_source() == langid.MODEL_DIR / langid.MODEL_FILE


# how far the C classifier's probabilities may be from py3langid's: its float32 sums of a text's
# features (several hundred for 600 characters, scores of ~5,000) round differently from exact ones
# by up to ~1e-4 (8e-5 seen on 25,000 random texts; 2.1e-6 on the real corpus, bench/lang_parity.py)
TOLERANCE = 2e-4

needs_c_walk = pytest.mark.skipif(lang._langwalk is None, reason="the C walk is not built")


@needs_c_walk
def test_the_c_classifier_gives_py3langids_languages_and_probabilities(tmp_path, monkeypatch):
    """Restricted to LANGUAGES, without py3langid: its language for every text and its probability
    to TOLERANCE (the C sums are taken in double precision, NumPy's in float32 in its own order)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    official = langid._load_identifier(norm_probs=True, langs=lang.LANGUAGES)
    fast = lang._Fast.load()
    again = lang._Fast.load()  # from the tables the first load wrote
    assert isinstance(fast, lang._Fast) and fast.classes == official.nb_classes
    texts = [lang._bounded(t) for t in MIXED] + [t[:n] for t in SAMPLES for n in (12, 30, 45)]
    got = fast.classify_all(texts)
    assert again.classify_all(texts) == got
    for text, (code, prob) in zip(texts, got, strict=True):
        want = official.classify(text)
        assert code == want[0], text
        assert prob == pytest.approx(float(want[1]), abs=TOLERANCE), text
    # a text without a feature: every language alike, the first one, as py3langid answers
    assert fast.classify("...") == (official.classify("...")[0], pytest.approx(1 / 9))


@needs_c_walk
def test_a_damaged_table_of_the_c_classifier_falls_back_to_py3langid(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert lang._Fast.load() is not None
    (table,) = tmp_path.glob("pincite/langid-*/fast-*/ptc.npy")
    table.write_bytes(table.read_bytes()[:1000])  # shorter than its header says
    lang._identifier.cache_clear()
    try:
        assert not isinstance(lang._identifier(), lang._Fast)
        assert lang.detect(SAMPLES[1])[0] == "en"
    finally:
        lang._identifier.cache_clear()


@needs_c_walk
def test_the_c_classifier_refuses_tables_that_do_not_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    nextmove, rowbase, output, ptc, pc = lang._Fast.load().tables
    assert lang._langwalk.classify(nextmove, rowbase, output, ptc, pc, []) == []
    with pytest.raises(ValueError):  # fewer rows of scores than the automaton has features
        lang._langwalk.classify(nextmove, rowbase, output, ptc[:90], pc, [b"some text"])
    with pytest.raises(ValueError):  # no languages
        lang._langwalk.classify(nextmove, rowbase, output, ptc, pc[:0], [b"some text"])
    with pytest.raises(TypeError):
        lang._langwalk.classify(nextmove, rowbase, output, ptc, pc, ["not bytes"])


@needs_c_walk
def test_a_parse_worker_loads_neither_numpy_nor_py3langid(tmp_path):
    """What a parse worker loads before its first document (`pipeline._warm`), in a fresh process
    with the cache written: NumPy and py3langid cost ~0.2 s of every worker's start."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = (
        "import sys; from pincite.ingest import lang, pipeline; pipeline._warm(('pdf',)); "
        f"print(type(lang._identifier()).__name__, lang.detect({SAMPLES[2]!r})[0], "
        "sorted(m for m in ('numpy', 'py3langid') if m in sys.modules))"
    )
    src = str(Path(lang.__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[:2] == ["_Fast", "fr"]  # the first load writes the tables, with NumPy
    later = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert later.stdout.strip() == "_Fast fr []"


def test_without_the_c_module_py3langid_identifies(tmp_path, monkeypatch):
    """Where setup.py could not build _langwalk, py3langid's own identifier (with NumPy) answers."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(lang, "_langwalk", None)
    lang._identifier.cache_clear()
    lang._MEMO.clear()
    try:
        assert lang._Fast.load() is None
        assert not isinstance(lang._identifier(), lang._Fast)
        lang.prepare(MIXED)
        assert [lang.detect(t)[0] for t in SAMPLES] == ["es", "en", "fr", "pt"]
    finally:
        lang._identifier.cache_clear()
        lang._MEMO.clear()


def _first_load(conn) -> None:
    lang._identifier.cache_clear()
    try:
        conn.send(type(lang._identifier()).__name__)
    except Exception as e:  # noqa: BLE001 - reported to the test
        conn.send(f"{type(e).__name__}: {e}")


@needs_c_walk
def test_workers_loading_the_model_at_once_all_take_the_c_classifier(tmp_path, monkeypatch):
    """An ingest's workers load the model together on a machine's first ingest: none of them
    removes a cache another has made, and all answer through the same classifier."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for round_ in range(2):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache{round_}"))
        pipes = [ctx.Pipe(duplex=False) for _ in range(4)]
        procs = [ctx.Process(target=_first_load, args=(send,)) for _, send in pipes]
        for p in procs:
            p.start()
        got = [recv.recv() for recv, _ in pipes]
        for p in procs:
            p.join(30)
        assert got == ["_Fast"] * 4


def test_an_extension_built_before_the_c_classifier_leaves_it_to_py3langid(tmp_path, monkeypatch):
    """An editable install not built again has a _langwalk with the walk and no classify."""
    import types

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if lang._langwalk is not None:
        monkeypatch.setattr(lang, "_langwalk", types.SimpleNamespace(walk=lang._langwalk.walk))
    lang._identifier.cache_clear()
    lang._MEMO.clear()
    try:
        assert lang._Fast.load() is None
        assert lang.detect(SAMPLES[2])[0] == "fr"
    finally:
        lang._identifier.cache_clear()
        lang._MEMO.clear()
