"""Whoosh reads its files with pickle; pincite lets it rebuild only Whoosh's own objects.

Whoosh keeps the schema and the segment list in a pickled table of contents, and pickles postings
blocks, term infos and columns. `pickle.loads` of a file someone planted in a home (homes are copied,
shared and unpacked from archives) runs any code that file names. `install()` puts a restricted
unpickler in every place Whoosh loads a pickle (pincite.index.whoosh_compat applies it): it rebuilds the classes of Whoosh's schema, analysis,
formats, columns and codec, pincite's own schema and analysis classes, and a few harmless builtins,
and refuses every other global (`os.system`, `subprocess.Popen`, `builtins.eval`…) with
`UntrustedIndex`, which the index manager reports as a damaged index to rebuild.

Cost: the C unpickler still does the work; only globals go through `find_class`. But an
unpickler reads from a file, not from bytes, and over a bare BytesIO it made a postings block
(1.7 kB) cost 190 us against pickle.loads' 47 us, a fifth of an AND query at 100,000 units; over a
buffered reader it costs 90 us (timeit, best of 5, loaded 2-core machine; not a bench/ figure).
"""

from __future__ import annotations

import importlib
import io
import pickle
import sys
import types

# Modules whose classes a Whoosh index of pincite's may hold (a module's subpackages included).
_CLASS_MODULES = (
    "whoosh.fields",
    "whoosh.analysis",
    "whoosh.formats",
    "whoosh.columns",
    "whoosh.codec.whoosh3",
    "whoosh.codec.base",
    "whoosh.idsets",
    "whoosh.lang",
    "whoosh.util.numeric",
    "pincite.index.analysis",
    "pincite.index.schema",
)
# Callables pickle needs to rebuild plain values: nothing here touches files, processes or code.
_ALLOWED = {
    ("builtins", n)
    for n in ("int", "float", "complex", "bool", "str", "bytes", "bytearray", "list", "tuple", "dict",
              "set", "frozenset", "slice", "range", "object")
} | {
    ("copyreg", "_reconstructor"),
    ("collections", "defaultdict"),
    ("collections", "OrderedDict"),
    ("collections", "deque"),
    ("re", "_compile"),
    ("_codecs", "encode"),
    ("codecs", "encode"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
}  # fmt: skip
_RENAMED = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class UntrustedIndex(pickle.UnpicklingError):
    """An index file names something pincite never writes there."""


def _allowed(module: str, name: str) -> bool:
    module = _RENAMED.get(module, module)
    if name == "long" and module == "builtins":
        return True
    if (module, name) in _ALLOWED:
        return True
    if "." in name or not any(module == m or module.startswith(m + ".") for m in _CLASS_MODULES):
        return False
    obj = getattr(importlib.import_module(module), name, None)
    return isinstance(obj, type)


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if not _allowed(module, name):
            raise UntrustedIndex(f"an index file asks to load {module}.{name}, which pincite never writes")
        return super().find_class(module, name)


def load(file, **kw):
    return SafeUnpickler(file, **kw).load()


def loads(data, **kw):
    # Through a buffered reader: the C unpickler then reads its input in one piece (peek) instead
    # of a read() call per opcode, which made an unpickler over a bare BytesIO 4x slower than
    # pickle.loads (postings blocks of 1.7 kB: 190 against 47 us; buffered, 90).
    return SafeUnpickler(
        io.BufferedReader(io.BytesIO(data), max(io.DEFAULT_BUFFER_SIZE, len(data))), **kw
    ).load()


_pickle_shim = types.SimpleNamespace(
    loads=loads,
    load=load,
    dumps=pickle.dumps,
    dump=pickle.dump,
    PicklingError=pickle.PicklingError,
    UnpicklingError=pickle.UnpicklingError,
    HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
)


def install() -> bool:
    """Replace pickle's loaders in whoosh.compat (for modules imported later) and in every Whoosh
    module imported already (they bound the names at import). Called by
    pincite.index.whoosh_compat.apply(); False when whoosh.compat holds no pickle loader to
    replace (a Whoosh this was not written for)."""
    import whoosh.compat

    found = False
    for mod in [whoosh.compat, *(m for k, m in list(sys.modules.items()) if k.startswith("whoosh."))]:
        if mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            if value is pickle.loads or value is loads:
                setattr(mod, attr, loads)
            elif value is pickle.load or value is load:
                setattr(mod, attr, load)
            elif value is pickle or value is _pickle_shim:
                setattr(mod, attr, _pickle_shim)
            else:
                continue
            found = found or mod is whoosh.compat
    return found
