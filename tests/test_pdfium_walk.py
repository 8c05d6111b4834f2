"""The C walk over a page's text objects (`_pdfium_walk`) gives what the ctypes walk gives, value for
value, and the runs made from either are the same: on a page with forms drawn inside forms, turned
text and spaces drawn as objects of their own, and on every page of the real PDFs."""

from __future__ import annotations

import shutil
import sysconfig
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import CORPUS_REAL, needs_shared
from pdfmaker import serialise
from pincite.ingest.readers import pdfium

needs_walk = pytest.mark.skipif(pdfium._walk is None, reason="the C walk was not built (no C compiler)")


def _form_pdf() -> bytes:
    """One page: text on the page, a form XObject scaled and moved by its /Matrix and by `cm`,
    holding text and a second form turned by 90°; a space drawn as its own object; a raised call."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    inner = b"BT /F1 9 Tf 0 0 Td (turned in the inner form) Tj ET\n"
    outer = b"BT /F1 10 Tf 10 20 Td (Text inside the outer form) Tj ET\nq 0 1 -1 0 300 40 cm /Fm2 Do Q\n"
    page = (
        b"BT /F1 12 Tf 72 760 Td (First line on the page) Tj ET\n"
        b"BT /F1 12 Tf 250 760 Td ( ) Tj ET\n"
        b"BT /F1 12 Tf 260 760 Td (after a drawn space) Tj ET\n"
        b"BT /F1 7 Tf 4 Ts 380 760 Td (12) Tj ET\n"
        b"q 1.5 0 0 1.5 50 400 cm /Fm1 Do Q\n"
        b"BT /F1 12 Tf 72 100 Td (Last line on the page) Tj ET\n"
    )

    def stream(data: bytes, extra: bytes = b"") -> bytes:
        return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)

    res = b"/Resources << /Font << /F1 1 0 R >> /XObject << /Fm1 3 0 R /Fm2 2 0 R >> >>"
    objects = [
        font,  # 1
        stream(inner, b"/Type /XObject /Subtype /Form /BBox [0 0 400 100] " + res + b" "),  # 2
        stream(
            outer, b"/Type /XObject /Subtype /Form /BBox [0 0 400 300] /Matrix [1 0 0 1 5 5] " + res + b" "
        ),  # 3
        stream(page),  # 4
        b"<< /Type /Page /Parent 6 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + res + b" >>",  # 5
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",  # 6
        b"<< /Type /Catalog /Pages 6 0 R >>",  # 7
    ]
    return serialise(objects, 7)


@contextmanager
def _first_page(data: bytes, name: str):
    with pdfium.Document(data, name) as doc:
        page = doc.page(0)
        try:
            yield page
        finally:
            page.close()


def _pages(data: bytes, name: str):
    """Each page, open while the loop's body runs (closed with its document after)."""
    with pdfium.Document(data, name) as doc:
        for i in range(doc.pages):
            page = doc.page(i)
            try:
                yield page
            finally:
                page.close()


def _both(page) -> tuple[list, list]:
    f = pdfium._fns()
    return page._objects(f), page._objects_ctypes(f)


def _runs_without_walk(page, monkeypatch, orientations=(0,)) -> list:
    """The runs as the pure-Python reader makes them: ctypes walk, Python loop."""
    with monkeypatch.context() as m:
        m.setattr(pdfium, "_walk", None)
        page._text_of = None
        return page.runs(orientations)


def _runs_python_over_c_walk(page, orientations=(0,)) -> list:
    """The Python loop over the C walk: tells a difference in the loop from one in the walk."""
    return page._runs_python(orientations)


@needs_walk
def test_the_c_walk_reads_forms_in_forms_as_the_ctypes_walk_does(monkeypatch):
    with _first_page(_form_pdf(), "forms.pdf") as page:
        _check_form_page(page, monkeypatch)


def _check_form_page(page, monkeypatch) -> None:
    walked, ctyped = _both(page)
    assert walked == ctyped
    texts = [o[1].strip() for o in walked]
    assert "Text inside the outer form" in texts and "turned in the inner form" in texts
    inside = {o[1].strip(): o for o in walked}
    # the outer form: its /Matrix (5, 5), then `cm` (×1.5, at 50, 400), then Td (10, 20)
    _, _, m, in_form, size, _, right = inside["Text inside the outer form"]
    assert in_form and right is None
    assert m[4] == pytest.approx(50 + 1.5 * (5 + 10)) and m[5] == pytest.approx(400 + 1.5 * (5 + 20))
    assert m[3] == pytest.approx(1.5) and size == pytest.approx(10)
    # the inner form, turned: its matrix has d = 0 and b = ±1.5
    _, _, m2, in_form2, _, _, _ = inside["turned in the inner form"]
    assert in_form2 and abs(m2[3]) < 1e-6 and abs(m2[1]) == pytest.approx(1.5)
    # on the page, outside forms: a right edge from the glyph boxes
    _, _, m3, in_form3, _, font, right3 = inside["First line on the page"]
    assert not in_form3 and font and right3 > m3[4] + 50
    runs = page.runs()
    assert runs == _runs_without_walk(page, monkeypatch) == _runs_python_over_c_walk(page)
    assert all(r.bold for r in runs)  # Helvetica-Bold, from the font's name
    assert any(r.text == " after a drawn space" for r in runs)
    turned = page.runs((0, 90, 180, 270))
    assert turned == _runs_without_walk(page, monkeypatch, (0, 90, 180, 270))
    assert any("turned in the inner form" in r.text for r in turned)
    assert not any("turned in the inner form" in r.text for r in runs)


@needs_walk
def test_texts_with_nothing_to_translate_are_kept_as_they_are():
    """The C loop leaves a text made only of characters of the kept range as it is instead of
    translating it; any other text is translated (`_TRANSLATE`: controls, the private-use area)."""
    from pincite.ingest.readers.pdf import EM_PER_CHAR, Run

    lo, hi = pdfium._KEPT
    assert lo < hi and hi in pdfium._TRANSLATE and not any(lo <= k < hi for k in pdfium._TRANSLATE)
    f = pdfium._fns()
    with _first_page(_form_pdf(), "forms.pdf") as page:

        def runs(table, *kept):
            args = (
                page._page_ptr,
                page._text_ptr,
                f.addresses,
                (0,),
                Run,
                pdfium._style_of,
                table,
                EM_PER_CHAR,
            )
            return pdfium._walk.runs(*args, *kept)

        assert (
            runs(pdfium._TRANSLATE, lo, hi) == runs(pdfium._TRANSLATE) == page.runs()
        )  # none kept: all translated
        # a table that deletes "e", with the range below "e" kept: texts with an "e" lose it, "12" is kept
        table, kept = {ord("e"): None}, (0x20, ord("e"))
        got = [r.text for r in runs(table, *kept)]
        assert got == [r.text for r in runs(table)]
        assert " 12" in got and " First lin on th pag" in got


@needs_walk
def test_the_c_walk_of_a_page_without_text_is_empty():
    data = serialise(
        [
            b"<< /Length 0 >>\nstream\n\nendstream",
            b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 1 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
            b"<< /Type /Catalog /Pages 3 0 R >>",
        ],
        4,
    )
    with _first_page(data, "empty.pdf") as page:
        assert _both(page) == ([], [])


@needs_walk
def test_the_c_walk_refuses_bad_arguments():
    f = pdfium._fns()
    with _first_page(_form_pdf(), "forms.pdf") as page:
        with pytest.raises(ValueError):
            pdfium._walk.walk(page._page_ptr, page._text_ptr, f.addresses[:-1])
        with pytest.raises(ValueError):
            pdfium._walk.walk(0, page._text_ptr, f.addresses)
        with pytest.raises(ValueError):
            pdfium._walk.walk(page._page_ptr, page._text_ptr, (*f.addresses[:-1], 0))


def test_the_c_walk_is_built_where_a_compiler_is():
    """An install on a machine with a C compiler and Python's headers builds the walk (setup.py
    marks it optional, so a failed build would otherwise go unnoticed and the reader be slower)."""
    headers = Path(sysconfig.get_paths()["include"], "Python.h").is_file()
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers:
        pytest.skip("no C compiler or no Python headers here")
    assert pdfium._walk is not None


@needs_walk
@needs_shared
@pytest.mark.slow
def test_the_c_walk_reads_every_real_pdf_page_as_the_ctypes_walk_does(monkeypatch):
    files = sorted(p for p in CORPUS_REAL.rglob("*.pdf") if p.is_file())
    assert len(files) >= 30
    pages = 0
    for f in files:
        try:
            for page in _pages(f.read_bytes(), f.name):
                walked, ctyped = _both(page)
                assert walked == ctyped, f"{f.name}: page {pages}"
                runs = page.runs()
                assert runs == _runs_python_over_c_walk(page), f"{f.name}: the loop, page {pages}"
                assert runs == _runs_without_walk(page, monkeypatch), f.name
                assert page.runs((0, 90, 180, 270)) == _runs_python_over_c_walk(page, (0, 90, 180, 270))
                pages += 1
        except pdfium.DocumentError:
            continue  # a locked or damaged file: the reader's own tests cover it
    assert pages > 400
