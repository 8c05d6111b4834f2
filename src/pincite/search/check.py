"""`pincite check`: the citations and quotations of a draft, checked against the corpus.

The stages, in order (each a function of its own):

1. `read_draft`: the draft's paragraphs, read by the same readers and segmenter as any document
   (txt, md, docx, html, pdf), each with the line (text formats) or paragraph number where it starts;
2. `find_citations`: every citation in a paragraph: a document (a name or symbol of the corpus, or
   anything shaped like a UN symbol), then its parts and a pin (`annex II, para. 2`, `paras. 3–5`,
   `¶ 10(e)`, `footnote a`), or `ibid.` / `ibid., para. 5` after a citation; with the quotation that
   goes with it (“…”, "…", «…» in the same sentence, else just before);
3. `check_citation`: one status per citation: `ok`, `quote-differs` (with a similarity and `suggest`,
   the units that hold the quotation), `no-such-paragraph`, `no-such-document`, `ambiguous`;
4. with `find_sources`, quotations that no citation claims are looked up (`uncited`, with `suggest`).

A quotation is in a unit when it is, after normalising quotes, dashes, case, spaces and line-end
hyphens; an ellipsis (`…`, `...`, `[…]`) stands for omitted words, and a bracketed letter (`[t]he`) for
a changed case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from pincite.corpus.model import FOOTNOTE, HEADING, OK, Document, Unit
from pincite.corpus.store import Store
from pincite.errors import DocumentError, PinciteError
from pincite.search import citation

STATUSES = ("ok", "quote-differs", "no-such-paragraph", "no-such-document", "ambiguous", "uncited")
SIMILAR = 0.5  # below this, a unit is not proposed as where a misquotation comes from


class DraftError(PinciteError):
    """A draft that cannot be read: the check cannot start (exit 2, like a usage error)."""

    exit_code = 2


# ---- 1. the draft ------------------------------------------------------------------------------------
@dataclass
class DraftPara:
    text: str
    line: int  # the line it starts on (text formats), else its paragraph number in the draft
    where: str = "line"  # "line" or "paragraph"


def read_draft(path: Path) -> list[DraftPara]:
    """The paragraphs of a draft (footnotes included), through pincite's own readers and segmenter."""
    from pincite.ingest import readers
    from pincite.ingest.pipeline import format_of
    from pincite.ingest.segment import segment

    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DraftError(f"{name}: {e.strerror or e}") from e
    try:
        fmt = format_of(data, name)
        if fmt not in readers.READERS:
            raise DraftError(f"{name}: not a format pincite reads (txt, md, docx, html, pdf)")
        result = readers.read(data, fmt, name)
    except DocumentError as e:
        raise DraftError(str(e)) from e
    seg = segment(result, "draft", name)
    texts = [u.text for u in seg.units if u.text.strip()]
    if not texts:
        raise DraftError(f"{name}: no text found in the draft")
    if fmt in ("text", "markdown"):
        lines = readers.text_lines(data).split("\n")
        return [DraftPara(t, ln, "line") for t, ln in zip(texts, _line_numbers(texts, lines), strict=True)]
    return [DraftPara(t, i, "paragraph") for i, t in enumerate(texts, 1)]


def _squash(s: str) -> str:
    return re.sub(r"[^\w]+", "", s).casefold()


def _line_numbers(texts: list[str], lines: list[str]) -> list[int]:
    """The line each paragraph starts on: the first line at or after the last one found whose letters
    begin the paragraph's (markup and labels aside)."""
    keys = [_squash(ln) for ln in lines]
    out, at = [], 0
    for t in texts:
        head = _squash(t)[:24]
        found = None
        for i in range(at, len(lines)):
            if head and (head in keys[i] or (keys[i] and head.startswith(keys[i][-len(head) :]))):
                found = i
                break
            if head and keys[i] and len(keys[i]) >= 8 and head.startswith(keys[i][:24]):
                found = i
                break
        if found is None:
            out.append(out[-1] if out else 1)
            continue
        out.append(found + 1)
        at = found
    return out


# ---- 2. citations and quotations in text ------------------------------------------------------------
_REF = r"\[?\d+(?:\.\d+)*\]?(?:\s?\((?:[a-z]{1,3}|[ivxl]{1,6}|\d{1,2})\))*"
# the words a pin starts with: English, and the other UN languages' usual abbreviations (párr. 5,
# paragraphe 5, par. 5, nota a, пункт 5)
_PIN_WORD = (
    r"(?:paragraphs?|paras?\.?|¶¶?|footnotes?|notes?|nn?\.|headings?"
    r"|párrafos?|párrs?\.|parr\.|paragraphes?|par\.|notas?|пункты?|п\.)"
)
_PIN_RE = re.compile(
    rf"(?P<word>{_PIN_WORD})\s*(?P<refs>(?:{_REF}|[a-z*†‡]{{1,2}}(?![\w]))"
    rf"(?:\s*(?:[-–—]|,|and|&|to)\s*(?:{_REF}|[a-z*](?![\w])))*)",
    re.I,
)
# a part or qualifier between the document and the pin: "annex", "annex II", "resuelve", "sect. II"
_PART_RE = re.compile(r"[^\W\d][\w’'.-]*(?:\s+[\w’'.-]+){0,3}?(?=\s*,|\s+¶)")
_QUOTE_RE = re.compile(r"“([^“”]{2,}?)”|«\s?([^«»]{2,}?)\s?»|„([^„“”]{2,}?)[“”]|(?<![\w\"])\"([^\"]{2,}?)\"(?!\w)")
_IBID_RE = re.compile(r"(?<!\w)(?:ibid|ibídem|idem|id)\.?", re.I)
_SENT_END = re.compile(r"(?<=[.!?])[\"”»)]?\s+(?=[A-Z“\"«(])")


@dataclass
class Pin:
    kind: str  # paragraph, footnote, heading
    refs: list[str]


@dataclass
class Mention:
    """A citation as found in the draft, before it is checked."""

    written: str
    start: int
    end: int
    doc: str = ""  # the document as written ("" for ibid.)
    parts: list[str] = field(default_factory=list)
    pin: Pin | None = None
    ibid: bool = False
    quote: str = ""


@dataclass
class Quote:
    text: str
    start: int
    end: int
    used: bool = False


def parse_pin(text: str) -> Pin | None:
    """`para. 10 (e)` → Pin(paragraph, ["10 (e)"]); `paras. 3–5` → ["3", "4", "5"]; `footnote a`."""
    m = _PIN_RE.match(text.strip())
    if not m:
        return None
    word = m.group("word").lower()
    kind = (
        FOOTNOTE if word.startswith(("footnote", "note", "nota", "n.", "nn.")) else
        HEADING if word.startswith("heading") else "paragraph"
    )  # fmt: skip
    refs = _expand_refs(m.group("refs"))
    if kind != FOOTNOTE and not all(re.match(r"\[?\d", r) for r in refs):
        return None  # "par la": a paragraph is numbered, only notes are lettered
    return Pin(kind, refs)


def _norm_ref(ref: str) -> str:
    ref = re.sub(r"\s*\(", " (", ref.strip()).strip()
    return ref


def _expand_refs(refs: str) -> list[str]:
    out: list[str] = []
    tokens = re.split(r"\s*(,|and|&|[-–—]|to)\s*", refs.strip())
    i = 0
    while i < len(tokens):
        tok = tokens[i].strip()
        if tok and tok not in (",", "and", "&", "-", "–", "—", "to"):
            out.append(_norm_ref(tok))
        elif tok in ("-", "–", "—", "to") and out and i + 1 < len(tokens):
            a, b = out[-1], tokens[i + 1].strip()
            if a.isdigit() and b.isdigit() and 0 < int(b) - int(a) <= 50:
                out += [str(n) for n in range(int(a) + 1, int(b) + 1)]
                i += 2
                continue
        i += 1
    return out


class Finder:
    """Finds citations in text: documents the corpus knows by name, symbol or id, and symbols it
    does not know."""

    def __init__(self, store: Store) -> None:
        from pincite.ingest.metadata import SYMBOL_RE

        self.symbol_re = SYMBOL_RE
        names: dict[str, str] = {}
        for d in store.documents(status=OK):
            for n in (citation.doc_base(d), d.symbol, d.name, d.id):
                if n and len(n) >= 3:
                    names.setdefault(citation.normalise(n), n)
        alts = sorted(names.values(), key=len, reverse=True)
        self.names_re = (
            re.compile(r"(?<![\w/])(?:" + "|".join(re.escape(n) for n in alts) + r")(?![\w/])", re.I) if alts else None
        )

    def documents(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if self.names_re is not None:
            spans += [(m.start(), m.end()) for m in self.names_re.finditer(text)]
        for m in self.symbol_re.finditer(text):
            sym = m.group(1)
            if re.search(r"\d", sym):
                spans.append((m.start(1), m.start(1) + len(sym.rstrip("*"))))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        out: list[tuple[int, int]] = []
        for s in spans:
            if out and s[0] < out[-1][1]:
                continue
            out.append(s)
        return out

    def mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        for start, end in self.documents(text):
            m = Mention(written="", start=start, end=end, doc=text[start:end].rstrip("."))
            m.parts, m.pin, m.end = tail(text, end)
            if m.pin is None and not self.symbol_re.fullmatch(m.doc):
                continue  # a title or an id alone ("report", a country's name) is a word, not a citation
            m.written = text[m.start : m.end].rstrip(" ,")
            found.append(m)
        for ib in _IBID_RE.finditer(text):
            if any(f.start <= ib.start() < f.end for f in found):
                continue
            m = Mention(written="", start=ib.start(), end=ib.end(), ibid=True)
            m.parts, m.pin, m.end = tail(text, ib.end())
            m.end = max(m.end, ib.end())
            # "id." is a word too often ("id. est", an "id" column): only with a pin, or capitalised
            # ibid. (its own sentence or a footnote)
            word = ib.group(0).lower().rstrip(".")
            if word in ("id", "idem") and m.pin is None:
                continue
            m.written = text[m.start : m.end].rstrip(" ,")
            found.append(m)
        found.sort(key=lambda f: f.start)
        return found


def tail(text: str, pos: int) -> tuple[list[str], Pin | None, int]:
    """What follows a document's name: its parts, each after a comma, then a pin (after a comma or a
    space: `, annex, para. 10 (e)`, `, annex ¶ 10(e)`). No pin: no parts, and the citation ends at `pos`."""
    parts: list[str] = []
    p = pos
    for _ in range(4):
        sep = re.match(r"\s*,?\s*", text[p:])
        assert sep is not None
        q = p + sep.end()
        pin = _PIN_RE.match(text, q)
        parsed = parse_pin(pin.group(0)) if pin else None
        if pin and parsed and (p == pos or "," in sep.group(0) or text[q] == "¶"):
            return parts, parsed, pin.end()
        if "," not in sep.group(0):
            break
        part = _PART_RE.match(text, q)
        if not part:
            break
        parts.append(part.group(0).strip())
        p = part.end()
    return [], None, pos


def quotations(text: str) -> list[Quote]:
    out = []
    for m in _QUOTE_RE.finditer(text):
        g = next(i for i in range(1, 5) if m.group(i) is not None)
        out.append(Quote(m.group(g).strip(), m.start(), m.end()))
    return out


def sentences(text: str, quotes: list[Quote]) -> list[tuple[int, int]]:
    """Sentence spans, not split inside a quotation."""
    masked = list(text)
    for q in quotes:
        for i in range(q.start + 1, q.end - 1):
            masked[i] = "x"
    bounds = [0] + [m.end() for m in _SENT_END.finditer("".join(masked))] + [len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def attach_quotes(text: str, mentions: list[Mention], quotes: list[Quote]) -> None:
    """Give each citation its quotation: the nearest before it in its sentence, else the nearest after
    it in its sentence (not past the next citation), else the last of the sentence just before when
    that sentence cites nothing."""
    sents = sentences(text, quotes)

    def sent_of(pos: int) -> int:
        return next((i for i, (a, b) in enumerate(sents) if a <= pos < b), len(sents) - 1)

    cited_sents = {sent_of(m.start) for m in mentions}
    for k, m in enumerate(mentions):
        s = sent_of(m.start)
        nxt = mentions[k + 1].start if k + 1 < len(mentions) else len(text)
        prev_end = mentions[k - 1].end if k else 0
        same = [q for q in quotes if not q.used and sent_of(q.start) == s]
        before = [q for q in same if prev_end <= q.start and q.end <= m.start + 1]
        after = [q for q in same if q.start >= m.end and q.start < nxt]
        pick = before[-1] if before else after[0] if after else None
        if pick is None and s > 0 and (s - 1) not in cited_sents:
            prev = [q for q in quotes if not q.used and sent_of(q.start) == s - 1]
            pick = prev[-1] if prev else None
        if pick is not None:
            pick.used = True
            m.quote = pick.text


# ---- 3. checking -------------------------------------------------------------------------------------
def norm_text(s: str) -> str:
    """Quotation marks, dashes, case, spaces, soft and line-end hyphens normalised away."""
    s = unicodedata.normalize("NFKC", s).replace("\u00ad", "")
    s = re.sub(r"(\w)-\s+(\w)", r"\1\2", s)  # "evi- dence": a hyphen left by a line break
    s = s.replace("’", "'").replace("‘", "'").replace("`", "'")
    # quotation marks do not count (a quotation inside a quotation turns “…” into ‘…’), apostrophes do
    s = re.sub(r"[\"“”«»„‹›]|(?<!\w)'|'(?!\w)", "", s)
    s = re.sub(r"[‐‑‒–—―]", "-", s)
    return re.sub(r"\s+", " ", s).strip().casefold()


_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\s?\.\s?\.)\s*")


def quote_pieces(quote: str) -> list[str]:
    q = re.sub(r"\[(\w)\]", r"\1", quote)  # [t]he
    pieces = [norm_text(p).strip(" ,;:.\"'") for p in _ELLIPSIS.split(q)]
    return [p for p in pieces if p]


def holds(unit_text: str, quote: str) -> bool:
    """Is the quotation in the text, its pieces (between ellipses) in order?"""
    text = norm_text(unit_text)
    pos = 0
    for p in quote_pieces(quote):
        i = text.find(p, pos)
        if i < 0:
            return False
        pos = i + len(p)
    return True


def similarity(unit_text: str, quote: str) -> float:
    """How close the quotation comes to some stretch of the text (1.0: it is there)."""
    if holds(unit_text, quote):
        return 1.0
    q = " ".join(quote_pieces(quote))
    text = norm_text(unit_text)
    if not q or not text:
        return 0.0
    starts = [0] + [m.end() for m in re.finditer(r"\s", text)]
    best = 0.0
    n = len(q)
    for s in starts:
        window = text[s : s + n + n // 5]
        if not window:
            break
        sm = SequenceMatcher(None, q, window, autojunk=False)
        if sm.quick_ratio() <= best:
            continue
        best = max(best, sm.ratio())
    return round(best, 3)


@dataclass
class Finding:
    """One citation of the draft and what the corpus says of it."""

    cite: str
    line: int
    status: str
    quote: str = ""
    unit: dict | None = None
    units: list[dict] = field(default_factory=list)  # a range (paras. 3–5): each unit
    similarity: float | None = None
    suggest: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # ambiguous: the units it fits
    message: str = ""
    file: str = ""
    where: str = "line"
    resolved: str = ""  # the citation pincite prints for what was found ("" when nothing)

    def dump(self) -> dict:
        return {
            "file": self.file,
            "cite": self.cite,
            "line": self.line,
            "where": self.where,
            "status": self.status,
            "quote": self.quote,
            "resolved": self.resolved,
            "unit": self.unit,
            "units": self.units,
            "similarity": self.similarity,
            "suggest": self.suggest,
            "candidates": self.candidates,
            "message": self.message,
        }


class Checker:
    """Checks citations against one store. `lang` chooses among the language versions of a document;
    without it, the draft's own language when the document exists in it."""

    def __init__(self, store: Store, lang: str | None = None) -> None:
        self.store = store
        self.lang = lang
        self.finder = Finder(store)
        self.docs = store.documents(status=OK)
        self._units: dict[str, list[Unit]] = {}

    def units(self, doc_id: str) -> list[Unit]:
        if doc_id not in self._units:
            self._units[doc_id] = list(self.store.units(doc_id))
        return self._units[doc_id]

    def documents_named(self, name: str) -> list[Document]:
        key = citation.normalise(name).rstrip(".")
        out = []
        for d in self.docs:
            if any(key == citation.normalise(n) for n in (citation.doc_base(d), d.symbol, d.name, d.id) if n):
                out.append(d)
        return out

    def pick_versions(self, docs: list[Document], draft_lang: str) -> list[Document]:
        langs = {d.lang for d in docs}
        if len(langs) < 2:
            return docs
        for want in (self.lang, draft_lang):
            if want and want in langs:
                return [d for d in docs if d.lang == want]
        return docs

    # -- one citation --------------------------------------------------------------------------------
    def check(self, m: Mention, doc_name: str, parts: list[str], draft_lang: str) -> Finding:
        f = Finding(cite=m.written, line=0, status="ok", quote=m.quote)
        docs = self.documents_named(doc_name)
        if not docs:
            f.status = "no-such-document"
            f.message = f"no document {doc_name!r} in the corpus"
            if m.quote:
                f.suggest = self.sources(m.quote)
            return f
        docs = self.pick_versions(docs, draft_lang)
        if m.pin is None:  # the document alone
            if len(docs) > 1 and len({d.lang for d in docs}) == 1:
                f.status = "ambiguous"
                f.candidates = [f"{citation.doc_base(d)}  ({d.id})" for d in docs]
                return f
            return self._quote_in_document(f, docs, m.quote)
        per_ref: list[list[tuple[Document, Unit]]] = []
        for ref in m.pin.refs:
            per_ref.append(self.resolve_pin(docs, parts, m.pin.kind, ref))
        missing = [r for r, got in zip(m.pin.refs, per_ref, strict=True) if not got]
        if missing:
            f.status = "no-such-paragraph"
            where = ", ".join(parts + [f"{'footnote' if m.pin.kind == FOOTNOTE else 'para.'} {r}" for r in missing])
            f.message = f"{citation.doc_base(docs[0])} has no {where}"
            if m.quote:
                f.suggest = self.sources(m.quote, docs)
            return f
        per_ref = [self._one_version(got, m.quote) for got in per_ref]
        ambiguous = [got for got in per_ref if len(got) > 1]
        if ambiguous:
            got = ambiguous[0]
            if m.quote:  # the quotation may tell the candidates apart
                holding = [(d, u) for d, u in got if holds(u.text, m.quote)]
                if len(holding) == 1:
                    per_ref = [holding if g is got else g for g in per_ref]
                    ambiguous = []
            if ambiguous:
                f.status = "ambiguous"
                f.candidates = [self._label(d, u, len({x.lang for x, _ in got}) > 1) for d, u in got]
                f.message = f"the citation fits {len(got)} units"
                return f
        chosen = [got[0] for got in per_ref]
        records = [citation.unit_record(d, u) for d, u in chosen]
        f.unit = records[0]
        f.units = records if len(records) > 1 else []
        f.resolved = ", ".join(r["cite"] for r in records) if len(records) > 1 else records[0]["cite"]
        if m.quote:
            joined = " ".join(u.text for _, u in chosen)
            f.similarity = similarity(joined, m.quote)
            if f.similarity < 1.0:
                f.status = "quote-differs"
                f.suggest = [s for s in self.sources(m.quote) if s not in {r["cite"] for r in records}]
                if not f.suggest:
                    f.suggest = self.closest(m.quote, docs, exclude={u.uid for _, u in chosen}, above=f.similarity)
        return f

    @staticmethod
    def _one_version(got: list[tuple[Document, Unit]], quote: str) -> list[tuple[Document, Unit]]:
        """Units of one symbol in different languages are one paragraph, not an ambiguity: the version
        that holds the quotation (or comes closest to it), else the first."""
        if len(got) < 2 or len({d.symbol for d, _ in got}) != 1 or not got[0][0].symbol:
            return got
        if len({d.lang for d, _ in got}) != len(got):
            return got  # two documents of one symbol in one language (a draft and its final text)
        if quote:
            return [max(got, key=lambda du: similarity(du[1].text, quote))]
        return got[:1]

    def _label(self, d: Document, u: Unit, with_lang: bool) -> str:
        lang = f" [{d.lang}]" if with_lang and d.lang else ""
        return f"{citation.cite(d, u)}{lang}  ({u.uid})"

    def resolve_pin(self, docs: list[Document], parts: list[str], kind: str, ref: str) -> list[tuple[Document, Unit]]:
        """The units of these documents a part and a pin name: through `citation.resolve`, as `show`."""
        word = {FOOTNOTE: "footnote", HEADING: "heading"}.get(kind, "para.")
        out: list[tuple[Document, Unit]] = []
        by_id = {d.id: d for d in docs}
        for d in docs:
            text = ", ".join([citation.doc_base(d), *parts, f"{word} {ref}"])
            res = citation.resolve(self.store, text, lang=d.lang or None)
            out += [(by_id[u.doc], u) for u in res.units if u.doc in by_id and (by_id[u.doc], u) not in out]
        if not out and not parts:
            # a pin without its part ("para. 10 (e)" of a letter whose paragraphs are in its annex):
            # the unit it names in any part, when only one part has it
            for d in docs:
                hits = [u for u in self.units(d.id) if u.kind == kind and _ref_key(u.ref) == _ref_key(ref)
                        and u.numbered == (not ref.startswith("["))]  # fmt: skip
                parts_of = {u.part for u in hits}
                if len(parts_of) == 1:
                    out += [(d, u) for u in hits]
        return out

    def _quote_in_document(self, f: Finding, docs: list[Document], quote: str) -> Finding:
        f.resolved = citation.doc_base(docs[0])
        if not quote:
            return f
        ids = {d.id for d in docs}
        holding = [s for s in self.sources(quote) if any(s.startswith(citation.doc_base(d)) for d in docs)]
        if holding:
            f.similarity = 1.0
            f.suggest = holding
            return f
        best = 0.0
        for d in docs:
            for u in self.units(d.id):
                best = max(best, similarity(u.text, quote))
        f.status = "quote-differs"
        f.similarity = best
        f.suggest = self.closest(quote, [d for d in self.docs if d.id in ids], exclude=set())
        return f

    # -- where a quotation is -----------------------------------------------------------------------
    def sources(self, quote: str, docs: list[Document] | None = None) -> list[str]:
        """The citations of the units that hold the quotation (in `docs`, else anywhere)."""
        pieces = quote_pieces(quote)
        if not pieces:
            return []
        longest = max(pieces, key=len)
        # the quotation's words as a natural query (relaxed to most of them, the exact source first),
        # then each hit read for the quotation itself; words, not a phrase, as "cross-regional" is one
        # word to the index and two to a phrase query
        words = [w for w in re.findall(r"\w+(?:[-'’]\w+)*", longest) if not w.isdigit()][:16]
        if not words:
            return []
        from pincite.search.engine import search

        try:
            res = search(self.store, " ".join(words), limit=50, suggest=False)
        except PinciteError:
            return []
        allow = {d.id for d in docs} if docs else None
        out = []
        for h in res.hits:
            if allow is not None and h.unit.doc not in allow:
                continue
            if holds(h.unit.text, quote):
                out.append(h.cite)
        if not out and docs:  # not indexed? the units themselves
            for d in docs:
                out += [citation.cite(d, u) for u in self.units(d.id) if holds(u.text, quote)]
        return list(dict.fromkeys(out))

    def closest(self, quote: str, docs: list[Document], exclude: set[str], above: float = 0.0) -> list[str]:
        """The unit of these documents closest to a quotation no unit holds, if it comes close (and
        closer than `above`, the cited unit's similarity)."""
        best: tuple[float, str] = (above, "")
        for d in docs:
            for u in self.units(d.id):
                if u.uid in exclude or u.kind == HEADING:
                    continue
                s = similarity(u.text, quote)
                if s > best[0]:
                    best = (s, citation.cite(d, u))
        return [best[1]] if best[0] >= SIMILAR and best[1] else []


def _ref_key(ref: str) -> str:
    """`10 (e)`, `10(e)` and `[4]` compared without spaces or brackets."""
    return re.sub(r"[\s\[\]]+", "", citation.normalise(ref))


def _draft_language(paras: list[DraftPara]) -> str:
    from pincite.ingest.lang import document_language

    try:
        return document_language([p.text for p in paras]) or ""
    except Exception:  # noqa: BLE001 - a language model that cannot load leaves the choice open
        return ""


def check_file(store: Store, path: Path, *, lang: str | None = None, find_sources: bool = False,
               checker: Checker | None = None) -> list[Finding]:  # fmt: skip
    """Every citation of a draft, checked; with `find_sources`, its uncited quotations looked up."""
    paras = read_draft(path)
    checker = checker or Checker(store, lang)
    draft_lang = lang or _draft_language(paras)
    out: list[Finding] = []
    last: tuple[str, list[str], Mention] | None = None  # the document, parts and pin of the last citation
    for para in paras:
        mentions = checker.finder.mentions(para.text)
        quotes = quotations(para.text)
        attach_quotes(para.text, mentions, quotes)
        for m in mentions:
            if m.ibid:
                if last is None:
                    f = Finding(cite=m.written, line=0, status="no-such-document", quote=m.quote,
                                message="ibid. with no citation before it")  # fmt: skip
                else:
                    doc_name, parts, prev = last
                    if m.pin is None:  # the same document and pin
                        m.pin, use_parts = prev.pin, parts
                    else:
                        use_parts = m.parts or (parts if m.pin and not m.parts else [])
                    f = checker.check(m, doc_name, use_parts, draft_lang)
                    if m.pin is not None and not m.parts and parts and f.status == "no-such-paragraph":
                        f = checker.check(m, doc_name, [], draft_lang)  # ibid. of the document, not its part
                    f.cite = m.written
                    last = (doc_name, use_parts, m)
            else:
                f = checker.check(m, m.doc, m.parts, draft_lang)
                last = (m.doc, m.parts, m)
            f.line, f.where, f.file = para.line, para.where, str(path)
            out.append(f)
        if find_sources:
            for q in quotes:
                if q.used or len(re.findall(r"\w+", q.text)) < 4:
                    continue  # a word or two in quotes is a term, not a quotation
                out.append(Finding(cite="", line=para.line, where=para.where, file=str(path), status="uncited",
                                   quote=q.text, suggest=checker.sources(q.text)))  # fmt: skip
    return out


def check_files(store: Store, paths: list[Path], *, lang: str | None = None, find_sources: bool = False) -> list[Finding]:
    checker = Checker(store, lang)
    out: list[Finding] = []
    for p in paths:
        out += check_file(store, p, lang=lang, find_sources=find_sources, checker=checker)
    return out


def all_ok(findings: list[Finding]) -> bool:
    return all(f.status in ("ok", "uncited") for f in findings)
