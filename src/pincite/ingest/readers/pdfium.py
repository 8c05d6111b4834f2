"""The PDFium engine of the PDF reader: text objects with their positions, sizes and fonts.

PDFium (through pypdfium2, a wheel with the library inside) parses a page about ten times faster than
pypdf. This module turns a page's text objects into the same `Run`s that the pypdf engine makes from
its `visitor_text` callback, so that everything after (lines, furniture, notes, blocks, the
segmenter) cannot tell which engine read the page:

- a run is one text-showing operation (`Tj`/`TJ`), in content-stream order (`seq`), inside form
  XObjects too;
- `x`, `y` are the origin of its first glyph, with the text rise (`Ts`) in `y`: a raised note call
  sits above its line's baseline as it is printed;
- `size` is the font size times the text matrix's vertical scale, as pypdf's is;
- `width` is the object's real width, from its glyph boxes (pypdf has only an estimate);
- a run that follows a space the PDF drew as its own object, or that starts a new line in the
  stream, opens with a space, as pypdf's runs do.
"""

from __future__ import annotations

import ctypes
import math
import re
from itertools import repeat

# pypdfium2's raw bindings alone: `pypdfium2.raw` first imports the package's helpers (PdfDocument
# and its object tracking), 7-11 ms of every parse worker's start that only OCR needs (it imports
# them itself: readers/ocr.py, pdf._ocr_layer)
import pypdfium2_raw as pr

from pincite.corpus.model import NEEDS_PASSWORD
from pincite.errors import DocumentError

try:  # the C walk over a page's objects (setup.py builds it where a compiler is found)
    from pincite.ingest.readers import _pdfium_walk as _walk
except ImportError:  # pragma: no cover - the same runs through ctypes
    _walk = None

# the library set up once a process, as pypdfium2's helpers do on their import (PDFium ignores a
# second call: importing them later changes nothing)
pr.FPDF_InitLibraryWithConfig(
    pr.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=None, m_pIsolate=None, m_v8EmbedderSlot=0)
)

_ERRORS = {
    pr.FPDF_ERR_FILE: "damaged or truncated PDF: the file cannot be read",
    pr.FPDF_ERR_FORMAT: "damaged or truncated PDF: not in PDF format or corrupted",
    pr.FPDF_ERR_SECURITY: "encrypted with a method pincite cannot open (unsupported security handler)",
    pr.FPDF_ERR_PAGE: "damaged PDF: a page cannot be found",
}

_CONTROL = {0x02: "-", 0x0D: " ", 0x0A: " ", 0xFFFE: "-"}
# the control characters above, and the private-use area dropped (pdf.PUA_RE), in one translation
_TRANSLATE = {**{c: None for c in range(0xE000, 0xF900)}, **_CONTROL}
# the widest range of characters from the space up that are none of its keys: the C walk leaves a
# text made only of them as it is, without a look-up per character (~0.1 s of the real PDFs' parse)
_KEPT = (0x20, min(c for c in _TRANSLATE if c >= 0x20))
BOLD_RE = re.compile(r"bold|black|heavy|,B\b|-B\b", re.I)
ITALIC_RE = re.compile(r"italic|oblique|,I\b|-I\b", re.I)


class Document:
    """An open PDFium document; `close()` frees it (the bytes are held until then)."""

    def __init__(self, data: bytes, name: str):
        if not data:
            raise DocumentError(name, "empty file (0 bytes)")
        if b"%PDF-" not in data[:1024]:
            raise DocumentError(name, "not a PDF (no %PDF- header)")
        self._data = data  # PDFium reads from this buffer for as long as the document is open
        self.handle = pr.FPDF_LoadMemDocument64(data, len(data), None)
        if not self.handle:
            code = pr.FPDF_GetLastError()
            if code == pr.FPDF_ERR_PASSWORD:
                raise DocumentError(
                    name,
                    "encrypted: the PDF needs a password to open (the empty password does not work)",
                    status=NEEDS_PASSWORD,
                )
            raise DocumentError(name, _ERRORS.get(code, f"damaged PDF (PDFium error {code})"))
        self.pages = pr.FPDF_GetPageCount(self.handle)
        if self.pages <= 0:
            self.close()
            raise DocumentError(name, "damaged or truncated PDF: no pages")

    def close(self) -> None:
        if self.handle:
            pr.FPDF_CloseDocument(self.handle)
            self.handle = None

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def page(self, index: int) -> Page:
        return Page(self, index)


class Page:
    """One loaded page and its text page (PDFium's text extraction, which maps glyphs to Unicode)."""

    def __init__(self, doc: Document, index: int):
        self.handle = pr.FPDF_LoadPage(doc.handle, index)
        if not self.handle:
            raise ValueError(f"PDFium cannot load page {index + 1}")
        self.text = pr.FPDFText_LoadPage(self.handle)
        self._text_of: dict[int, str] | None = None
        self._page_ptr = ctypes.cast(self.handle, ctypes.c_void_p).value
        self._text_ptr = ctypes.cast(self.text, ctypes.c_void_p).value
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not pr.FPDFPage_GetMediaBox(self.handle, left, bottom, right, top):
            box = pr.FS_RECTF()
            pr.FPDF_GetPageBoundingBox(self.handle, box)
            left.value, bottom.value, right.value, top.value = box.left, box.bottom, box.right, box.top
        lo, hi = sorted((bottom.value, top.value))
        self.width = abs(right.value - left.value) or 612.0
        self.height = (hi - lo) or 792.0
        self.bottom = lo

    def close(self) -> None:
        if self.text:
            pr.FPDFText_ClosePage(self.text)
            self.text = None
        if self.handle:
            pr.FPDF_ClosePage(self.handle)
            self.handle = None

    def runs(self, orientations: tuple[int, ...] = (0,)) -> list:
        """The page's text runs (pypdf's `orientations`: 0 is upright, 90/180/270 turned): made in C
        (`_pdfium_walk.runs`, the loop of `_runs_python` rule for rule) where it was built."""
        from pincite.ingest.readers.pdf import EM_PER_CHAR, Run

        f = _fns()
        if _walk is not None:
            return _walk.runs(
                self._page_ptr,
                self._text_ptr,
                f.addresses,
                orientations,
                Run,
                _style_of,
                _TRANSLATE,
                EM_PER_CHAR,
                *_KEPT,
            )
        return self._runs_python(orientations)

    def _runs_python(self, orientations: tuple[int, ...] = (0,)) -> list:
        from pincite.ingest.readers.pdf import EM_PER_CHAR, Run

        f = _fns()
        runs: list = []
        seen: set[tuple[str, int, int]] = set()
        fonts: dict[int, tuple[bool, bool]] = {}
        pending = False  # a space is owed (a space drawn as its own object)
        last = None  # the last run kept
        hypot, translate = math.hypot, _TRANSLATE
        for _obj, text, m, _in_form, size, font, right in self._objects(f):
            if not text.strip():
                pending = True  # a space drawn as its own object
                continue
            turn = _orientation(m)
            if turn not in orientations:
                continue
            scale = hypot(m[2], m[3]) or 1.0
            eff = size * scale
            if eff <= 0.5:
                continue
            # PDFium marks a hyphen it takes for a line-end break as \x02: it is the printed hyphen;
            # private-use characters (barcode fonts, symbols without Unicode) go
            t = text.translate(translate)
            stripped = t.strip()
            if not stripped:
                continue
            x, y = m[4], m[5]
            if not t[:1].isspace() and (last is None or not last.text[-1:].isspace()):
                # PDFium's text page already put its spaces into the objects' text, where glyph
                # advances leave a word gap (`11 ` before the next word, none in `57/301` + `, the`);
                # a run on a new line, or after a space drawn as an object of its own, starts a word
                if pending or last is None or abs(y - last.y) > 0.5 * max(eff, last.size):
                    t = " " + t
            pending = False
            key = (stripped, round(x), round(y))
            if key in seen:  # text printed twice to look bold
                continue
            seen.add(key)
            style = fonts.get(font)
            if style is None:
                style = fonts[font] = _style_of(font)
            width = 0.0
            if right is not None and turn == 0:
                width = max(0.0, right - x)
            if width <= 0.0:
                xscale = hypot(m[0], m[1]) or scale
                width = EM_PER_CHAR * size * xscale * len(t)
            last = Run(t, x, y, eff, style[0], width, len(runs), style[1])
            runs.append(last)
        return runs

    def _objects(self, f) -> list[tuple]:
        """Each text object of the page in content-stream order (inside form XObjects too) as
        (object, its text, matrix with the forms' around it, in a form, font size, font, right
        edge of its bounds or None): from the C walk (`_pdfium_walk`) where it was built, else
        through ctypes, with the same values."""
        if _walk is not None:
            return _walk.walk(self._page_ptr, self._text_ptr, f.addresses)
        return self._objects_ctypes(f)

    def _objects_ctypes(self, f) -> list[tuple]:
        from pincite.ingest.readers.pdf import _mult

        if self._text_of is None:  # asked again for a page without upright text: read once
            self._text_of = self._texts(f)
        texts = self._text_of
        mat = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
        size_c = ctypes.c_float()
        box = (ctypes.c_float * 4)()
        brefs = [ctypes.addressof(box) + 4 * i for i in range(4)]  # left, bottom, right, top
        get_type, get_matrix, get_size = f.GetType, f.GetMatrix, f.GetFontSize
        get_font, get_bounds = f.GetFont, f.GetBounds
        text_kind, form_kind = pr.FPDF_PAGEOBJ_TEXT, pr.FPDF_PAGEOBJ_FORM
        out: list[tuple] = []

        def walk(parent: int, count, get, outer: tuple[float, ...] | None, depth: int) -> None:
            if depth > 64:  # forms drawn inside themselves: PDFium stops such loops, this is a backstop
                return
            for i in range(count(parent)):
                obj = get(parent, i)
                if not obj:
                    continue
                kind = get_type(obj)
                if kind == text_kind:
                    get_matrix(obj, mat)
                    m = tuple(mat)
                    if outer:
                        m = tuple(_mult(m, outer))
                    get_size(obj, size_c)
                    font = get_font(obj) or 0
                    right = box[2] if not outer and get_bounds(obj, *brefs) else None
                    out.append((obj, texts.get(obj, ""), m, outer is not None, size_c.value, font, right))
                elif kind == form_kind:
                    get_matrix(obj, mat)
                    m = tuple(mat)
                    walk(obj, f.FormCount, f.FormGet, tuple(_mult(m, outer)) if outer else m, depth + 1)

        walk(self._page_ptr, f.CountObjects, f.GetObject, None, 0)
        return out

    def _texts(self, f) -> dict[int, str]:
        """Each text object's text, from one pass over the text page's characters.

        `FPDFTextObj_GetText` scans the whole text page for every object (a page of 300 objects
        read its 3,000 characters 300 times); here each character is asked for its object once,
        and the characters are taken in stretches of one object (NumPy finds where the object
        changes), not one by one. Characters PDFium generated belong to no object: a generated
        word space opens the next object's text (typed documents draw each word, or each glyph,
        as an object of its own)."""
        tp = self._text_ptr
        n = f.CountChars(tp)
        if n <= 0:
            return {}
        buf = ctypes.create_string_buffer(2 * n + 2)
        got = f.GetText(tp, 0, n, buf)
        text = buf.raw[: 2 * max(0, got - 1)].decode("utf-16-le", "replace")
        if len(text) != n:  # characters outside the BMP: ask for each one
            text = "".join(chr(f.GetUnicode(tp, i)) for i in range(n))
        import numpy as np  # here: the C walk, which needs none, is the usual path

        owner = np.fromiter(
            map(f.GetTextObjectN, repeat(ctypes.c_void_p(tp), n), range(n)), dtype=np.uint64, count=n
        )
        cuts = (np.flatnonzero(owner[1:] != owner[:-1]) + 1).tolist()
        starts = [0, *cuts]
        out: dict[int, list[str]] = {}
        gap = False
        for obj, a, b in zip(owner[starts].tolist(), starts, [*cuts, n], strict=True):
            piece = text[a:b]
            if not obj:
                gap = gap or " " in piece  # a word space PDFium generated: it opens the next object
                continue
            chars = out.get(obj)
            if chars is None:
                chars = out[obj] = []
            if gap and not chars:
                chars.append(" ")
            gap = False
            chars.append(piece)
        return {k: "".join(v) for k, v in out.items()}


class _Fns:
    """PDFium's functions with plain pointers (ints) for arguments and results: faster through
    ctypes than pypdfium2's typed handles, and handles compare as numbers."""

    def __init__(self) -> None:
        import os

        import pypdfium2_raw

        lib = ctypes.CDLL(os.path.join(os.path.dirname(pypdfium2_raw.__file__), "libpdfium.so"))
        vp, ci, cf = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)

        def fn(name, res, *args):
            func = getattr(lib, name)
            func.restype, func.argtypes = res, args
            return func

        self.CountObjects = fn("FPDFPage_CountObjects", ci, vp)
        self.GetObject = fn("FPDFPage_GetObject", vp, vp, ci)
        self.GetType = fn("FPDFPageObj_GetType", ci, vp)
        self.FormCount = fn("FPDFFormObj_CountObjects", ci, vp)
        self.FormGet = fn("FPDFFormObj_GetObject", vp, vp, ctypes.c_ulong)
        self.GetMatrix = fn("FPDFPageObj_GetMatrix", ci, vp, ctypes.POINTER(ctypes.c_float * 6))
        self.GetFontSize = fn("FPDFTextObj_GetFontSize", ci, vp, cf)
        self.GetBounds = fn("FPDFPageObj_GetBounds", ci, vp, vp, vp, vp, vp)  # float pointers, as numbers
        self.GetFont = fn("FPDFTextObj_GetFont", vp, vp)
        self.GetBaseFontName = fn(
            "FPDFFont_GetBaseFontName", ctypes.c_size_t, vp, ctypes.c_char_p, ctypes.c_size_t
        )
        self.CountChars = fn("FPDFText_CountChars", ci, vp)
        self.GetText = fn("FPDFText_GetText", ci, vp, ci, ci, ctypes.c_char_p)
        self.GetUnicode = fn("FPDFText_GetUnicode", ctypes.c_uint, vp, ci)
        self.GetTextObject = fn("FPDFText_GetTextObject", vp, vp, ci)
        # the same, the object as a number (0 for a character PDFium generated), for NumPy; called
        # once per character, so without argtypes (a third faster): the text page as a c_void_p
        self.GetTextObjectN = ctypes.CDLL(lib._name).FPDFText_GetTextObject
        self.GetTextObjectN.restype = ctypes.c_size_t
        # the addresses of the functions the C walk calls, in the order _pdfium_walk.c reads them
        self.addresses = tuple(
            ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
            for name in (
                "FPDFPage_CountObjects",
                "FPDFPage_GetObject",
                "FPDFPageObj_GetType",
                "FPDFFormObj_CountObjects",
                "FPDFFormObj_GetObject",
                "FPDFPageObj_GetMatrix",
                "FPDFTextObj_GetFontSize",
                "FPDFTextObj_GetFont",
                "FPDFPageObj_GetBounds",
                "FPDFText_CountChars",
                "FPDFText_GetText",
                "FPDFText_GetUnicode",
                "FPDFText_GetTextObject",
            )
        )


_FNS: _Fns | None = None


def _fns() -> _Fns:
    global _FNS
    if _FNS is None:
        _FNS = _Fns()
    return _FNS


def _style_of(font: int) -> tuple[bool, bool]:
    """(bold, italic) of a font, from its name (0: no font, neither)."""
    buf = ctypes.create_string_buffer(256)
    n = _fns().GetBaseFontName(font, buf, 256) if font else 0
    name = buf.value.decode("latin-1", "replace") if n else ""
    return bool(BOLD_RE.search(name)), bool(ITALIC_RE.search(name))


def _orientation(m: tuple[float, ...]) -> int:
    """pypdf's rule: the sign of the matrix's d, else of its b."""
    if m[3] > 1e-6:
        return 0
    if m[3] < -1e-6:
        return 180
    return 90 if m[1] > 0 else 270
