"""Words as written beside each generation: lookups, and how syncs keep the list."""

from __future__ import annotations

import re
import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle_helpers import add, write_docs
from pincite.corpus.store import Store
from pincite.index.analysis import TOKEN, fold
from pincite.index.manager import IndexManager
from pincite.index.vocabulary import REFOLD, WORDS, Vocabulary, cut, words_of
from pincite.search.engine import search


def levenshtein(a: str, b: str) -> int:
    """Edit distance by the textbook table: the oracle for the automaton."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def test_words_are_folded_as_the_index_folds_them():
    assert words_of("Migración, MIGRATION and l'Émigration") == {
        "migracion",
        "migration",
        "and",
        "l'emigration",
    }


def _words_of_folded_text(text: str) -> set[str]:
    return set(re.findall(TOKEN, fold(text)))


def test_refold_lists_every_character_that_folding_does_not_map_to_its_own_kind():
    # words_of folds a text's words one by one unless it holds one of REFOLD: exact when folding
    # maps each other character to characters of its kind (one joiner to one joiner)
    word = re.compile(r"\w")
    joiners = ".'’-"

    def kind(c: str) -> str:
        return "w" if word.fullmatch(c) else "j" if c in joiners else "o"

    def same_kind(c: str) -> bool:
        f = fold(c)
        if kind(c) == "j":
            return len(f) == 1 and kind(f) == "j"
        return bool(f) and all(kind(x) == kind(c) for x in f)

    odd = {chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF and not same_kind(chr(i))}
    assert odd | {"Σ"} == set(REFOLD)  # Σ: lower-cased by what surrounds it (final ς)


TRICKY = [
    "Migración, MIGRATION and l’Émigration — “quoted” it’s",
    "İstanbul İİ and Istanbul",
    "cafe\u0301 na\u0308ive a\u0303b x\u0323y",  # combining accents between letters
    "ΟΔΟΣ ΟΔΟΣ\u00adΑ Σ Α\u00adΣ σοφός",  # Σ's lower case depends on its neighbours
    "U.N.-led A/68/190 para.10 ½ ² ﬁnance",
    "",
]


@settings(max_examples=200, deadline=None)
@given(st.text("aZé’'.-\u00ad Σİ\u0308ß1ﬁ", max_size=30))
def test_words_of_equals_cutting_the_folded_text(text):
    want = _words_of_folded_text(text)
    assert words_of(text) == want
    assert words_of(text, cut(text)) == want


def test_words_of_tricky_texts():
    for text in TRICKY:
        assert words_of(text) == words_of(text, cut(text)) == _words_of_folded_text(text), text


def test_prefix_wildcard_and_fuzzy_lookups():
    v = Vocabulary(Counter({"migrant": 3, "migrants": 2, "migration": 9, "mitigation": 1, "emigration": 1}))
    assert v.prefixed("Migra") == ["migrant", "migrants", "migration"]
    assert v.matching("mi*tion") == ["migration", "mitigation"]
    assert v.matching("migrant?") == ["migrants"]
    assert sorted(v.within("migraton", 1)) == ["migration"]
    assert sorted(v.within("migrans", 1, prefix=1)) == ["migrant", "migrants"]
    assert v.within("xigration", 1, prefix=1) == []  # the first letter must agree
    assert v.most_frequent(["migrant", "migration", "migrants"], 2) == ["migration", "migrant"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text("abcde", min_size=1, max_size=6), min_size=1, max_size=40),
    st.text("abcde", min_size=1, max_size=6),
    st.integers(1, 2),
)
def test_the_automaton_finds_exactly_the_words_within_the_distance(words, word, k):
    v = Vocabulary(Counter(words))
    assert sorted(v.within(word, k)) == sorted(w for w in set(words) if levenshtein(w, word) <= k)


def test_saved_and_loaded_alike(tmp_path):
    v = Vocabulary(Counter({"zeta": 1, "alpha": 4, "émigré": 2}))
    v.save(tmp_path)
    back = Vocabulary.load(tmp_path)
    assert back.words == sorted(v.words) and back.counts == v.counts
    assert not (tmp_path / (WORDS + ".tmp")).exists()
    assert len(Vocabulary.load(tmp_path / "nowhere")) == 0


def test_a_rebuild_counts_units_exactly_and_a_sync_only_adds(home, tmp_path):
    s = Store(home)
    add(s, *write_docs(tmp_path / "a", 3, paras=4, seed=1), index=True)
    m = IndexManager(s)
    first = m.current_path()
    v1 = Vocabulary.load(first)
    units_with = Counter()
    for u in s.units():
        units_with.update(words_of(u.text + " " + " ".join(u.headings)))
    for d in s.documents():
        units_with.update(words_of(d.title))
    assert v1.counts == dict(units_with)

    new = write_docs(tmp_path / "b", 1, paras=2, seed=2, prefix="zyx")
    add(s, *new, index=True)
    second = m.current_path()
    assert second != first
    v2 = Vocabulary.load(second)
    assert set(v1.words) < set(v2.words) and "zyx0x1" in v2
    # the sync wrote its own file, not through the hard link it cloned from the previous generation
    assert Vocabulary.load(first).counts == v1.counts
    # a word of the new document is found by prefix and fuzzy before any rebuild
    assert search(s, "zyx0x*").total == 2
    assert search(s, "zyx0x2~").total >= 1


def test_a_word_only_in_a_removed_document_finds_nothing(home, tmp_path):
    s = Store(home)
    add(s, *write_docs(tmp_path / "a", 2, paras=2, seed=3), index=True)
    assert search(s, "gen1x*").total == 2
    s.remove("gen-001")
    IndexManager(s).sync()
    assert "gen1x1" in Vocabulary.load(IndexManager(s).current_path())  # kept until a rebuild
    assert search(s, "gen1x*").total == 0
    assert search(s, "gen0x*").total == 2
    IndexManager(s).rebuild()
    assert "gen1x1" not in Vocabulary.load(IndexManager(s).current_path())
