"""The compiled parts: a C walk over a PDF page's text objects, a page's runs made into lines,
py3langid's feature walk over a document's texts, a unit's words and postings for the index, and an
index segment's terms written as Whoosh writes them (see each module's source; the last links zlib).
All are optional: where they cannot be built (no C compiler, or no zlib headers for the last),
pincite reads pages through ctypes, makes lines in Python, walks texts with NumPy, cuts and counts
words and writes terms in Python instead, with the same result, more slowly."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pincite.ingest.readers._pdfium_walk",
            sources=["src/pincite/ingest/readers/_pdfium_walk.c"],
            optional=True,
        ),
        Extension(
            "pincite.ingest.readers._pdflines",
            sources=["src/pincite/ingest/readers/_pdflines.c"],
            optional=True,
        ),
        Extension(
            "pincite.index._postings",
            sources=["src/pincite/index/_postings.c"],
            optional=True,
        ),
        Extension(
            "pincite.ingest._langwalk",
            sources=["src/pincite/ingest/_langwalk.c"],
            libraries=["m"],
            optional=True,
        ),
        Extension(
            "pincite.index._terms",
            sources=["src/pincite/index/_terms.c"],
            libraries=["z"],
            optional=True,
        ),
    ]
)
