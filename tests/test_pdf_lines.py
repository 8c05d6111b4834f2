"""The C build_lines (`readers/_pdflines.c`) makes the lines the Python functions make: every field of
every line (types too: an int stays an int), each run's rise and the count of the runs' stripped
characters, on every page of the real PDFs
and on made-up runs built to reach each rule (raised calls and ordinals, a label or dot leaders
before a wide gap, lines of their own that are calls, blanks, masthead columns)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from conftest import CORPUS_REAL, needs_shared
from pincite.ingest.readers import pdf
from pincite.ingest.readers.pdf import Run

needs_c = pytest.mark.skipif(pdf._pdflines is None, reason="the C build_lines was not built (no C compiler)")


def _state(lines, runs) -> str:
    return repr(
        (
            [[(k, [id(r) for r in v] if k == "runs" else v) for k, v in vars(ln).items()] for ln in lines],
            [(id(r), vars(r).get("rise")) for r in runs],
        )
    )


def _both(runs: list[Run], page: int = 2, masthead_y: float = 1e9) -> tuple[str, str]:
    """The C lines' state and the Python lines' state (each run's rise included)."""
    got, chars = pdf._pdflines.lines(runs, page, masthead_y, pdf._C_LINES, True)
    assert chars == sum(len(r.text.strip()) for r in runs)
    c = _state(got, runs)
    for r in runs:
        r.rise = -99.0
    return c, _state(pdf._build_lines(runs, page, masthead_y), runs)


@needs_c
@needs_shared
@pytest.mark.parametrize("engine", ["pdfium", "pypdf"])
def test_the_same_lines_on_every_real_page(engine):
    files = sorted((CORPUS_REAL / "pdf").rglob("*.pdf"))
    if engine == "pypdf":
        files = files[:6]  # pypdf is slow; its runs are floats as PDFium's are
    pages = 0
    for f in files:
        data = f.read_bytes()
        gen = pdf._pages_pdfium(data, f.name) if engine == "pdfium" else pdf._pages_pypdf(data, f.name)
        try:
            for no, _, h, bottom, runs in gen:
                c, py = _both(runs, no, bottom + 0.55 * h)
                assert c == py, (f.name, no)
                pages += 1
        except pdf.DocumentError:
            continue  # a scan
    assert pages > (400 if engine == "pdfium" else 10)


WORDS = [
    "the",
    "of",
    "Assembly",
    "régión",
    "1.",
    "(a)",
    "[3]",
    "21",
    "st",
    "er",
    "º",
    "XVIII",
    "e",
    "..........",
    "……",
    "________",
    "3 Pupunha, región",
    "  ",
    "\t",
    "a  b",
    "x\ty",
    "*",
    "**",
    "∗",
    "†",
    "‡",
    "12",
    "٣",
    "b",
    "Z",
    "1/",
    "see",
    "note",
    " and",
    "and ",
    "١٢٣",
    "①",
    "²",
]


def _made_up(rng: random.Random) -> list[Run]:
    runs: list[Run] = []
    y = 700.0
    for _ in range(rng.randint(1, 12)):
        size = rng.choice([10.0, 10.02, 12.0, 9.5, 6.5, 7.0, 16.0, 10.04999])
        x = rng.choice([72.0, 90.0, 72.5])
        for _ in range(rng.randint(1, 8)):
            small = rng.random() < 0.25
            s = size * (0.6 if small else 1.0)
            dy = (
                rng.choice([0.0, 0.0, 0.0, 3.0, 0.3 * size, -0.2, 1.3])
                if small
                else rng.choice([0.0, 0.0, 0.01])
            )
            text = rng.choice(WORDS)
            if rng.random() < 0.3:
                text = " " + text
            if rng.random() < 0.3:
                text += " "
            w = 0.5 * s * len(text)
            runs.append(Run(text, x, y + dy, s, rng.random() < 0.2, w, 0, rng.random() < 0.1))
            x += w + rng.choice([0.0, 0.5, 2.0, 60.0, 200.0])
        y -= rng.choice([12.0, 14.0, 5.0, 30.0, 0.2])
    rng.shuffle(runs)
    order = list(range(len(runs)))
    if rng.random() < 0.5:
        rng.shuffle(order)
    for i, r in zip(order, runs, strict=True):
        r.seq = i
    return runs


@needs_c
def test_the_same_lines_from_made_up_runs():
    rng = random.Random(7)
    for case in range(3000):
        runs = _made_up(rng)
        page = 1 if case % 3 == 0 else 2
        c, py = _both(runs, page, 690.0 if page == 1 else 1e9)
        assert c == py, case


@needs_c
def test_a_line_of_one_mark_after_a_line_is_a_call_as_the_pattern_says():
    """The C test of CALL_TEXT_RE (a text of three characters or fewer) against the pattern's own,
    for every digit, space and mark it could confuse, alone and in twos and threes."""
    chars = [chr(c) for c in range(0x110000) if chr(c).isdigit() or chr(c).isspace() or chr(c).isnumeric()]
    chars = [c for c in chars if unicodedata.category(c) != "Cs"] + list("azAZ*∗†‡!.-(")
    rng = random.Random(3)
    texts = chars + ["".join(rng.choice(chars) for _ in range(rng.randint(2, 3))) for _ in range(3000)]
    texts += ["12", "123", "1234", "**", "***", "****", "∗∗", "*∗", "ab", "a ", " b", "١٢", "1٢"]
    for t in texts:
        for raised in (True, False):
            body = Run("Some text of the body", 72.0, 700.0, 10.0, False, 90.0, 0)
            mark = Run(t, 165.0, 703.0 if raised else 700.0, 6.0 if raised else 10.0, False, 3.0, 1)
            above = Run(t, 165.0, 709.0, 6.0, False, 3.0, 2)  # a line of its own, just above
            for runs in ([body, mark], [body, above]):
                c, py = _both(runs)
                assert c == py, repr(t)


@needs_c
def test_runs_the_c_path_does_not_read_are_made_into_lines_in_python():
    runs = [Run("Integer place", 72, 700, 10.0, False, 60.0, 0), Run("x", 140.0, 700.0, 10.0, False, 5.0, 1)]
    assert pdf._pdflines.lines(runs, 2, 1e9, pdf._C_LINES) is None
    got = pdf.build_lines(runs, 2)
    assert [ln.text for ln in got] == ["Integer placex"] and got[0].x0 == 72 and type(got[0].x0) is int
    nan = [Run("Not a number", float("nan"), 700.0, 10.0, False, 60.0, 0)]
    assert pdf._pdflines.lines(nan, 2, 1e9, pdf._C_LINES) is None
    assert pdf.build_lines([], 2) == [] and pdf._pdflines.lines([], 2, 1e9, pdf._C_LINES, True) == ([], 0)


def test_a_running_head_key_opens_with_what_its_text_opens_with():
    """mark_furniture makes a line's key (pdf._norm_furniture) only when the line opens with the
    first character of a common key: its own first character lower-cased, or "#" for a digit."""
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        for text in (c + "bc 12", " \t" + c):
            first = text.lstrip()[:1]
            want = ("#" if first.isdecimal() else first.lower()[:1]) if first else ""
            assert pdf._norm_furniture(text)[:1] == want, hex(cp)


def _rows_both(lines) -> tuple[set, set]:
    got = pdf._pdflines.table_rows(lines, 4, pdf.LABEL_START_RE.match, pdf.DOT_ITEM_RE.match)
    assert got is not None
    return got, pdf._table_rows(lines, 4)


@needs_c
@needs_shared
def test_the_same_table_rows_on_every_real_page():
    rows = 0
    for f in sorted((CORPUS_REAL / "pdf").rglob("*.pdf")):
        try:
            for no, _, h, bottom, runs in pdf._pages_pdfium(f.read_bytes(), f.name):
                lines = pdf.build_lines(runs, no, bottom + 0.55 * h)
                c, py = _rows_both(lines)
                assert c == py, (f.name, no)
                rows += len(c)
        except pdf.DocumentError:
            continue
    assert rows > 50  # the real PDFs have tables


@needs_c
def test_the_same_table_rows_from_made_up_lines():
    """Columns at whole points and halves (round() halves to even), a point apart, labels, lines
    of one run, cells on a line of their own; and an int position, which the C path leaves."""
    rng = random.Random(11)
    texts = ["Row text", "Cell", "x", "Row text", "(a) item", "iv. The item", "12. Para"]
    for case in range(3000):
        lines = []
        base = rng.sample([100.0, 130.5, 150.0, 181.5, 200.5, 230.0, 260.0], rng.randint(2, 5))
        for _ in range(rng.randint(0, 14)):
            x0 = rng.choice([72.0, 72.0, 72.5, 73.5, 100.0, 150.4, 129.5])
            if rng.random() < 0.6:  # a row of the table: most of its columns, a point or half off
                xs = [
                    x + rng.choice([0.0, 0.0, 0.5, 1.0, -1.0, 1.5, 2.0]) for x in base if rng.random() < 0.8
                ]
            else:
                xs = [rng.choice([92.0, 93.0, 100.5, 151.0, 300.0]) for _ in range(rng.randint(0, 5))]
            runs = [Run("w", x, 700.0, 10.0, False, 5.0, k) for k, x in enumerate([x0, *xs])]
            lines.append(pdf.Line(runs=runs, page=1, text=rng.choice(texts), x0=x0))
        c, py = _rows_both(lines)
        assert c == py, case
    ints = [pdf.Line(runs=[Run("a", 72, 700.0, 10.0, False, 5.0, 0)] * 2, page=1, text="a", x0=72)]
    assert pdf._pdflines.table_rows(ints, 4, pdf.LABEL_START_RE.match, pdf.DOT_ITEM_RE.match) == set()
    nan = [pdf.Line(runs=[Run("a", float("nan"), 700.0, 10.0, False, 5.0, 0)] * 2, page=1, text="a", x0=72.0)]
    assert pdf._pdflines.table_rows(nan, 4, pdf.LABEL_START_RE.match, pdf.DOT_ITEM_RE.match) is None
