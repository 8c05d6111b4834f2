"""Language identification with py3langid: deterministic, its model ships inside the package, about
20 µs per paragraph (its first MAX_CHARS characters). Short or uncertain text takes the document's
language instead of a guess.

The model ships LZMA-compressed, and decompressing it takes ~0.3 s of the ~0.4 s it takes to load:
most of the cost of ingesting one document. So the first load keeps the decompressed model (plain
NumPy .npy files, no pickles) in the user's cache, and later loads map them into memory: forked
parse workers share the pages. Any problem with the cache falls back to py3langid's own loader.

py3langid finds a text's features by walking its bytes through an automaton in a Python loop, a step
per byte: most of its time. `prepare` takes those steps for all of a document's texts at once, in C
(_langwalk.c, built by setup.py) or, where that is not built, with NumPy (see `_Walk`), and
py3langid scores them as it always does.

Where the C walk is built, the workers need neither py3langid nor NumPy (~0.2 s of every parse
worker's start, and NumPy's per-text overhead, ~0.25 s of an ingest of the real PDFs): the first
load also writes the model restricted to LANGUAGES (`_Fast`, its tables as .npy files read here
with `mmap`), and `_langwalk.classify` walks and scores the texts as py3langid's `classify` does.
"""

from __future__ import annotations

import ast
import json
import lzma
import mmap
import os
import shutil
import sys
import tempfile
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

try:  # the C walk (setup.py builds it where a compiler is found)
    from pincite.ingest import _langwalk
except ImportError:  # pragma: no cover - the same walk with NumPy
    _langwalk = None

LANGUAGES = ["en", "es", "fr", "pt", "ru", "ar", "zh", "de", "it"]
MIN_CHARS = 40
MIN_CONFIDENCE = 0.9


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "pincite"


ARRAYS = (
    "ptc",
    "pc",
    "classes",
    "nextmove",
    "nextmove_row",
    "out_feat",
)  # the model's, as py3langid names them


def _cache_path(src: Path) -> Path:
    """The cache folder of py3langid's model file `src` (named for its size and time)."""
    st = src.stat()
    return _cache_dir() / f"langid-{st.st_size}-{int(st.st_mtime)}"


def _cached_model(langid) -> Path | None:
    """The decompressed model in the cache, made on first use: a folder of one uncompressed .npy file
    per array, which later loads map instead of reading (the automaton alone is 39 MB: reading and
    copying the arrays out of an .npz took ~0.3 s at the start of every ingest). None when the cache
    is not writable."""
    import numpy as np

    src = langid.MODEL_DIR / langid.MODEL_FILE
    dest = _cache_path(src)
    if (dest / "complete").is_file():
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".tmp-langid-"))
        try:
            with open(tmp / "model.npz", "wb") as out, lzma.open(src) as raw:
                shutil.copyfileobj(raw, out, length=1 << 20)
            with np.load(tmp / "model.npz", allow_pickle=False) as data:
                for name in ARRAYS:
                    np.save(tmp / f"{name}.npy", data[name], allow_pickle=False)
            (tmp / "model.npz").unlink()
            (tmp / "complete").write_text("")
            if (dest / "complete").is_file():  # another process made it meanwhile: theirs is in use
                return dest
            if dest.is_dir() and not dest.is_symlink():  # left incomplete by something else: not ours to keep
                shutil.rmtree(dest, ignore_errors=True)
            try:
                os.replace(tmp, dest)
            except OSError:  # another process made it first (a folder is not replaced)
                if not (dest / "complete").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        dest.with_name(dest.name + ".npz").unlink(missing_ok=True)  # this model's cache by earlier versions
    except OSError:
        return None
    return dest


def _from_cache(langid):
    import numpy as np
    from py3langid import modelio

    path = _cached_model(langid)
    if path is None:
        return None
    data = {name: np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS}
    # py3langid steps through the automaton with Python indexing: a memoryview of the mapped file
    # indexes as its array does, without the copy (native byte order: the model's is little-endian)
    nextmove = data["nextmove"]
    if nextmove.dtype != np.dtype("<u4") or np.little_endian is False:
        raise ValueError("unexpected automaton layout")
    ident = _identifier_class(langid)(
        data["ptc"],
        np.asarray(data["pc"]),
        data["classes"].tolist(),
        memoryview(nextmove).cast("B").cast("I"),
        data["out_feat"].tolist(),
        norm_probs=True,
        tk_row=modelio._to_array(np.asarray(data["nextmove_row"])),
    )
    ident.set_languages(LANGUAGES)
    ident._pending = {}
    ident._walk = _Walk.of(ident)
    return ident


_CLASS = None


def _identifier_class(langid):
    """py3langid's identifier, with the features of texts walked beforehand (`prepare`) taken
    from `_pending` (encoded text → its features and their counts, as arrays) instead of walked
    again; everything else is py3langid's own, and the scores its operations."""
    global _CLASS
    if _CLASS is None:
        import numpy as np

        class Identifier(langid.LanguageIdentifier):
            __slots__ = ("_pending", "_walk")

            def _raw_score(self, text):
                got = self._pending.get(text)
                if got is not None:
                    return self._scores_of(*got)
                return super()._raw_score(text)  # not walked, or no features: py3langid's own

            def _scores_of(self, features, counts):
                """py3langid's _sparse_score of the Counter whose keys and counts, in order, are
                these arrays (intp, float32): the same operations on the same arrays it makes of
                the Counter with np.fromiter (tests/test_lang.py checks the scores bit for bit)."""
                return np.log1p(counts) @ self.nb_ptc[features] + self.nb_pc

        _CLASS = Identifier
    return _CLASS


class _Walk:
    """py3langid's feature walk (`visit_counts`) over many texts at once.

    The walk steps through a text's bytes one by one, each step a look-up in the automaton's
    table. Here the step is taken for every text at once: step j moves each text that has a j-th
    byte from its state to the next, one NumPy look-up for all of them (the texts sorted longest
    first, so those still walking are the first ones). The same states are visited as in
    py3langid's loop; the features are counted with the same Counter, in the same order."""

    def __init__(self, ident):
        import numpy as np

        self.np = np
        self.nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32)
        self.rowbase = np.asarray(ident._rowbase, dtype=np.int64)
        self.output = np.asarray(ident.tk_output, dtype=np.int64)

    @classmethod
    def of(cls, ident) -> _Walk | None:
        """None when the automaton is not laid out as this walk expects (then py3langid walks)."""
        if getattr(ident.tk_nextmove, "itemsize", 0) != 4 or not isinstance(ident._rowbase, list):
            return None
        return cls(ident)

    def visits(self, data: list[bytes]) -> list[Counter | None]:
        """Each text's feature counts (None when it has none), as `visit_counts` gives them."""
        if _langwalk is not None:
            return _langwalk.walk(self.nextmove, self.rowbase, self.output, data, Counter)
        return self.visits_numpy(data)

    def arrays(self, data: list[bytes]) -> list[tuple | None]:
        """Each text's features and their counts (None when it has none) as the arrays py3langid's
        scoring makes of `visits`' Counter (intp, float32, in its order); the C walk writes them
        itself, without the Counter."""
        np = self.np
        if _langwalk is not None:
            return [
                None
                if got is None
                else (np.frombuffer(got[0], dtype=np.intp), np.frombuffer(got[1], dtype=np.float32))
                for got in _langwalk.walk(self.nextmove, self.rowbase, self.output, data, None)
            ]
        return [
            None
            if v is None
            else (
                np.fromiter(v.keys(), dtype=np.intp, count=len(v)),
                np.fromiter(v.values(), dtype=np.float32, count=len(v)),
            )
            for v in self.visits_numpy(data)
        ]

    def visits_numpy(self, data: list[bytes]) -> list[Counter | None]:
        """`visits` with NumPy, where the C walk is not built."""
        np = self.np
        order = sorted(range(len(data)), key=lambda i: -len(data[i]))
        lengths = np.array([len(data[i]) for i in order], dtype=np.int64)
        width = int(lengths[0]) if len(data) else 0
        if width == 0:
            return [None] * len(data)
        # byte j of the text ranked r at [j, r]
        flat = np.frombuffer(b"".join(data[i] for i in order), dtype=np.uint8)
        rank = np.repeat(np.arange(len(data)), lengths)
        pos = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        table = np.zeros((width, len(data)), dtype=np.int64)
        table[pos, rank] = flat
        walking = (len(data) - np.cumsum(np.bincount(lengths, minlength=width + 1)))[:width].tolist()
        state = np.zeros(len(data), dtype=np.int64)
        states = np.zeros((width, len(data)), dtype=np.int64)
        nextmove, rowbase = self.nextmove, self.rowbase
        for j, m in enumerate(walking):  # the texts with a j-th byte
            step = nextmove[rowbase[state[:m]] + table[j, :m]]
            state[:m] = step
            states[j, :m] = step
        # each text's features, text after text, each in the order its walk met them
        feats = np.where(np.arange(width) < lengths[:, None], self.output[states.T], -1)
        hit = feats >= 0
        found = hit.sum(axis=1).tolist()
        seq = feats[hit].tolist()
        out: list[Counter | None] = [None] * len(data)
        a = 0
        for i, n in zip(order, found, strict=True):
            if n:
                out[i] = Counter(seq[a : a + n])
                a += n
        return out


# py3langid's model, as its langid.MODEL_DIR / MODEL_FILE name it, found without importing it
# (which imports NumPy); tests/test_lang.py checks that the two agree
_MODEL_FILE = ("data", "model.npz.xz")
# the .npy types `_npy` reads, as memoryview formats and their sizes (little-endian, as the model's are)
_NPY_FORMATS = {"<u4": ("I", 4), "<i8": ("q", 8), "<f4": ("f", 4)}


def _model_source() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("py3langid")
    if spec is None or not spec.origin:
        return None
    src = Path(spec.origin).parent.joinpath(*_MODEL_FILE)
    return src if src.is_file() else None


def _npy(path: Path) -> memoryview:
    """A one-dimensional view of the values of an .npy file (of a type in _NPY_FORMATS, in C order),
    mapped into memory, not read: forked workers share its pages."""
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if mm[:6] != b"\x93NUMPY" or mm[6] not in (1, 2, 3):
        raise ValueError(f"{path}: not an .npy file")
    width = 2 if mm[6] == 1 else 4
    size = int.from_bytes(mm[8 : 8 + width], "little")
    header = ast.literal_eval(mm[8 + width : 8 + width + size].decode("latin-1"))
    fmt, itemsize = _NPY_FORMATS.get(header.get("descr"), (None, 0))
    if fmt is None or header.get("fortran_order") or sys.byteorder != "little":
        raise ValueError(f"{path}: not an array this reader knows")
    count = 1
    for n in header["shape"]:
        count *= n
    start = 8 + width + size
    end = start + count * itemsize
    if end > len(mm):
        raise ValueError(f"{path}: shorter than its header says")
    return memoryview(mm)[start:end].cast(fmt)


def _encode(text: str) -> bytes:
    """A text as py3langid's `_encode` gives it to its walk: capitals lowered, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


class _Fast:
    """py3langid's identifier restricted to LANGUAGES (`set_languages`), without py3langid or NumPy:
    its tables (the automaton, the features' scores per language) mapped from the cache and the
    texts walked and scored by `_langwalk.classify`. Made, once per model and list of languages,
    from py3langid's own identifier (`_write`)."""

    FILES = ("ptc", "pc", "rowbase", "output")

    def __init__(self, nextmove, rowbase, output, ptc, pc, classes: list[str]) -> None:
        self.tables = (nextmove, rowbase, output, ptc, pc)
        self.classes = classes
        if len(pc) != len(classes) or len(ptc) % len(classes):
            raise ValueError("the model's tables do not fit its languages")

    @classmethod
    def load(cls) -> _Fast | None:
        """From the cache (written first if need be); None without the C classifier (not built, or
        an extension built before it) or a cache. The workers of an ingest load it at once: a
        folder another one replaced while this one read it is read again."""
        src = _model_source()
        if getattr(_langwalk, "classify", None) is None or src is None:
            return None
        base = _cache_path(src)
        folder = base / f"fast-{'-'.join(LANGUAGES)}"
        for again in (False, True):
            try:
                if not (folder / "complete").is_file() and not cls._write(base, folder):
                    return None
                meta = json.loads((folder / "classes.json").read_text())
                tables = {name: _npy(folder / f"{name}.npy") for name in cls.FILES}
                return cls(_npy(base / "nextmove.npy"), **tables, classes=meta["classes"])
            except FileNotFoundError:
                if again:
                    raise
        return None

    @staticmethod
    def _write(base: Path, folder: Path) -> bool:
        """Write the restricted tables from py3langid's identifier as `_from_cache` makes it (NumPy
        and py3langid are imported for it, this once). False when the cache cannot be written or
        the restricted model has a language twice (py3langid folds such columns: left to it)."""
        try:  # first: a cache that cannot be written costs no model load here (and beside `base`,
            # which a process that finds it incomplete replaces whole)
            base.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=base.parent, prefix=".tmp-fast-"))
        except OSError:
            return False
        import numpy as np
        import py3langid.langid as langid

        try:
            ident = _from_cache(langid)
            if ident is None or ident._walk is None or ident._alias_pairs:
                return False
            arrays = {
                "ptc": np.ascontiguousarray(ident.nb_ptc, dtype=np.float32),
                "pc": np.ascontiguousarray(ident.nb_pc, dtype=np.float32),
                "rowbase": ident._walk.rowbase,
                "output": ident._walk.output,
            }
            for name, arr in arrays.items():
                np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
            (tmp / "classes.json").write_text(json.dumps({"classes": list(ident.nb_classes)}))
            (tmp / "complete").write_text("")
            try:
                os.replace(tmp, folder)
            except OSError:  # another process made it first
                if not (folder / "complete").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return True

    def classify_all(self, texts: list[str]) -> list[tuple[str, float]]:
        """(language, probability) of each text, as py3langid's `classify` gives them."""
        got = _langwalk.classify(*self.tables, [_encode(t) for t in texts])
        classes = self.classes
        return [(classes[i], p) for i, p in got]

    def classify(self, text: str) -> tuple[str, float]:
        return self.classify_all([text])[0]


@lru_cache(maxsize=1)
def _identifier():
    try:
        fast = _Fast.load()
    except Exception:  # noqa: BLE001 - a damaged cache or another py3langid layout: py3langid's way
        fast = None
    if fast is not None:
        return fast
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


def _bounded(text: str) -> str:
    """The text's first MAX_CHARS characters, cut at a space."""
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    return text


def detect(text: str) -> tuple[str, float]:
    """The most likely language of `text` (its first MAX_CHARS characters) and its probability."""
    text = _bounded(text)
    got = _MEMO.get(text)
    return got if got is not None else _detect(text)


# Memoised: the document's language and each unit's are decided on the same texts.
_MEMO: dict[str, tuple[str, float]] = {}
MEMO_SIZE = 8192


def _detect(text: str) -> tuple[str, float]:
    if not text.strip():
        got = ("", 0.0)
    else:
        lang, prob = _identifier().classify(text)
        got = (str(lang), float(prob))
    _remember(text, got)
    return got


def _remember(text: str, got: tuple[str, float]) -> None:
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    _MEMO[text] = got


def prepare(texts: list[str]) -> None:
    """Classify the texts `detect` will be asked about (a document's units) in one walk: the
    answers `detect` would give them one by one (py3langid's; with the C classifier, probabilities
    within ~1e-4 of its own)."""
    ident = _identifier()
    fast = isinstance(ident, _Fast)
    walk = getattr(ident, "_walk", None)
    if walk is None and not fast:
        return
    todo = list(dict.fromkeys(t for t in map(_bounded, texts) if t not in _MEMO and t.strip()))
    if len(todo) < 2:
        return
    for a in range(0, len(todo), 256):  # at most ~0.5 MB of text at a time
        chunk = todo[a : a + 256]
        if fast:
            for t, got in zip(chunk, ident.classify_all(chunk), strict=True):
                _remember(t, got)
            continue
        encoded = [ident._encode(t) for t in chunk]
        ident._pending = dict(zip(encoded, walk.arrays(encoded), strict=True))
        try:
            for t in chunk:
                _detect(t)
        finally:
            ident._pending = {}


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
