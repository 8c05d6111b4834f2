"""PDF, read as positioned text runs rather than plain text.

Plain text extraction glues superscript note calls to the word before them (`submissions1`),
keeps running heads, page numbers and job numbers inline, and cannot tell a note at the page foot
from the body. So this reader asks an engine for every run with its position and size, builds a
page model of lines, and decides from the geometry. Two engines give the same runs: PDFium
(pypdfium2, readers/pdfium.py: text objects with their glyph boxes and text rise; the default,
about ten times faster) and pypdf (`extract_text(visitor_text=…)`). `--pdf-engine` or
PINCITE_PDF_ENGINE chooses.

- lines in the top or bottom band of a page that repeat across pages, or that look like page
  numbers, job numbers or the document symbol, are running heads and feet (role FURNITURE);
- the first page's masthead lines are emitted one per block, so the segmenter reads the symbol,
  the date and the distribution from them;
- small raised runs are note calls (`Block.calls`), and the run of small-type lines at the foot of
  a page, each opened by a label, are note bodies (`Block.note`), continued on the next page when
  the next page's foot starts without a label;
- lines are grouped into blocks by vertical gaps, indentation and a label at the left, and the
  first block of a page is emitted with brk=PAGE so the segmenter can join a paragraph split by
  the page break;
- dot-leader lines are a table of contents (role TOC), and a table (rows whose runs start at
  shared column positions) is one block rather than one heading per row.

Typewriter-era UN documents have no type sizes to go by: there the notes sit under a rule typed as
underscores, calls are written " 1/", and a paragraph's first-line indent tells a new paragraph
from one running on over the page.

What is not about geometry (label parsing, masthead patterns, parts, hyphen joins) is left to the
segmenter, which serves every format.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from pincite.corpus.model import NEEDS_OCR, NEEDS_PASSWORD
from pincite.errors import DocumentError
from pincite.ingest import metadata as md
from pincite.ingest.blocks import FURNITURE, HARD, MASTHEAD, PAGE, PARA, TOC, Block, ReadResult
from pincite.ingest.readers import ENGINES, default_engine
from pincite.ingest.rules import furniture as furniture_rules
from pincite.ingest.rules import labels

try:  # build_lines in C (setup.py builds it where a compiler is found)
    from pincite.ingest.readers import _pdflines
except ImportError:  # pragma: no cover - the same lines from the Python functions
    _pdflines = None

log = logging.getLogger(__name__)

# Fewer characters than this per page on average (and in all) is no text layer: a scan.
MIN_TEXT_CHARS_PER_PAGE = 10
MIN_TEXT_CHARS = 200

# Running heads and feet.
BAND = 0.12  # fraction of the page height at the top and at the bottom
FURNITURE_PATTERNS = [p for _, p in furniture_rules.FURNITURE]  # the shared rules (ingest.rules.furniture)
SYMBOL_HEAD_RE = furniture_rules.SYMBOL_HEAD_RE

TOC_HEAD_RE = re.compile(
    r"^(?:paragraphs?|paragraphes|párrafos|parágrafos)\s+(?:page|pages|página|páginas)$", re.I
)
DECORATION_RE = re.compile(r"^\s*(?:[*∗]\s*){3,}$|^\s*[-–—_=~•·]{3,}\s*$")
RESOLUTION_TITLE_RE = re.compile(r"^\d{1,3}/\d{1,4}(?: [A-Z])?\.\s+\w")  # "48/246. Financing of …"
LABEL_ONLY_RE = labels.ONLY_RE  # the shared grammar of labels (ingest.rules.labels)
DOT_ITEM_RE = labels.DOT_ITEM_RE
DOT_LEADER_RE = re.compile(r"(?:\.\s?){4,}|…{2,}|(?:_\s?){6,}")


def _dot_leader(text: str) -> bool:
    """DOT_LEADER_RE.search, asked only of a text with the dots, ellipses or underscores it needs
    (the search is slow, and most lines have none)."""
    return (text.count(".") >= 4 or "……" in text or text.count("_") >= 6) and bool(DOT_LEADER_RE.search(text))


CALL_TEXT_RE = re.compile(r"^\s*(\d{1,3}|[a-z]|\*{1,3}|∗{1,3}|†|‡)\s*$")
NOTE_LABEL_RE = re.compile(r"^(\d{1,3}/|\d{1,3}\.?|\*{1,3})(?=\s|$)")  # letters only when raised
ORDINALS = {"st", "nd", "rd", "th", "er", "re", "e", "ème", "o", "a", "os", "as", "º", "ª"}
PUA_RE = re.compile("[\ue000-\uf8ff]")  # barcode fonts, symbol glyphs without Unicode
RULE_RE = re.compile(r"^\s*[_\-–—]{5,}\s*$")
OLD_CALL_RE = re.compile(r"(?<=\S) (\d{1,2})/(?=[\s.,;:)]|$)")
BOLD_FONT_RE = re.compile(r"bold|black|heavy|,B\b|-B\b", re.I)
ITALIC_FONT_RE = re.compile(r"italic|oblique|,I\b|-I\b", re.I)
DIGITS_RE = re.compile(r"\d+")
SPACES_RE = re.compile(r"\s+")
LETTERS_RE = re.compile(r"[A-Za-z]+")
TOC_PAGE_RE = re.compile(r"\d\s*$|\b[ivx]+\s*$")  # a contents line's page number
ITEM_END_RE = re.compile(r"[.;]$|; (?:and|or|y|o|et|ou|e)$")
SECTION_LABEL_RE = re.compile(r"^[IVXLC]+\.\s|^[A-Z]\.\s")  # "IV. ", "B. "


@dataclass
class Run:
    text: str
    x: float
    y: float  # baseline, from the bottom of the page
    size: float
    bold: bool
    width: float
    seq: int = 0  # order in the content stream: the engine spaced runs that follow each other
    italic: bool = False
    rise: float = 0.0  # baseline above its line's (set when lines are built): a raised call's is > 0


@dataclass
class Line:
    runs: list[Run]
    page: int
    text: str = ""
    calls: list[tuple[int, str]] = field(default_factory=list)
    x0: float = 0.0
    x1: float = 0.0
    y: float = 0.0
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    lead: str = ""  # a raised label opening the line (a note body's number)
    role: str = ""
    note: str = ""  # set on the first line of a note body

    @property
    def emph(self) -> bool:
        """Set apart from the body type: bold or italic throughout."""
        return self.bold or self.italic


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf warns about every odd font or xref it repairs; the reader's own errors say what matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# ---- opening ---------------------------------------------------------------------------------------
def _open(data: bytes, name: str):
    # imported here: with PDFium, the default engine, an ingest never loads pypdf (~0.1 s)
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, WrongPasswordError

    if not data:
        raise DocumentError(name, "empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError(name, "not a PDF (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (NotImplementedError, DependencyError) as e:
                # e.g. AES without the `cryptography` package: no password would help
                raise DocumentError(name, f"encrypted with a method pincite cannot open: {e}") from e
            if not ok:
                raise DocumentError(
                    name,
                    "encrypted: the PDF needs a password to open (the empty password does not work)",
                    status=NEEDS_PASSWORD,
                )
        n = len(reader.pages)
    except DocumentError:
        raise
    except (FileNotDecryptedError, WrongPasswordError) as e:
        raise DocumentError(
            name, f"encrypted: the PDF needs a password to open ({e})", status=NEEDS_PASSWORD
        ) from e
    except MemoryError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        raise DocumentError(name, f"damaged or truncated PDF: {type(e).__name__}: {e}") from e
    except RecursionError as e:
        raise DocumentError(name, "damaged PDF: its object structure is nested without end") from e
    except Exception as e:  # pypdf raises many kinds on broken files; each is a damaged file
        raise DocumentError(name, f"damaged PDF: {type(e).__name__}: {e}") from e
    if n == 0:
        raise DocumentError(name, "damaged or truncated PDF: no pages")
    return reader


# ---- runs and lines --------------------------------------------------------------------------------
def _mult(m: list[float], n: list[float]) -> list[float]:
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


# An average glyph is about half an em wide. pypdf's own font metrics were no closer on this
# corpus (subset and CID fonts), so widths are estimated; they only decide wide gaps (masthead
# columns) and the spacing of runs drawn out of order.
EM_PER_CHAR = 0.5


def page_runs(page, orientations: tuple[int, ...] = (0,)) -> list[Run]:
    """The page's text runs with position and size. Upright text only by default: rotated text is
    a margin note, a stamp or a vertical label; the caller asks again for a page that has no other."""
    runs: list[Run] = []
    seen: set[tuple[str, int, int]] = set()

    pending = [False]  # pypdf flushed a word space on its own: the next run starts a word

    def visit(text, cm, tm, font, size) -> None:
        if not text:
            return
        if not text.strip():
            pending[0] = True
            return
        if pending[0] and not text[:1].isspace():
            text = " " + text
        pending[0] = False
        m = _mult(tm, cm)
        scale = math.hypot(m[2], m[3]) or 1.0
        eff = (size or 0) * scale
        if eff <= 0.5:
            return
        t = PUA_RE.sub("", text.replace("\n", " "))
        if not t.strip():
            return
        key = (t.strip(), round(m[4]), round(m[5]))
        if key in seen:  # text printed twice to look bold
            return
        seen.add(key)
        name = str(font.get("/BaseFont", "")) if font is not None else ""
        bold = bool(BOLD_FONT_RE.search(name))
        italic = bool(ITALIC_FONT_RE.search(name))
        xscale = math.hypot(m[0], m[1]) or scale
        w = EM_PER_CHAR * (size or 0) * xscale * len(t)
        runs.append(Run(t, m[4], m[5], eff, bold, w, len(runs), italic))

    page.extract_text(visitor_text=visit, orientations=orientations)
    return _split_merged_calls(runs)


MERGED_CALL_RE = re.compile(r"^(\s*)(\d{1,3})(\s+\S.{3,})$")


def _split_merged_calls(runs: list[Run]) -> list[Run]:
    """pypdf sometimes keeps the rest of a line in the run of the superscript call before it, at the
    call's size and height (`Garimpo` + `9 Pupunha, región…` in 6.5 pt): give the rest back its
    line's size and baseline, so the call is a call and the line keeps its type size."""
    out: list[Run] = []
    for r in runs:
        prev = out[-1] if out else None
        if (
            prev is not None
            and r.size < 0.85 * prev.size
            and 0.1 * prev.size < r.y - prev.y < 0.7 * prev.size
            and (m := MERGED_CALL_RE.match(r.text))
        ):
            call_w = 0.5 * r.size * len(m.group(2))
            out.append(Run(m.group(1) + m.group(2), r.x, r.y, r.size, r.bold, call_w))
            rest = m.group(3)
            out.append(Run(rest, r.x + call_w, prev.y, prev.size, prev.bold, 0.4 * prev.size * len(rest)))
        else:
            out.append(r)
    for i, r in enumerate(out):
        r.seq = i
    return out


def build_lines(runs: list[Run], page_no: int, masthead_y: float = 1e9) -> list[Line]:
    """Runs → lines: runs whose baselines are close share a line; a raised small run is a call.
    The C module `_pdflines` makes them where it was built (the same lines: tests/test_pdf_lines.py),
    this module's Python functions where not, or for runs it does not read (a coordinate that is
    not a float, a NaN)."""
    return _lines_and_chars(runs, page_no, masthead_y)[0]


def _lines_and_chars(runs: list[Run], page_no: int, masthead_y: float) -> tuple[list[Line], int]:
    """build_lines' lines, and the characters of the runs' stripped texts (the text-layer test),
    which the C module counts as it reads the runs."""
    if _pdflines is not None:
        got = _pdflines.lines(runs, page_no, masthead_y, _C_LINES, True)
        if got is not None:
            return got
    return _build_lines(runs, page_no, masthead_y), sum(len(r.text.strip()) for r in runs)


def _build_lines(runs: list[Run], page_no: int, masthead_y: float = 1e9) -> list[Line]:
    if not runs:
        return []
    order = sorted(runs, key=lambda r: (-r.y, r.x))
    groups: list[list[Run]] = []
    mains: list[Run] = []  # each group's main run: its largest type, then its longest text
    for r in order:
        placed = False
        for k in range(len(groups) - 1, max(-1, len(groups) - 4), -1):  # the last three groups
            main = mains[k]
            big, small = (main.size, r.size) if main.size >= r.size else (r.size, main.size)
            # text in much larger type beside it (a title beside a masthead column) does not widen
            # the tolerance: the two share a line only when their baselines meet
            tol = 0.45 * (big if big <= 1.5 * small else small)
            if (
                abs(main.y - r.y) <= tol
                or (r.size < 0.85 * main.size and 0 < r.y - main.y <= 0.7 * main.size)  # r is raised
                or (main.size < 0.85 * r.size and 0 < main.y - r.y <= 0.7 * r.size)  # the group is
            ):
                groups[k].append(r)
                # the first of the largest stays the main run, as max() over the group would keep it
                if r.size > main.size or (r.size == main.size and len(r.text) > len(main.text)):
                    mains[k] = r
                placed = True
                break
        if not placed:
            groups.append([r])
            mains.append(r)
    lines: list[Line] = []
    masthead = page_no == 1
    for g in groups:
        g.sort(key=_x_of)
        # split on wide horizontal gaps: two columns or a caption beside a title
        segs: list[list[Run]] = [[g[0]]]
        for r in g[1:]:
            prev = segs[-1][-1]
            # widths are estimates: trust a wide gap only where pypdf did not read the runs as
            # one flow, or in a first page's masthead, which is set in columns
            if (
                (r.seq != prev.seq + 1 or (masthead and r.y > masthead_y))
                and r.x - (prev.x + prev.width) > 4.0 * (prev.size if prev.size >= r.size else r.size)
                and not (len(segs[-1]) == 1 and LABEL_ONLY_RE.match(prev.text))  # "[3]" then its text
                and not _dot_leader(prev.text)
            ):
                segs.append([r])
            else:
                segs[-1].append(r)
        for seg in segs:
            lines.append(_make_line(seg, page_no))
    lines.sort(key=lambda ln: (-round(ln.y, 0), ln.x0))
    # a note call set on a line of its own, just above or beside the end of a line: "*"
    out: list[Line] = []
    for ln in lines:
        # (ln.text is stripped: CALL_TEXT_RE matches it only when it is three characters or fewer)
        if (
            out
            and len(ln.text) <= 3
            and CALL_TEXT_RE.match(ln.text)
            and not ln.text.strip().isdigit()
            and ln.size < out[-1].size
        ):
            if abs(out[-1].y - ln.y) < 1.2 * out[-1].size:
                out[-1].calls.append((len(out[-1].text), ln.text.strip()))
                continue
        out.append(ln)
    return out


def _x_of(r: Run) -> float:
    return r.x


RAISED_MARKS = ("*", "**", "∗", "†")
ORDINAL_AFTER_RE = re.compile(r"(?:\d|\b[IVXLC]+)\.?$")  # what an ordinal follows: 21st, XVIIIe
CALL_AND_TEXT_RE = re.compile(r"^\s*(\d{1,3})(\s+\S.{3,})$")
BLANKS_RE = re.compile(r"[ \t]+")


def _make_line(seg: list[Run], page_no: int) -> Line:
    # each run's stripped text, made once (the passes below ask for it four times)
    stripped_of = [r.text.strip() for r in seg]
    # the line's type size: the size most of its characters are set in (the first, on a tie)
    chars: dict[float, int] = {}
    for r, st in zip(seg, stripped_of, strict=True):
        k = round(r.size, 1)
        chars[k] = chars.get(k, 0) + len(st)
    main_size = max(chars.items(), key=_count_of)[0]
    # its baseline: the median of its runs' in that size; its widest run in that size, the anchor
    ys: list[float] = []
    anchor = seg[0]
    best = (-1, -1)
    for r, st in zip(seg, stripped_of, strict=True):
        body = abs(r.size - main_size) < 0.6
        if body:
            ys.append(r.y)
        key = (body, len(st))
        if key > best:
            anchor, best = r, key
    base = _median(ys) if ys else seg[0].y
    text = ""
    has_text = False  # text.strip() is not empty: the text has more than spaces
    calls: list[tuple[int, str]] = []
    lead = ""
    prev: Run | None = None
    words: list[int] = []  # the runs that are text, not calls: they decide the line's weight
    small_size, raise_by = 0.85 * main_size, 0.12 * main_size
    for i, r in enumerate(seg):
        t = r.text
        ts = stripped_of[i]
        rise = r.rise = r.y - base
        raised = r.size < small_size and (rise > raise_by or ts in RAISED_MARKS)
        # (CALL_TEXT_RE matches only a text of three characters or fewer once stripped)
        if not raised and r is not anchor and has_text and len(ts) <= 3 and CALL_TEXT_RE.match(t):
            # a call set in body type and raised by a text rise (Ts) or a moved baseline only:
            # "processes,ᵃ regional bodiesᵇ" (a quarter of an em above the line's widest run)
            raised = r.y - anchor.y > 0.25 * main_size
        if raised:
            got = _raised_run(text, t, ts, has_text)
            if got is not None:
                kind, text, v = got
                if kind == LEAD:
                    lead = v
                    continue
                if kind == CALL:
                    calls.append(v)
                else:
                    has_text = True
                prev = r
                continue
        if prev is not None and text and not text.endswith(" ") and not t.startswith(" "):
            # pypdf spaced the runs it read one after the other; runs brought together by
            # position (drawn out of order) get a space when they do not touch
            if r.seq != prev.seq + 1 and r.x - (prev.x + prev.width) > 0.1 * r.size:
                text += " "
        text += t
        if ts:
            has_text = True
        words.append(i)
        prev = r
    # calls sit before trailing spaces we strip; offsets are in the stripped text
    stripped = text.strip()
    if calls:
        shift = len(text) - len(text.lstrip())
        calls = [(max(0, min(len(stripped), o - shift)), lab) for o, lab in calls]
    elif "  " in stripped or "\t" in stripped:
        stripped = BLANKS_RE.sub(" ", stripped)
    bold_chars = italic_chars = all_chars = 0
    for i in words or range(len(seg)):
        r = seg[i]
        n = len(stripped_of[i])
        all_chars += n
        if r.bold:
            bold_chars += n
        if r.italic:
            italic_chars += n
    all_chars = all_chars or 1
    x1 = max(r.x + r.width for r in seg)
    return Line(
        runs=seg,
        page=page_no,
        text=stripped,
        calls=calls,
        x0=seg[0].x,
        x1=x1,
        y=base,
        size=main_size,
        bold=bold_chars / all_chars >= 0.9,  # a line with a few bold words is not a heading
        italic=italic_chars / all_chars >= 0.9,
        lead=lead,
    )


ORDINAL, CALL, LEAD = 0, 1, 2  # what a raised run is (_raised_run)


def _raised_run(text: str, t: str, ts: str, has_text: bool) -> tuple[int, str, object] | None:
    """What a raised small run `t` (`ts` stripped) is to the line's text so far, `text`: (ORDINAL,
    the text with it, None), (CALL, the text without it, (offset, label)) or (LEAD, `text`, label);
    None when it is text after all. (_make_line's and the C build_lines' rule.)"""
    if ts.lower() in ORDINALS and ORDINAL_AFTER_RE.search(text):
        # 21st, 3.º, 1er, XVIIIe: the space after the ordinal stays (PDFium keeps it in the run)
        return ORDINAL, text.rstrip() + ts + (" " if t[-1:].isspace() else ""), None
    m = CALL_AND_TEXT_RE.match(t) if has_text else None
    if m:  # pypdf kept the text after a superscript call in the call's run
        kept = text.rstrip()
        return CALL, kept + m.group(2), (len(kept), m.group(1))
    if len(ts) <= 3 and CALL_TEXT_RE.match(t):
        label = ts.replace("∗", "*")
        if not has_text:
            return LEAD, text, label  # a note body's label, raised at the start of the line
        kept = text.rstrip()
        return CALL, kept + (" " if t.endswith(" ") else ""), (len(kept), label)
    return None


def _collapse_blanks(text: str) -> str:
    return BLANKS_RE.sub(" ", text)


# what the C build_lines asks of Python: the class it makes, how, the rounding of a type size, the
# patterns it does not match itself
_C_LINES = (Line, object.__new__, round, LABEL_ONLY_RE.match, _dot_leader, _raised_run, _collapse_blanks)


def _count_of(item: tuple[float, int]) -> int:
    return item[1]


def _median(xs: list[float]) -> float:
    """statistics.median, without its generality: the middle value, or the mean of the two."""
    n = len(xs)
    if n == 1:
        return xs[0]
    xs = sorted(xs)
    i = n // 2
    return xs[i] if n % 2 else (xs[i - 1] + xs[i]) / 2


# ---- the document ----------------------------------------------------------------------------------
@dataclass
class PageModel:
    no: int
    width: float
    height: float
    bottom: float
    lines: list[Line]


def _norm_furniture(text: str) -> str:
    # " ".join(split()) is SPACES_RE.sub(" ", …) of the stripped text: str.isspace is re's \s
    return DIGITS_RE.sub("#", " ".join(text.lower().split()))


def mark_furniture(pages: list[PageModel]) -> None:
    """Running heads and feet: in a band at the top or bottom, repeated across pages or shaped like one."""
    keys: dict[int, str] = {}  # each line's key, made once (the text does not change here)

    def key_of(ln: Line) -> str:
        k = keys.get(id(ln))
        if k is None:
            k = keys[id(ln)] = _norm_furniture(ln.text)
        return k

    seen: Counter = Counter()
    band: list[list[Line]] = []  # each page's lines in its bands
    for pg in pages:
        lines = [ln for ln in pg.lines if _in_band(ln, pg)]
        band.append(lines)
        for key in {key_of(ln) for ln in lines}:
            seen[key] += 1
    many = len(pages) >= 3
    for lines in band:
        for ln in lines:
            if ln.lead:
                continue  # a line opened by a raised label is a note's first line ("34 A/HRC/53/26.")
            t = ln.text.strip()
            if any(p.match(t) for p in FURNITURE_PATTERNS) or SYMBOL_HEAD_RE.match(t):
                ln.role = FURNITURE
            elif many and seen[key_of(ln)] >= max(2, len(pages) // 3) and len(t) < 120:
                ln.role = FURNITURE
    # a running head seen in the bands of many pages is one wherever a page sets it (a cover page
    # placed lower, a landscape page)
    heads = Counter(key_of(ln) for pg in pages for ln in pg.lines if ln.role == FURNITURE)
    common = {k for k, n in heads.items() if n >= 3 and len(k) >= 8}
    if not common:
        return
    # a key opens with its text's first character, lower-cased, or "#" for a digit (re's \d): the
    # key of a line that opens with no common key's first character is not made
    firsts = {k[0] for k in common}
    for pg in pages:
        for ln in pg.lines:
            if ln.role or ln.lead:
                continue
            c = ln.text.lstrip()[:1]
            if (
                c
                and ("#" if c.isdecimal() else c.lower()[:1]) in firsts
                and _norm_furniture(ln.text) in common
            ):
                ln.role = FURNITURE


def _in_band(ln: Line, pg: PageModel) -> bool:
    top = pg.bottom + pg.height
    return ln.y > top - BAND * pg.height - 4 or ln.y < pg.bottom + BAND * pg.height


def body_size(pages: list[PageModel]) -> float:
    c: Counter = Counter()
    for pg in pages:
        for ln in pg.lines:
            if not ln.role:
                c[round(ln.size, 1)] += len(ln.text)
    return c.most_common(1)[0][0] if c else 10.0


def line_pitch(pages: list[PageModel], size: float) -> dict[float, float]:
    """The usual distance between two lines of one paragraph, per type size: a larger gap ends a
    paragraph. Documents set body text, quotations and lists at their own sizes and spacings."""
    gaps: dict[float, Counter] = {}
    for pg in pages:
        prev = None
        for ln in pg.lines:
            if ln.role == FURNITURE:
                prev = None
                continue
            if prev is not None and abs(prev.size - ln.size) < 0.3:
                g = prev.y - ln.y
                if 0.8 * ln.size < g < 2.5 * ln.size:
                    c = gaps.get(key := round(ln.size))
                    if c is None:  # (setdefault would make a Counter for every line)
                        c = gaps[key] = Counter()
                    c[round(g * 2) / 2] += 1
            prev = ln
    out = {k: c.most_common(1)[0][0] for k, c in gaps.items() if sum(c.values()) >= 3}
    out.setdefault(round(size), 1.2 * size)
    return out


# ---- notes -----------------------------------------------------------------------------------------
def mark_notes(pages: list[PageModel], size: float) -> set[str]:
    """Footnotes: small-type lines at the page foot (or under a typed rule), each note opened by a
    label. Returns the labels written in the old "1/" style, whose calls are inline too."""
    slash_labels: set[str] = set()
    called: Counter = Counter()  # note calls met in the body so far, less the notes that took them
    last = 0  # the last note number
    raised_x: float | None = None  # where raised note labels stand
    carry = False  # the previous page's foot ended inside a note
    for pg in pages:
        body = [ln for ln in pg.lines if ln.role != FURNITURE]
        zone: list[Line] = []
        rule = next((i for i in range(len(body) - 1, -1, -1) if RULE_RE.match(body[i].text)), None)
        if rule is not None and body[rule].y < pg.bottom + 0.6 * pg.height:
            # typed documents draw the separator as a line of underscores: notes are below it
            body[rule].role = FURNITURE
            zone = [ln for ln in body[rule + 1 :] if not ln.role]
        else:
            for ln in reversed(body):
                # a line opened by a raised label is a note's first line, whatever its type size
                if (ln.size <= 0.9 * size or ln.lead) and not ln.role:
                    zone.append(ln)
                else:
                    break
            zone.reverse()
        in_zone = {id(ln) for ln in zone}
        for ln in pg.lines:
            if ln.calls and id(ln) not in in_zone:
                called.update(c for _, c in ln.calls)
        if not zone:
            carry = False
            continue
        # A raised label opens a note. A number in plain type opens one if the body called that
        # note and no note took the call yet, or if it is the next number and stands where the
        # raised labels stand: otherwise it is a numbered list quoted inside a note.
        labels: list[tuple[str, int]] = []
        for ln in zone:
            lab, n = _note_label(ln)
            if lab and n and lab.isdigit() and not ln.text[:n].rstrip().endswith("/"):
                in_line = raised_x is None or abs(ln.x0 - raised_x) <= 3
                if called[lab] <= 0 and not (int(lab) == last + 1 and in_line):
                    lab, n = "", 0
            elif lab and not n and lab.isdigit():
                raised_x = ln.x0
            if lab:
                called[lab] -= 1
                last = int(lab) if lab.isdigit() else last
            labels.append((lab, n))
        # a note zone must open with a label (or continue one from the page before)
        first_label = next((i for i, (lab, _) in enumerate(labels) if lab), None)
        if first_label is None and not carry:
            continue
        if first_label is not None and first_label > 0 and not carry:
            zone, labels = zone[first_label:], labels[first_label:]
        for ln, (lab, n) in zip(zone, labels, strict=True):
            ln.role = "note"
            if lab:
                ln.note = lab
                if n:
                    slash = ln.text[:n].rstrip().endswith("/")
                    rest = ln.text[n:]
                    cut = n + len(rest) - len(rest.lstrip())
                    ln.text = rest.lstrip()
                    ln.calls = [(max(0, o - cut), c) for o, c in ln.calls]
                    if slash:
                        slash_labels.add(lab)
        carry = True
    return slash_labels


def _note_label(ln: Line) -> tuple[str, int]:
    """The label opening a note body, and how many characters of the text it takes (0 when raised)."""
    if ln.lead:
        return ln.lead, 0
    m = NOTE_LABEL_RE.match(ln.text)
    if m and len(ln.text) > len(m.group(1)) + 1:
        return m.group(1).rstrip("/."), m.end()
    return "", 0


def old_calls(ln: Line, labels: set[str]) -> None:
    """Typed documents call notes inline as " 1/": make those calls when a note "1/" exists."""
    if not labels or "/" not in ln.text:
        return
    out, calls, last, removed = [], [], 0, 0
    for m in OLD_CALL_RE.finditer(ln.text):
        if m.group(1) not in labels:
            continue
        out.append(ln.text[last : m.start()])
        removed += m.end() - m.start()
        calls.append((m.start() - (removed - (m.end() - m.start())), m.group(1), m.start(), m.end()))
        last = m.end()
    if not calls:
        return
    out.append(ln.text[last:])

    def shift(o: int) -> int:
        return o - sum(e - s for _, _, s, e in calls if e <= o)

    new_calls = [(shift(o), c) for o, c in ln.calls] + [(o, lab) for o, lab, _, _ in calls]
    ln.text = "".join(out)
    ln.calls = sorted(new_calls)


GLUED_CALL_RE = re.compile(r"(?<=[^\W\d_])([.,;:”\"»)]?)(\d{1,3})(?=[\s.,;:)”\"]|$)")


def glued_calls(pages: list[PageModel]) -> None:
    """Calls that pypdf read into the word before them ("edad1.", "Yanomami6 de").

    Some PDFs raise a call by moving the text matrix, not by changing the font, and pypdf then keeps
    the call in the run of the text around it. When notes exist whose calls were not found, digits
    glued to a word are taken as a call if they are the next note number in reading order (or one
    of the two after it, when a call was missed): note calls run 1, 2, 3 through a document, codes
    such as "JS2" do not follow that sequence.
    """
    notes = {ln.note for pg in pages for ln in pg.lines if ln.note.isdigit()}
    found = {c for pg in pages for ln in pg.lines if not ln.role for _, c in ln.calls}
    if not notes - found:
        return
    last = 0
    for pg in pages:
        for ln in pg.lines:
            if ln.role:
                continue
            events = [(o, "call", c) for o, c in ln.calls] + [
                (m.start(2), "glued", m) for m in GLUED_CALL_RE.finditer(ln.text)
            ]
            cut: list[re.Match] = []
            for _, kind, v in sorted(events, key=lambda e: e[0]):
                if kind == "call":
                    last = int(v) if v.isdigit() else last
                elif last < int(v.group(2)) <= last + 3 and v.group(2) in notes and v.group(2) not in found:
                    cut.append(v)  # the next number, or one a little further if a call was missed
                    last = int(v.group(2))
            if cut:
                _cut_calls(ln, cut)


def _cut_calls(ln: Line, matches: list[re.Match]) -> None:
    """Remove the digits of `matches` from the line's text and record them as calls."""
    text, calls, removed = ln.text, list(ln.calls), 0
    for m in sorted(matches, key=lambda m: m.start(2)):
        a, b = m.start(2) - removed, m.end(2) - removed
        text = text[:a] + text[b:]
        calls = [(o - (b - a) if o >= b else o, c) for o, c in calls]
        # a call after closing punctuation ("edad.1") sits after it; before a full stop it is "edad1."
        calls.append((a, m.group(2)))
        removed += b - a
    ln.text = text
    ln.calls = sorted(calls)


@dataclass
class Layout:
    """What the whole document says about its body text."""

    size: float  # the body's type size
    pitch: dict[float, float]  # line spacing per type size
    full_len: int  # characters in a line that runs to the full measure (80th percentile)


# ---- lines → blocks --------------------------------------------------------------------------------
LABEL_START_RE = labels.START_RE


def blocks_of_page(pg: PageModel, lay: Layout, first_page: bool, blocks: list[Block], state: dict) -> None:
    """One page's lines → blocks, appended to `blocks`. `state` carries the open note from page to
    page, so that a note's continuation on the next page's foot is added to it."""
    top = pg.bottom + 0.55 * pg.height
    # On the first page a "running head" in the masthead zone is the masthead's symbol: the
    # segmenter reads it.
    body = [ln for ln in pg.lines if ln.role != FURNITURE or (first_page and ln.y > top)]
    # kept as blocks (after the page's text) so the segmenter lists what it dropped
    furniture = [
        Block(text=ln.text, brk=HARD, page=pg.no, role=FURNITURE, size=ln.size, x=ln.x0)
        for ln in pg.lines
        if ln.role == FURNITURE and not (first_page and ln.y > top)  # not in `body`
    ]
    started = False
    cur: Block | None = None
    prev: Line | None = None
    size = lay.size
    xs = Counter(round(ln.x0) for ln in body if not ln.role and abs(ln.size - size) < 0.6)
    if xs:
        top = max(xs.values())  # (xs.most_common(1)'s count, once, not once per position)
        margin = min((x for x, n in xs.items() if n >= max(2, 0.2 * top)), default=0)
    else:
        margin = 0

    table = table_rows([ln for ln in body if not ln.role])

    adopted: Block | None = None  # the previous page's last block, already in `blocks`

    def close() -> None:
        nonlocal cur
        if cur is not None and cur is not adopted:
            if cur.heading and "\n" in cur.text and _sentence_item(cur.text):
                # a numbered bold line was a heading by its first line ("12. Protection, … of"); the
                # whole block ends a sentence ("… Trafficking."): a section's title, as its siblings
                cur.heading = 0
            blocks.append(cur)
        cur = None

    def new(ln: Line, brk: str, **kw) -> Block:
        nonlocal started
        if not started:
            # a page's first line runs on from the page before unless it is indented like the
            # first line of a paragraph (then the segmenter need not guess)
            indented = margin and ln.x0 > margin + 8 and not kw.get("note") and not kw.get("role")
            tail = state.get("tail")
            runs_on = tail is not None and abs(tail[1].x0 - ln.x0) <= 2 and not _closed(tail[0].text)
            if indented and runs_on:
                # a sub-item's continuation: indented as the wrapped lines of "(c) …" on the page
                # before, whose sentence is still open (running heads and feet are already out)
                indented = False
            if runs_on and LABEL_START_RE.match(tail[0].text):
                # where (c)'s label stands, and its form: (d) is its sibling
                kw.setdefault("meta", {})["label_x"] = (tail[0].x, _shape(tail[0].text))
            brk = HARD if not blocks else PARA if indented else PAGE
            started = True
        return Block(
            text=ln.text,
            brk=brk,
            page=pg.no,
            calls=tuple(ln.calls),
            size=ln.size,
            x=ln.x0,
            y=pg.bottom + pg.height - ln.y,  # baseline, from the top of the page
            indent=round(ln.x0 - margin, 1) if margin else 0.0,  # from the page's text margin
            **kw,
        )

    for ln in body:
        if not ln.text.strip():
            continue
        if ln.role in (MASTHEAD, FURNITURE):
            close()
            blocks.append(new(ln, HARD, role=MASTHEAD))
            prev = ln
            continue
        if TOC_HEAD_RE.match(ln.text) or (_dot_leader(ln.text) and TOC_PAGE_RE.search(ln.text)):
            # an entry may run over two lines, the leaders on the second: the first is TOC too
            if (
                cur is not None
                and not cur.role
                and not cur.note
                and prev is not None
                and prev.y - ln.y < 2 * ln.size
            ):
                cur.role = TOC
            close()
            blocks.append(new(ln, HARD, role=TOC))
            prev = ln
            continue
        if DECORATION_RE.match(ln.text):
            close()
            prev = ln
            continue
        if ln.role == "note":
            if ln.note:
                close()
                cur = new(ln, HARD, note=ln.note)
                state["last_note"] = cur
            else:
                target = cur if cur is not None and cur.note else state.get("last_note")
                if target is not None and target is not cur:
                    close()
                    _append(target, ln)
                    cur = None
                elif target is not None:
                    _append(target, ln)
                else:
                    close()
                    cur = new(ln, PARA)
            prev = ln
            continue
        if cur is not None and cur.note:
            close()
        if id(ln) in table:
            # a table is one unit, its rows one line each: row by row they would pass for headings
            if cur is None or not cur.meta.get("table"):
                close()
                cur = new(ln, HARD)
                cur.meta["table"] = True
            else:
                _append(cur, ln)
            prev = ln
            continue
        if cur is not None and cur.meta.get("table"):
            close()
        tail = state.get("tail")
        if cur is None and not started and tail is not None and _enumeration_runs_on(tail[1], ln, lay):
            # "…; (iii) …, e" at the foot of one page, "(iv) o Estado adotasse …" atop the next: the
            # sentence goes on (a block opening with a label would be taken for a new item)
            started = True
            cur = adopted = tail[0]
            _append(cur, ln)
            state["tail"] = (cur, ln)
            prev = ln
            continue
        if cur is None or prev is None or _breaks(prev, ln, lay, cur):
            close()
            heading = _heading_level(ln, size, lay.full_len)
            cur = new(ln, PARA, heading=heading)
            cur.meta["emph"] = ln.emph
        else:
            if cur.heading and ln.emph != prev.emph:
                cur.heading = 0  # a run-in heading followed by its text: a paragraph
            cur.meta["emph"] = cur.meta.get("emph", False) and ln.emph
            _append(cur, ln)
        state["tail"] = (cur, ln)
        prev = ln
    close()
    blocks.extend(furniture)


def _shape(text: str) -> str:
    """The form of the label a text opens with: "(c)" and "(d)" are "(a)", "11." is "9.", "(iii)" is "(a)"."""
    m = LABEL_START_RE.match(text)
    return LETTERS_RE.sub("a", DIGITS_RE.sub("9", m.group(0).strip())) if m else ""


def _closed(text: str) -> bool:
    """Does a block's text end a sentence (or a list item: "…;", "…: ")?"""
    return text.rstrip()[-1:] in '.;:!?…"”’)»'


def _enumeration_runs_on(last: Line, first: Line, lay: Layout) -> bool:
    """Does a page that opens with "(iv) o Estado …" continue the last line of the page before?
    Only when that line ran to the full measure without ending a sentence: a list item ending
    "…; and" is a short line."""
    lab = LABEL_START_RE.match(first.text)
    if not lab or not first.text[lab.end() :].lstrip()[:1].islower():
        return False
    return len(last.text) >= 0.9 * lay.full_len and last.text.rstrip()[-1:] not in ".;:!?"


def table_rows(lines: list[Line], window: int = 4) -> set[int]:
    """Lines of a table: their runs start at the same inner x positions (columns) as the runs of
    at least two lines around them, most of them shared, three rows or more together. Prose lines
    split into runs at arbitrary places (a justified line may be set word by word); table rows
    split at the columns. A line that opens with a list label is an item, not a row. (The C
    module `_pdflines` decides where it was built: the same rows, tests/test_pdf_lines.py.)"""
    if _pdflines is not None:
        got = _pdflines.table_rows(lines, window, LABEL_START_RE.match, DOT_ITEM_RE.match)
        if got is not None:
            return got
    return _table_rows(lines, window)


def _table_rows(lines: list[Line], window: int = 4) -> set[int]:
    def columns(ln: Line) -> set[int]:
        if len(ln.runs) == 1:  # its one run starts at x0
            return set()
        cols = {round(r.x) for r in ln.runs if r.x > ln.x0 + 20}
        if cols and (LABEL_START_RE.match(ln.text) or DOT_ITEM_RE.match(ln.text)):
            return set()
        return cols

    cols = [columns(ln) for ln in lines]
    # each line's columns widened by a point either side, made once: the columns of a within a
    # point of one of b's are a & wide(b), one set operation
    wide: dict[int, set[int]] = {}

    def wide_of(j: int) -> set[int]:
        w = wide.get(j)
        if w is None:
            c = cols[j]
            w = wide[j] = c | {x - 1 for x in c} | {x + 1 for x in c}
        return w

    n = len(lines)
    rows: set[int] = set()
    for i in range(n):
        ci = cols[i]
        if len(ci) < 2:
            continue
        alike = 0
        for j in range(max(0, i - window), min(n, i + window + 1)):
            cj = cols[j]
            if j == i or not cj:
                continue
            if len(ci & wide_of(j)) >= max(2, 0.6 * min(len(ci), len(cj))):
                alike += 1
                if alike >= 2:
                    rows.add(i)
                    break
    # a cell that runs onto a line of its own ("(to be confirmed)") starts at a column
    for i, ln in enumerate(lines):
        if i not in rows and any(j in rows and round(ln.x0) in wide_of(j) for j in (i - 1, i + 1)):
            rows.add(i)
    # three rows at least, one after the other
    keep: set[int] = set()
    group: list[int] = []
    for i in sorted(rows) + [-2]:
        if group and i != group[-1] + 1:
            if len(group) >= 3:
                keep.update(group)
            group = []
        group.append(i)
    return {id(lines[i]) for i in keep}


def _append(b: Block, ln: Line) -> None:
    off = len(b.text) + 1
    # A line that opens with a label but was judged a wrap ("señalaron: (i) falta de …") is joined
    # here: left as a line of its own, the segmenter would take the label for a list item.
    sep = " " if LABEL_START_RE.match(ln.text) and not b.note else "\n"
    b.text = b.text + sep + ln.text
    if ln.calls:
        b.calls = b.calls + tuple((off + o, lab) for o, lab in ln.calls)


def _breaks(prev: Line, ln: Line, lay: Layout, cur: Block | None = None) -> bool:
    """Does `ln` start a new block after `prev`, the last line of the block `cur`? What `cur`'s
    text opens with is asked only where a rule needs it (most lines are decided before)."""
    size, pitch = lay.size, lay.pitch
    gap = prev.y - ln.y
    if LABEL_ONLY_RE.match(prev.text) and 0 <= gap < 2.5 * ln.size:
        return False  # a paragraph number set on a line of its own, then the paragraph
    lead = pitch.get(round(ln.size)) or pitch[round(size)] * ln.size / size
    if gap < 0 or gap > 1.3 * lead + 0.5:  # a blank line, or a jump back up (a new column or box)
        return True
    if abs(prev.size - ln.size) > 1.0:
        return True
    if prev.emph != ln.emph:
        # a change of weight is a heading's edge when there is space around it, the line before
        # ended a sentence, or the block so far is all bold; otherwise it is emphasis in a sentence
        spaced = gap > 1.15 * lead + 0.5 or prev.text.rstrip()[-1:] in ".;!?"
        # a numbered paragraph may open with a bold run-in heading: its text follows in roman
        if spaced or (prev.emph and cur is not None and _bold_block(cur)):
            return True
    if DOT_ITEM_RE.match(ln.text) and (
        # where the block's own item label stands
        (cur is not None and abs(ln.x0 - cur.x) <= 2 and DOT_ITEM_RE.match(cur.text))
        or abs(ln.x0 - prev.x0) > 2
        or prev.text.rstrip()[-1:] in ".;:"
    ):
        # "iv. The right …", "a. Do not …": an item when it stands apart ("Mornah v. Benin" wraps)
        return True
    lab = LABEL_START_RE.match(ln.text)
    if lab:
        # "(3) del Código" wrapped mid-sentence is not an item; "(a) the first item;" after "as follows:" is
        after = ln.text[lab.end() :].lstrip()[:1]
        if not after or not after.islower():
            return True
        # "… señalaron: (i) falta de …" wrapped so that "(i)" opens a line: the line before ran
        # to the full measure, so this is the same sentence, not a list
        if prev.text.rstrip()[-1:] in ".;:!?" and len(prev.text) < 0.9 * lay.full_len:
            return True
        # "(b) …; " then "(c) ensure …" where (b)'s label stands: the next item of the same list
        label_x = _label_x(cur) if cur is not None else None
        if (
            label_x is not None
            and abs(ln.x0 - label_x[0]) <= 2
            and _shape(ln.text) == label_x[1]
            and ITEM_END_RE.search(prev.text.rstrip())
        ):
            return True
    # a first-line indent opens a paragraph after a short line that ended a sentence
    if ln.x0 > prev.x0 + 8 and prev.text.rstrip()[-1:] in ".:;" and not LABEL_START_RE.match(prev.text):
        return True
    return False


def _bold_block(cur: Block) -> bool:
    """Is the block so far set in bold (or italics) throughout, not opened by a list label?"""
    return cur.meta.get("emph", False) and not LABEL_START_RE.match(cur.text)


def _label_x(cur: Block) -> tuple[float, str] | None:
    """Where the label of the item the block is (or continues) stands, and its form."""
    return (cur.x, _shape(cur.text)) if LABEL_START_RE.match(cur.text) else cur.meta.get("label_x")


def _sentence_item(text: str) -> bool:
    """A block opened by an item label (not a section's "I." or "B.") that ends like a sentence."""
    t = text.strip()
    return bool(LABEL_START_RE.match(t)) and t[-1:] in ".,;" and not SECTION_LABEL_RE.match(t)


def _heading_level(ln: Line, size: float, full_len: int = 80) -> int:
    t = ln.text.strip()
    if ln.page == 1 and RESOLUTION_TITLE_RE.match(t):
        return 1  # a resolution's number and title, typed in body type: "48/246. Financing of …"
    if len(t) > 160 or t[-1:] in ".,;" and not re.match(r"^[IVXLC]+\.\s|^[A-Z]\.\s", t):
        return 0
    if ln.size >= size * 1.25:
        return 1
    if ln.bold and (not LABEL_START_RE.match(t) or (len(t) < 100 and t[-1:] not in ".;:")):
        return 2
    if (
        ln.italic
        and len(t) < min(100, 0.75 * full_len)
        and t[-1:] not in ".;:,"
        and (t[:1].isupper() or LABEL_START_RE.match(t))
    ):
        return 3  # "a) Évolution de la société italienne", set in italics on a short line
    return 0


# ---- the masthead ----------------------------------------------------------------------------------
LANGUAGE_NAMES = set(
    "english french spanish russian arabic chinese français anglais espagnol russe arabe chinois "
    "español inglés francés ruso árabe chino português inglês francês espanhol "
    "английский французский испанский русский арабский китайский".split()
)
SESSION_RE = re.compile(
    r"^[\w-]+(?: [\w-]+){0,2} (?:session|período de sesiones)$|^(?:agenda )?items? \d+[\w ,()]*$|^point \d+ de l.ordre du jour.*$"
    r"|^tema \d+ del programa.*$|^(?:Quarante|Cinquante|Soixante)[\w-]* session$",
    re.I,
)
ORGAN_RE = re.compile(
    r"^(united nations|nations unies|naciones unidas|organizaci[óo]n de las naciones unidas|"
    r"организация объединенных наций|генеральная ассамблея|совет безопасности|"
    r"general assembly|security council|economic and social council|trusteeship council|"
    r"assembl[ée]e g[ée]n[ée]rale|asamblea general|conseil de s[ée]curit[ée]|consejo de seguridad|"
    r"conseil [ée]conomique et social|consejo econ[óo]mico y social)$"
)
# Words a masthead line is made of when it is broken up ("UNITED" / "NATIONS", "Distr." / "GENERAL").
MASTHEAD_WORDS = set(
    "united nations unies naciones unidas a s e general generale générale limited limitée limitada "
    "restricted reservada distr".split()
)


ORG_SYMBOL_RE = re.compile(
    r"^(united nations|nations unies|naciones unidas|организация объединенных наций)\s+(\S+/\S+)$", re.I
)


def mark_masthead(pg: PageModel, size: float) -> None:
    """The first page's masthead: organ, symbol, distribution, date, languages, job number.

    The masthead is set in columns, so a line may hold two pieces ("General Assembly" and
    "Distr.: General" side by side): such a line is split where its runs meet when every piece is
    a masthead piece. Each piece becomes its own line with role MASTHEAD, which the segmenter reads
    (symbol, date) and keeps out of the paragraphs.
    """
    limit = pg.bottom + 0.55 * pg.height
    out: list[Line] = []
    done = False
    for ln in pg.lines:
        if done or ln.y < limit or ln.role:
            out.append(ln)
            continue
        t = ln.text.strip()
        if len(t) > 80 or LABEL_START_RE.match(t):
            done = True
            out.append(ln)
            continue
        # typed mastheads overprint words to make them bold: "UNITEDUNITED"
        ln.text = re.sub(r"\b([A-ZÀ-Ý]+)\1\b", r"\1", t)
        pieces = _masthead_pieces(ln, size)
        if pieces:
            if (
                out
                and out[-1].role == MASTHEAD
                and len(pieces) == 1
                and pieces[0].text.startswith("/")
                and "/" in out[-1].text
            ):
                out[-1].text += pieces[0].text  # "A/HRC/WG.6/7/ITA" + "/1", set apart
                continue
            out.extend(pieces)
        else:
            out.append(ln)
    pg.lines = out


def _masthead_pieces(ln: Line, size: float) -> list[Line]:
    def piece(text: str, runs: list[Run]) -> Line:
        return Line(
            runs=runs,
            page=ln.page,
            text=text.strip(),
            x0=runs[0].x,
            x1=ln.x1,
            y=ln.y,
            size=ln.size,
            bold=ln.bold,
            role=MASTHEAD,
        )

    m = ORG_SYMBOL_RE.match(ln.text)
    if m:
        return [piece(m.group(1), ln.runs), piece(m.group(2), ln.runs)]
    if _masthead_line(ln, size) or re.fullmatch(r"/[\w.\-/]+", ln.text):
        return [piece(ln.text, ln.runs)]
    for i in range(1, len(ln.runs)):
        a = " ".join(r.text.strip() for r in ln.runs[:i])
        b = " ".join(r.text.strip() for r in ln.runs[i:])
        la, lb = piece(a, ln.runs[:i]), piece(b, ln.runs[i:])
        if _masthead_line(la, size) and _masthead_line(lb, size):
            return [la, lb]
    return []


def _masthead_line(ln: Line, size: float) -> bool:
    """A line of a UN masthead: organ, symbol, distribution, date, original language, job number."""
    t = ln.text.strip()
    if len(t) > 60:
        return False
    if md.is_symbol_line(t) or md.is_date_line(t) or SESSION_RE.match(t):
        return True
    if any(p.match(t) for p in FURNITURE_PATTERNS):
        return True
    low = t.lower()
    if low in LANGUAGE_NAMES or re.match(r"^(distr\b|original\s*:)", low):
        return True
    if ORGAN_RE.match(low):
        return True
    words = re.findall(r"[^\W\d_]+", low)
    return bool(words) and len(words) <= 3 and all(w in MASTHEAD_WORDS for w in words)


# ---- read ------------------------------------------------------------------------------------------
# Two engines read a page into runs: PDFium (pypdfium2) and pypdf. Everything from the runs on is
# shared, so the segmenter cannot tell which engine read the page.
# The engines, and the one used when none is asked for, are the readers' (readers/__init__.py).


def read(
    data: bytes, name: str = "", content_type: str = "", *, engine: str = "", ocr: bool = False
) -> ReadResult:
    """`ocr`: read a document without a text layer, or whose text layer is someone else's OCR
    (invisible text over page images), with Tesseract (readers/ocr.py)."""
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise DocumentError(name, f"unknown PDF engine {engine!r} (choose {' or '.join(ENGINES)})")
    try:
        if engine == "pypdf":
            with _quiet_pypdf():
                result = _read(_pages_pypdf(data, name), name)
        else:
            result = _read(_pages_pdfium(data, name), name)
    except DocumentError as e:
        if ocr and e.status == NEEDS_OCR:
            return _read_ocr(data, name)
        raise
    if ocr and _ocr_layer(data):
        return _read_ocr(data, name)
    return result


NEEDS_OCR_HINT = (
    "no text layer: the PDF needs OCR (read it with `pincite ingest --ocr`, which uses Tesseract)"
)


def _ocr_layer(data: bytes) -> bool:
    """Is the text layer an OCR made before (text drawn invisible over page images)? Such layers
    are often poor ("rrwenty-sixth session"); with OCR on, pincite reads the images again."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pr

    doc = pdfium.PdfDocument(data)
    try:
        invisible = visible = images = 0
        for i in range(min(3, len(doc))):
            for obj in doc[i].get_objects(max_depth=3):
                if obj.type == pr.FPDF_PAGEOBJ_IMAGE:
                    images += 1
                elif obj.type == pr.FPDF_PAGEOBJ_TEXT:
                    if pr.FPDFTextObj_GetTextRenderMode(obj) == pr.FPDF_TEXTRENDERMODE_INVISIBLE:
                        invisible += 1
                    else:
                        visible += 1
        return images > 0 and invisible > 0 and invisible >= 9 * visible
    finally:
        doc.close()


def _read_ocr(data: bytes, name: str) -> ReadResult:
    from pincite.ingest.readers import ocr

    if not ocr.tesseract():
        raise DocumentError(name, "no text layer, and " + ocr.missing_message(), status=NEEDS_OCR)
    installed = ocr.installed_languages()
    langs: list[str] = []

    def pages() -> Iterator[PageRuns]:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(data)
        try:
            for i in range(len(doc)):
                page = doc[i]
                image, w, h = ocr.render(page)
                if not langs:
                    langs.extend(ocr.script_languages(image, name, installed))
                yield i + 1, w, h, 0.0, ocr.page_runs(image, langs, w, h, 0.0, name)
                page.close()
        finally:
            doc.close()

    try:
        result = _read(pages(), name)
    except DocumentError as e:
        if e.status == NEEDS_OCR:
            raise DocumentError(name, "OCR found no text on the pages", status=NEEDS_OCR) from e
        raise
    result.meta["ocr"] = "+".join(langs)
    return result


PageRuns = tuple[int, float, float, float, list[Run]]  # number, width, height, bottom, runs


def _pages_pypdf(data: bytes, name: str) -> Iterator[PageRuns]:
    reader = _open(data, name)
    for i, page in enumerate(reader.pages, start=1):
        try:
            box = page.mediabox
            w, h, bottom = float(box.width), float(box.height), float(box.bottom)
            runs = page_runs(page)
            if not runs:  # a landscape table set sideways: rotated text is better than none
                runs = page_runs(page, (0, 90, 180, 270))
        except DocumentError:
            raise
        except RecursionError as e:
            raise DocumentError(name, f"page {i}: structure too deeply nested") from e
        except Exception as e:  # one bad page is recorded, the rest is read
            log.warning("%s: page %d unreadable: %s", name, i, e)
            runs, w, h, bottom = [], 612.0, 792.0, 0.0
        yield i, w, h, bottom, runs


def _pages_pdfium(data: bytes, name: str) -> Iterator[PageRuns]:
    from pincite.ingest.readers import pdfium

    with pdfium.Document(data, name) as doc:
        for i in range(1, doc.pages + 1):
            page = None
            try:
                page = doc.page(i - 1)
                w, h, bottom = page.width, page.height, page.bottom
                runs = _split_merged_calls(page.runs())
                if not runs:  # a landscape table set sideways: rotated text is better than none
                    runs = _split_merged_calls(page.runs((0, 90, 180, 270)))
            except Exception as e:  # one bad page is recorded, the rest is read
                log.warning("%s: page %d unreadable: %s", name, i, e)
                runs, w, h, bottom = [], 612.0, 792.0, 0.0
            finally:
                if page is not None:
                    page.close()
            yield i, w, h, bottom, runs


def _read(page_runs_: Iterator[PageRuns], name: str) -> ReadResult:
    """Pages → lines (one pass through the engine), then whole-document passes: running heads need
    every page, the body's type size and line pitch need every line, and notes need the body's size."""
    pages: list[PageModel] = []
    chars = 0
    for i, w, h, bottom, runs in page_runs_:
        lines, n = _lines_and_chars(runs, i, bottom + 0.55 * h)
        chars += n
        pages.append(PageModel(i, w, h, bottom, lines))
    if chars < min(MIN_TEXT_CHARS, MIN_TEXT_CHARS_PER_PAGE * len(pages)):
        raise DocumentError(name, NEEDS_OCR_HINT, status=NEEDS_OCR)
    mark_furniture(pages)
    size = body_size(pages)
    slash = mark_notes(pages, size)
    for pg in pages:
        for ln in pg.lines:
            if not ln.role:
                old_calls(ln, slash)
    glued_calls(pages)
    lengths = sorted(
        len(ln.text) for pg in pages for ln in pg.lines if not ln.role and abs(ln.size - size) < 0.6
    )
    full_len = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 80
    lay = Layout(size, line_pitch(pages, size), full_len)
    blocks: list[Block] = []
    state: dict = {}
    if pages:
        mark_masthead(pages[0], size)
    for pg in pages:
        blocks_of_page(pg, lay, pg.no == 1, blocks, state)
    meta: dict = {"pages": len(pages)}
    title = _title(blocks, size)
    if title:
        meta["title_hint"] = title  # the segmenter's title rules decide (`rules/titles.py`)
    return ReadResult(blocks=blocks, meta=meta)


def _title(blocks: list[Block], size: float) -> str:
    """The first page's most prominent heading: larger type than the body, or bold."""
    cands = [
        b
        for b in blocks
        if b.page == 1
        and b.heading
        and not b.role
        and not b.note
        and not re.match(r"^[IVXLC]+\.\s|^[A-Z]\.\s", b.text)
    ]
    if not cands:
        return ""
    resolution = [b for b in cands if RESOLUTION_TITLE_RE.match(b.text)]
    if resolution:
        return re.sub(r"\s+", " ", resolution[0].text).strip()
    best = max(cands, key=lambda b: (round(b.size), b.meta.get("emph", False)))
    if best.size < size * 1.1 and not best.meta.get("emph"):
        return ""
    return re.sub(r"\s+", " ", best.text).strip()
