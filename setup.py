"""The one compiled part: a C walk over a PDF page's text objects (see the module's source). It is
optional: where it cannot be built (no C compiler), pincite reads pages through ctypes instead, with
the same result, more slowly."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pincite.ingest.readers._pdfium_walk",
            sources=["src/pincite/ingest/readers/_pdfium_walk.c"],
            optional=True,
        )
    ]
)
