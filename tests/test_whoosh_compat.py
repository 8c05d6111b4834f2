"""pincite.index.whoosh_compat: each patch of Whoosh, shown fixing the behaviour it is for, and the
version check."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from lifecycle_helpers import SAMPLES, add
from pincite.corpus.store import Store
from pincite.index import IndexManager, trusted, whoosh_compat

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_py(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_every_patch_is_applied_to_the_known_version():
    assert whoosh_compat.whoosh_version() in whoosh_compat.KNOWN_VERSIONS
    applied = whoosh_compat.apply()
    assert {"pickle", "absent length columns", "field lengths"} <= set(applied)
    assert whoosh_compat.apply() == applied  # once: a second call changes nothing


# -- pickle ------------------------------------------------------------------------------------------
class _Planted:
    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self):
        return (os.system, (f"touch {self.proof}",))


def test_no_whoosh_module_keeps_plain_pickle_loaders():
    whoosh_compat.apply()
    import whoosh.codec.whoosh3  # noqa: F401 - the modules that read postings, columns and the TOC
    import whoosh.columns  # noqa: F401
    import whoosh.index  # noqa: F401

    left = [
        f"{name}.{attr}"
        for name, mod in list(sys.modules.items())
        if name.startswith("whoosh") and mod is not None
        for attr, v in vars(mod).items()
        if v is pickle.loads or v is pickle.load or v is pickle
    ]
    assert not left


def test_a_planted_pickle_read_through_whoosh_never_runs(tmp_path):
    """Whoosh's own loaders (as its codec and columns call them) refuse a pickle naming os.system."""
    whoosh_compat.apply()
    import whoosh.codec.whoosh3 as w3
    import whoosh.columns as cols
    import whoosh.compat as compat

    proof = tmp_path / "pwned"
    data = pickle.dumps(_Planted(proof))
    for loads in (compat.loads, w3.loads, cols.loads):
        with pytest.raises(trusted.UntrustedIndex, match="os.system|posix.system"):
            loads(data)
    assert not proof.exists()
    # Whoosh's own objects still load
    from whoosh.fields import TEXT

    assert isinstance(compat.loads(pickle.dumps(TEXT())), TEXT)


# -- the length columns ------------------------------------------------------------------------------
def _fresh_perdoc(home):
    s = Store(home)
    add(s, SAMPLES, index=True)
    ix = IndexManager(s).open()
    r = ix.reader()
    seg_reader = next(iter(r.leaf_readers()))[0]
    perdoc = seg_reader._perdoc
    return r, seg_reader, type(perdoc)(perdoc._storage, perdoc._segment)


def test_an_absent_length_column_is_looked_up_once(home):
    """The samples hold no Portuguese: text_pt has no length column. Whoosh's own _cached_reader
    looks for the column at every call (a stat() each time); the patch remembers its absence."""
    r, _, perdoc = _fresh_perdoc(home)
    looked = []
    real = perdoc.has_column
    perdoc.has_column = lambda name: looked.append(name) or real(name)
    original = whoosh_compat.ORIGINALS["W3PerDocReader._cached_reader"]
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    for _ in range(3):
        assert original(perdoc, _lenfield("text_pt"), LENGTHS_COLUMN) is None
    assert len(looked) == 3  # Whoosh: once per call
    looked.clear()
    for _ in range(3):
        assert perdoc._cached_reader(_lenfield("text_pt"), LENGTHS_COLUMN) is None
    assert len(looked) == 1
    assert perdoc._cached_reader(_lenfield("text_en"), LENGTHS_COLUMN) is not None
    r.close()


def test_field_lengths_are_read_once_per_field_and_equal_whooshs(home):
    """Whoosh reads a unit's field length from the segment file at every call; the patch reads the
    column once per reader, with the same answers."""
    r, seg_reader, perdoc = _fresh_perdoc(home)
    n = seg_reader.doc_count_all()
    original = whoosh_compat.ORIGINALS["W3PerDocReader.doc_field_length"]
    fetched = []
    real = perdoc._cached_reader
    perdoc._cached_reader = lambda *a: fetched.append(a) or real(*a)
    theirs = [original(perdoc, d, "text_en") for d in range(n)]
    assert len(fetched) == n  # Whoosh: the column looked up, and a byte read, per unit
    fetched.clear()
    ours = [perdoc.doc_field_length(d, "text_en") for d in range(n)]
    assert ours == theirs and any(ours)
    assert len(fetched) == 1
    assert perdoc.doc_field_length(0, "text_pt", default=7) == original(perdoc, 0, "text_pt", default=7) == 7
    r.close()


# -- start-up ----------------------------------------------------------------------------------------
def test_searching_imports_neither_urllib_request_nor_asyncio(tmp_path):
    """Whoosh imports urllib.request (for urlretrieve), through cached_property asyncio, and
    morph_en: with the stand-ins a search process imports none, yet urlretrieve, variations and the
    cached property work, and a later `import urllib.request` gets the real module."""
    src = tmp_path / "a.txt"
    src.write_text("copied")
    code = f"""
import sys
import pincite.index, pincite.search.engine, whoosh.searching, whoosh.qparser, whoosh.reading
assert "start-up" in pincite.index.whoosh_compat.APPLIED
assert "urllib.request" not in sys.modules, "urllib.request imported"
assert "asyncio" not in sys.modules, "asyncio imported"
assert "cached_property" not in sys.modules
assert "whoosh.lang.morph_en" not in sys.modules
import whoosh.query.terms
assert "renders" in set(whoosh.query.terms.variations("render"))
import whoosh.compat
whoosh.compat.urlretrieve({src.as_uri()!r}, {str(tmp_path / "b.txt")!r})
import urllib.request
assert hasattr(urllib.request, "Request")
calls = []
class C:
    @whoosh.reading.cached_property
    def x(self):
        calls.append(1)
        return 42
c = C()
assert (c.x, c.x, len(calls)) == (42, 42, 1)
del c.x
assert (c.x, len(calls)) == (42, 2)
print("ok")
"""
    r = run_py(code)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
    assert (tmp_path / "b.txt").read_text() == "copied"


def test_the_real_modules_stay_when_imported_before():
    r = run_py(
        "import urllib.request, cached_property, whoosh.lang.morph_en, sys\n"
        "import pincite.index, whoosh.compat, whoosh.reading\n"
        "assert whoosh.compat.urlretrieve is urllib.request.urlretrieve\n"
        "assert whoosh.reading.cached_property is cached_property.cached_property\n"
        "assert 'start-up' not in pincite.index.whoosh_compat.APPLIED\n"
    )
    assert r.returncode == 0, r.stderr


# -- the version check -------------------------------------------------------------------------------
def test_an_unknown_version_is_warned_about():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert whoosh_compat.check_version((2, 7, 5))
        assert not caught
        assert not whoosh_compat.check_version((2, 8, 1))
    assert len(caught) == 1 and issubclass(caught[0].category, whoosh_compat.WhooshVersionWarning)
    assert "2.8.1" in str(caught[0].message) and "2.7.5" in str(caught[0].message)


def test_with_an_unknown_version_only_the_unpickler_is_applied():
    r = run_py(
        "import whoosh; whoosh.__version__ = (3, 0, 0)\n"
        "from whoosh.codec import whoosh3\n"
        "own = whoosh3.W3PerDocReader.doc_field_length\n"
        "import pincite.index\n"
        "from pincite.index import whoosh_compat, trusted\n"
        "assert whoosh_compat.APPLIED == ['pickle'], whoosh_compat.APPLIED\n"
        "assert whoosh3.W3PerDocReader.doc_field_length is own\n"
        "assert whoosh3.loads is trusted.loads\n"
    )
    assert r.returncode == 0, r.stderr
    assert "WhooshVersionWarning" in r.stderr and "Whoosh 3.0.0 is installed" in r.stderr


def test_a_whoosh_without_the_expected_pickle_loaders_is_refused():
    r = run_py(
        "import whoosh.compat as c\n"
        "for a in ('loads', 'load', 'pickle'): delattr(c, a)\n"
        "try:\n"
        "    import pincite.index\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    assert r.returncode == 0, r.stderr
    assert "IncompatibleWhoosh" in r.stdout and "plain pickle" in r.stdout


# -- one value of a block ------------------------------------------------------------------------------
def _block(values, weights=None, n=None):
    """A block's decompressed pickle as Whoosh's W3 postings writer writes it (_write_block), and
    where its values start (as posting_blocks finds it)."""
    from whoosh.compat import dumps

    n = len(values) if n is None else n
    data = dumps((tuple(range(1, n + 1)), weights, tuple(values)), 2)
    got = whoosh_compat._ids_weights(data, n)
    assert got is not None
    return data, got[2]


def _positions(*pos):
    from whoosh.formats import Positions

    return Positions().encode(list(pos))


@pytest.mark.parametrize("weights", [None, 2.0, "tuple"])
def test_one_value_is_the_blocks_value_walked_or_not(weights):
    """BlockValues.one(j) gives the j-th value as unpickling the block whole does: blocks of up to
    128 values (memo indices past 255 take the long opcodes), long texts, values written once and
    shared (the same bytes object again is a BINGET), values in any order."""
    import random

    rnd = random.Random(5)
    shared = _positions(0)
    values = []
    for i in range(128):
        if i % 9 == 4:
            values.append(shared)
        else:
            values.append(_positions(*sorted(rnd.sample(range(5000), rnd.choice((1, 2, 7, 90))))))
    w = tuple(float(rnd.randint(1, 9)) for _ in values) if weights == "tuple" else weights
    # each value its own object (found straight away: BlockValues._find), values shared (walked),
    # values holding the bytes of what follows a text (TUPLE2 after 'latin1''s memo index, 0x86)
    own = [v[:4] + v[4:] for v in values]  # new objects
    odd = [v + b"\x04\x86q\x05h\x04\x86R" if i % 5 == 2 else v for i, v in enumerate(own)]
    assert len({id(v) for v in own}) == len(own) and len({id(v) for v in values}) < len(values)
    for vs in (values, values[:1], values[:3], values[:100], own, own[:2], odd):
        data, at = _block(vs, w if not isinstance(w, tuple) else w[: len(vs)])
        order = list(range(len(vs)))
        rnd.shuffle(order)
        bv = whoosh_compat.BlockValues(data, len(vs), at, None)
        assert [bv.one(j) for j in order] == [vs[j] for j in order]
        assert bv._all is None  # every one walked: nothing unpickled
        assert bool(bv._first) == (len({id(v) for v in vs}) == len(vs))  # found, or walked
        assert bv() == tuple(vs)
        with pytest.raises(IndexError):
            whoosh_compat.BlockValues(data, len(vs), at, None).one(len(vs))


def test_a_block_of_another_shape_is_unpickled_whole():
    """A value the walk does not know (an empty bytes is pickled another way, a str is no bytes) makes
    `one` unpickle the block, through the restricted unpickler, and answer as before."""
    for odd in (b"", "text"):
        vs = [_positions(3), _positions(1, 4), odd, _positions(2)]
        data, at = _block(vs)
        bv = whoosh_compat.BlockValues(data, len(vs), at, None)
        assert bv.one(1) == vs[1] and bv._all is None
        assert [bv.one(j) for j in range(4)] == vs
        assert bv._all == tuple(vs)  # the walk met `odd` and gave up
    data, at = _block([_positions(3), _positions(1, 4)])
    broken = data[: at + 40] + b"\xff" + data[at + 41 :]  # among the values' opcodes
    bv = whoosh_compat.BlockValues(broken, 2, at, None)
    with pytest.raises(pickle.UnpicklingError):
        bv.one(1)


def test_positions_decoded_as_whoosh_decodes_them():
    """whoosh_compat.positions_decoder reads a Positions value whose pickle is a plain list of ints
    with pickle.loads (the same list as Whoosh's decoder, through the restricted unpickler), and
    leaves anything else to Whoosh's decoder: a pickle naming a global never reaches pickle.loads."""
    import random

    from whoosh.formats import Characters, Positions

    fmt = Positions()
    decode = whoosh_compat.positions_decoder(fmt)
    rnd = random.Random(3)
    lists = [[0], [5], [255], [256], [70000], [2**31 - 1], [2**31 + 5], [3, 1], list(range(0, 30000, 7)), []]
    lists += [sorted(rnd.sample(range(100_000), rnd.randint(1, 40))) for _ in range(200)]
    for pos in lists:
        v = fmt.encode(pos)
        for value in (v, v[:-1]):  # Whoosh's decoder takes a value without its final STOP too
            assert decode(value) == fmt.decode_positions(value) == pos
    planted = fmt.encode([1])[:4] + pickle.dumps(_Planted(Path("/nonexistent/proof")), 2)
    with pytest.raises(trusted.UntrustedIndex):
        decode(planted)
    chars = Characters()
    assert whoosh_compat.positions_decoder(chars)(chars.encode([(1, 0, 3)])) == [1]
