"""Word (.docx) files: paragraphs in body order, headings, printed list numbers, footnotes.

Many meeting minutes and reports are Word files. What Word prints is not all in the text:

- **List numbers** live in `numbering.xml`, not in the paragraph: a paragraph says "list 5, level 1"
  (`w:numPr`), the list's abstract definition says level 1 counts in lower letters from 1 and prints
  "(%2)". Word keeps one counter per abstract list and level; a deeper level restarts when a higher level
  advances (unless `w:lvlRestart` says otherwise), and a list instance with `w:startOverride` restarts.
  `Numbering` replays that, so a paragraph gets the label the reader of the printed page sees ("3.",
  "(a)", "(i)"), passed on as `Block.label` for the segmenter to nest ("3 (a) (i)").
- **Footnotes** live in `footnotes.xml`; the body has only `w:footnoteReference` runs. Word numbers the
  notes in the order they are referenced, so the call label is that rank (or the custom mark that
  follows a `customMarkFollows` reference). Calls leave the text (`Block.calls`); the note texts follow
  the body as note blocks. Endnotes are read the same way (lower roman, as Word prints them).
- **Headings** come from the paragraph style (Title, Heading 1..9, or a style based on one, or an outline
  level), not from the look of the text. A numbered heading keeps its number in its text ("I. Scope").
- **Tables** are read in body order, cell by cell; a row whose first cell holds only a paragraph number
  is one numbered paragraph laid out with a table. Cells are marked `CELL` (never headings by looks).
  Table-of-contents paragraphs (styles "toc N") are `TOC` furniture; hidden runs are not text.
- Superscript runs of digits that are not references (notes typed by hand) are calls too; a paragraph
  that opens with one is the body of that note.

The file is opened with python-docx (whose package reader resolves the parts); the XML is walked with
lxml directly because python-docx hides numbering, footnotes and the body order of tables.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import docx  # python-docx (absolute import: this module is pincite.ingest.readers.docx)
from lxml import etree

from pincite.errors import DocumentError
from pincite.ingest.blocks import CELL, HARD, TOC, Block, ReadResult
from pincite.ingest.readers.counters import as_label, format_number, label_only
from pincite.ingest.rules import labels

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OTHER_OOXML = [("xl/", ": an Excel workbook"), ("ppt/", ": a PowerPoint presentation")]
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a larger DOCX is a decompression bomb, not minutes


def to_int(value: str | None, default: int = 0) -> int:
    """An integer attribute, or `default` when Word (or a generator) wrote something else."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def q(tag: str) -> str:
    """Clark name of a w: tag."""
    return f"{{{W}}}{tag}"


def wval(el, tag: str, attr: str = "val") -> str | None:
    """The w:val (or another attribute) of the child `w:tag` of `el`, or None."""
    if el is None:
        return None
    child = el.find(q(tag))
    if child is None:
        return None
    return child.get(q(attr))


# ---- numbering -----------------------------------------------------------------------------------------
@dataclass
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart: restart after this (1-based) level; 0 = never
    legal: bool = False  # w:isLgl: all levels shown in decimal


@dataclass
class Numbering:
    """The numbering definitions and the counters Word keeps while it lays the document out."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId → {ilvl: start}
    level_overrides: dict[str, dict[int, Level]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # abstractNumId → {ilvl: value}
    started: set[tuple[str, int]] = field(default_factory=set)  # (numId, ilvl) whose override was applied

    @classmethod
    def parse(cls, xml: bytes | None, style_numbering: dict[str, str] | None = None) -> Numbering:
        n = cls()
        if not xml:
            return n
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, huge_tree=False))
        links: dict[str, str] = {}  # abstractNumId → style name its numbering lives in (numStyleLink)
        for an in root.findall(q("abstractNum")):
            aid = an.get(q("abstractNumId")) or ""
            n.abstract[aid] = {to_int(lvl.get(q("ilvl"))): _level(lvl) for lvl in an.findall(q("lvl"))}
            link = wval(an, "numStyleLink")
            if link:
                links[aid] = link
        for num in root.findall(q("num")):
            nid = num.get(q("numId")) or ""
            n.nums[nid] = wval(num, "abstractNumId") or ""
            for ov in num.findall(q("lvlOverride")):
                ilvl = to_int(ov.get(q("ilvl")))
                so = wval(ov, "startOverride")
                if so is not None and so.lstrip("-").isdigit():
                    n.overrides.setdefault(nid, {})[ilvl] = to_int(so)
                lvl = ov.find(q("lvl"))
                if lvl is not None:
                    n.level_overrides.setdefault(nid, {})[ilvl] = _level(lvl)
        # numStyleLink: the abstract list is only a pointer to the list a numbering style defines
        for aid, style in links.items():
            target_num = (style_numbering or {}).get(style)
            target = n.nums.get(target_num or "")
            if target and target != aid and target in n.abstract and not n.abstract[aid]:
                n.abstract[aid] = n.abstract[target]
        return n

    def level(self, num_id: str, ilvl: int) -> Level | None:
        if num_id in self.level_overrides and ilvl in self.level_overrides[num_id]:
            return self.level_overrides[num_id][ilvl]
        aid = self.nums.get(num_id)
        if aid is None:
            return None
        return self.abstract.get(aid, {}).get(ilvl)

    def advance(self, num_id: str, ilvl: int) -> tuple[str, bool] | None:
        """Count one paragraph of list `num_id` at level `ilvl`: (printed label, is a bullet)."""
        lvl = self.level(num_id, ilvl)
        if lvl is None:
            return None
        aid = self.nums.get(num_id, f"num:{num_id}")  # a list defined only by level overrides counts alone
        counters = self.counters.setdefault(aid, {})
        override = self.overrides.get(num_id, {}).get(ilvl)
        if override is not None and (num_id, ilvl) not in self.started:
            self.started.add((num_id, ilvl))
            counters[ilvl] = override
        elif ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = lvl.start
        # deeper levels restart when this one advances (unless their w:lvlRestart says otherwise)
        for deeper in [k for k in counters if k > ilvl]:
            dl = self.level(num_id, deeper)
            # w:lvlRestart N (1-based): restart when level N or a higher one is used; 0: never restart
            if dl is None or dl.restart is None or (dl.restart != 0 and ilvl + 1 <= dl.restart):
                del counters[deeper]
        if lvl.fmt == "bullet":
            return "", True

        def value(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            kl = self.level(num_id, k) or Level()
            v = counters.get(k, kl.start)
            return format_number(v, "decimal" if lvl.legal and k != ilvl else kl.fmt, word=True)

        return re.sub(r"%([1-9])", value, lvl.text).strip(), False


def _level(lvl) -> Level:
    start = wval(lvl, "start")
    restart = wval(lvl, "lvlRestart")
    return Level(
        fmt=wval(lvl, "numFmt") or "decimal",
        text=wval(lvl, "lvlText") if lvl.find(q("lvlText")) is not None else "",
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        restart=int(restart) if restart and restart.isdigit() else None,
        legal=lvl.find(q("isLgl")) is not None and wval(lvl, "isLgl") not in ("0", "false"),
    )


# ---- styles --------------------------------------------------------------------------------------------
TOC_STYLE_RE = re.compile(r"^(?:toc [1-9]|toc heading|table of figures)$", re.I)
HEADING_NAME_RE = re.compile(r"^(?:heading|überschrift|titre|título|titulo|encabezado)\s*([1-9])$", re.I)


@dataclass
class Style:
    name: str = ""
    based_on: str = ""
    outline: int | None = None  # w:outlineLvl, 0-based
    num_id: str = ""
    ilvl: int = 0


def parse_styles(xml: bytes | None) -> dict[str, Style]:
    """Paragraph styles by id.

    (The default language in docDefaults is not read: it is the language of the Word installation that
    made the template, not of the text; language identification does better.)
    """
    styles: dict[str, Style] = {}
    if not xml:
        return styles
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    for st in root.findall(q("style")):
        if st.get(q("type")) not in (None, "paragraph", "numbering"):  # numbering styles: numStyleLink
            continue
        ppr = st.find(q("pPr"))
        numpr = ppr.find(q("numPr")) if ppr is not None else None
        outline = wval(ppr, "outlineLvl")
        styles[st.get(q("styleId")) or ""] = Style(
            name=wval(st, "name") or "",
            based_on=wval(st, "basedOn") or "",
            outline=int(outline) if outline and outline.isdigit() else None,
            num_id=(wval(numpr, "numId") or "") if numpr is not None else "",
            ilvl=to_int(wval(numpr, "ilvl")) if numpr is not None else 0,
        )
    return styles


def style_chain(styles: dict[str, Style], style_id: str) -> list[Style]:
    out: list[Style] = []
    seen: set[str] = set()
    while style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        out.append(styles[style_id])
        style_id = styles[style_id].based_on
    return out


def heading_level(styles: dict[str, Style], style_id: str, ppr) -> int:
    """The heading level a paragraph's style (or outline level) declares; 0 for body text.

    Title is level 1 and Heading N is level N + 1: a document's title sits above its Heading 1
    sections, so they nest under it in the heading path (levels are only compared, never shown).
    """
    outline = wval(ppr, "outlineLvl")
    if outline and outline.isdigit() and int(outline) < 9:
        return int(outline) + 2
    for st in style_chain(styles, style_id):
        name = st.name.strip()
        if name.lower() == "title":
            return 1
        if name.lower() == "subtitle":
            return 2
        m = HEADING_NAME_RE.match(name)
        if m:
            return int(m.group(1)) + 1
        if st.outline is not None and st.outline < 9:
            return st.outline + 2
    if style_id.lower() == "title":
        return 1
    m = re.match(r"^heading([1-9])$", style_id, re.I)
    return int(m.group(1)) + 1 if m else 0


# ---- notes ---------------------------------------------------------------------------------------------
@dataclass
class Notes:
    """Footnote or endnote texts by id, and the labels Word prints for them (by order of reference)."""

    kind: str  # footnote | endnote
    fmt: str = "decimal"
    start: int = 1
    texts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # id → label, in order of first reference

    def label_for(self, note_id: str, custom: str = "") -> str:
        if note_id not in self.labels:
            self.labels[note_id] = custom or format_number(self.start + len(self.labels), self.fmt, word=True)
        return self.labels[note_id]


def parse_notes(xml: bytes | None, kind: str, settings: bytes | None) -> Notes:
    notes = Notes(kind, fmt="decimal" if kind == "footnote" else "lowerRoman")
    if settings:
        sroot = etree.fromstring(settings, parser=etree.XMLParser(resolve_entities=False))
        pr = sroot.find(q(f"{kind}Pr"))
        if pr is not None:
            notes.fmt = wval(pr, "numFmt") or notes.fmt
            start = wval(pr, "numStart")
            if start and start.isdigit():
                notes.start = int(start)
    if not xml:
        return notes
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    for note in root.findall(q(kind)):
        if note.get(q("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paras = []
        for p in note.iter(q("p")):
            text, _calls, _hard, _lead = paragraph_text(p, None, None)
            if text.strip():
                paras.append(text.strip())
        notes.texts[note.get(q("id")) or ""] = "\n".join(paras)
    return notes


# ---- paragraphs ----------------------------------------------------------------------------------------
SKIP_INSIDE = {q("del"), q("moveFrom"), q("instrText"), q("delText"), q("drawing"), q("pict"), q("object"),
               q("footnoteRef"), q("endnoteRef"), q("rPr"), q("pPr"), q("fldChar")}  # fmt: skip
MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
SUPER_CALL_RE = re.compile(r"^\s*(\d{1,3})\s*$")


def paragraph_text(
    p, footnotes: Notes | None, endnotes: Notes | None
) -> tuple[str, list[tuple[int, str]], bool, str]:
    """A paragraph's visible text, its note calls (offset, label), whether it has line breaks, and the
    superscript number it opens with, if any (read_paragraph decides whether that marks a note)."""
    out: list[str] = []
    calls: list[tuple[int, str]] = []
    hard = False
    custom: tuple[Notes, str] | None = None  # a reference whose printed mark is the next run's text
    sup_calls: list[int] = []  # indexes in `calls` of calls typed as superscript digits
    lead = ""  # superscript digits before any text: the mark of a note typed by hand

    def length() -> int:
        return sum(len(s) for s in out)

    def run(r) -> None:
        nonlocal hard, custom, lead
        rpr = r.find(q("rPr"))
        if rpr is not None and any(
            el is not None and el.get(q("val")) not in ("0", "false", "off")
            for el in (rpr.find(q("vanish")), rpr.find(q("webHidden")))
        ):
            return  # hidden text is not printed
        sup = wval(rpr, "vertAlign") == "superscript"
        pieces: list[str] = []
        for child in r:
            tag = child.tag
            if tag == q("t"):
                pieces.append(child.text or "")
            elif tag == q("tab") or tag == q("ptab"):
                pieces.append("\t")
            elif tag in (q("br"), q("cr")):
                if child.get(q("type")) in ("page", "column"):
                    pieces.append(" ")
                else:
                    pieces.append("\n")
                    hard = True
            elif tag == q("noBreakHyphen"):
                pieces.append("-")
            elif tag == q("sym"):
                continue
            elif tag in (q("footnoteReference"), q("endnoteReference")):
                notes = footnotes if tag == q("footnoteReference") else endnotes
                if notes is None:
                    continue
                nid = child.get(q("id")) or ""
                if child.get(q("customMarkFollows")) in ("1", "true", "on"):
                    custom = (notes, nid)
                    continue
                out.append("".join(pieces))
                pieces = []
                calls.append((length(), notes.label_for(nid)))
        text = "".join(pieces)
        if custom is not None and text.strip():
            notes, nid = custom
            custom = None
            calls.append((length(), notes.label_for(nid, text.strip())))
            return
        if sup and footnotes is not None and SUPER_CALL_RE.match(text):
            # a note number typed as a superscript: a call, or at the head of a paragraph, the mark of a
            # note typed by hand (read_paragraph makes that paragraph the note's body)
            at = length() if "".join(out).strip() else 0
            if at == 0 and not calls:
                lead += text.strip()
            elif calls and calls[-1][0] == at and sup_calls and sup_calls[-1] == len(calls) - 1:
                calls[-1] = (at, calls[-1][1] + text.strip())  # "1" "3": one number Word split in two runs
            else:
                sup_calls.append(len(calls))
                calls.append((at, text.strip()))
            return
        out.append(text)

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP_INSIDE or tag == MC_ALTERNATE:
                continue
            if tag == q("r"):
                run(child)
            elif tag == q("txbxContent"):
                continue
            else:
                walk(child)  # hyperlinks, insertions, smart tags, fields, inline content controls

    walk(p)
    text = "".join(out).replace("\t", " ").replace("\u00ad", "")
    # strip leading white space, shifting the calls
    shift = len(text) - len(text.lstrip(" "))
    text = text.strip(" ")
    calls = [(min(max(0, off - shift), len(text)), lab) for off, lab in calls]
    return text, calls, hard, lead


# ---- body ----------------------------------------------------------------------------------------------
@dataclass
class Context:
    styles: dict[str, Style]
    numbering: Numbering
    footnotes: Notes
    endnotes: Notes
    blocks: list[Block] = field(default_factory=list)
    in_cell: int = 0  # depth of table cells around the paragraph being read
    keep_labels: bool = False  # keep an empty numbered paragraph's label (the first cell of a row)


def body_elements(parent):
    """Paragraphs and tables in body order, looking through content controls and custom XML."""
    for child in parent:
        tag = child.tag
        if tag in (q("p"), q("tbl")):
            yield child
        elif tag in (q("sdt"), q("customXml")):
            content = child.find(q("sdtContent")) if tag == q("sdt") else child
            if content is not None:
                yield from body_elements(content)


def read_paragraph(ctx: Context, p) -> None:
    ppr = p.find(q("pPr"))
    style_id = wval(ppr, "pStyle") or ""
    level = heading_level(ctx.styles, style_id, ppr)
    # numbering: the paragraph's own w:numPr, else its style's
    num_id, ilvl = "", 0
    numpr = ppr.find(q("numPr")) if ppr is not None else None
    if numpr is not None and wval(numpr, "numId") is not None:
        num_id = wval(numpr, "numId") or ""
        ilvl = to_int(wval(numpr, "ilvl"))
    else:
        for st in style_chain(ctx.styles, style_id):
            if st.num_id:
                num_id = st.num_id
                if numpr is not None and wval(numpr, "ilvl") is not None:
                    ilvl = to_int(wval(numpr, "ilvl"))
                else:
                    ilvl = st.ilvl
                break
    text, calls, hard, lead = paragraph_text(p, ctx.footnotes, ctx.endnotes)
    if any(TOC_STYLE_RE.match(st.name) for st in style_chain(ctx.styles, style_id)):
        ctx.blocks.append(Block(text=text, brk=HARD, role=TOC))  # a table of contents entry: furniture
        return
    label, bullet = "", False
    if num_id and num_id != "0":
        got = ctx.numbering.advance(num_id, ilvl)  # Word prints (and counts) the number of an empty item too
        if got is not None:
            label, bullet = got
    if not text.strip():
        if ctx.keep_labels and label:
            ctx.blocks.append(Block(text="", label=label))  # a number alone in a cell: read_row uses it
        return
    note = ""
    if lead and not level and not label and not bullet:
        note = lead  # "³ See A/68/190": a note typed at the foot of the text
    elif lead:
        calls.insert(0, (0, lead))
    if level and label:
        # a numbered heading ("I. Background"): the number is part of the heading as printed
        shift = len(label) + 1
        text = f"{label} {text}"
        calls = [(off + shift, lab) for off, lab in calls]
        label = ""
    ctx.blocks.append(
        Block(
            text=text,
            brk=HARD,
            heading=level,
            label=label,
            bullet=bullet,
            note=note,
            calls=tuple(calls),
            hardbreaks=hard,
            role=CELL if ctx.in_cell and not level and not note else "",
        )
    )


def read_table(ctx: Context, tbl) -> None:
    """Each cell's paragraphs in row order; a nested table is read where it sits."""
    for tr in tbl.findall(q("tr")):
        cells = []
        for tc in tr.findall(q("tc")):
            vmerge = tc.find(f"{q('tcPr')}/{q('vMerge')}")
            if vmerge is not None and vmerge.get(q("val")) in (None, "continue"):
                continue  # the continuation of a vertically merged cell holds no text of its own
            cells.append(tc)
        if cells:
            ctx.in_cell += 1
            read_row(ctx, cells)
            ctx.in_cell -= 1
        for sdt in tr.findall(q("sdt")):
            read_elements(ctx, sdt)


def read_row(ctx: Context, cells: list) -> None:
    """A row's cells, each paragraph a block. A row whose first cell holds only a paragraph number (typed,
    or Word numbering on an empty paragraph) and whose other cells hold the text is one numbered
    paragraph laid out with a table: its text gets the number as its label."""
    start = len(ctx.blocks)
    ctx.keep_labels = True
    read_elements(ctx, cells[0])
    ctx.keep_labels = False
    first = ctx.blocks[start:]
    label = ""
    if len(first) == 1 and len(cells) > 1:
        b = first[0]
        if not b.text and b.label:
            label = b.label
        elif b.text and not b.label and label_only(b.text.strip()):
            label = as_label(b.text.strip())
    ctx.blocks[start:] = [] if label else [b for b in first if b.text]
    mid = len(ctx.blocks)
    for tc in cells[1:]:
        read_elements(ctx, tc)
    lead = ctx.blocks[start] if not label and len(ctx.blocks) > start else None
    if lead is not None and len(cells) > 1 and not lead.note and (lead.label or _opens_item(lead.text)):
        # "121.1 Ratify the Convention (Philippines)" | "Supported": a numbered recommendation laid
        # out as a table row is one unit, its other cells after its text, in order
        row = [b for b in ctx.blocks[start:] if not b.note]
        ctx.blocks[start:] = [_join_cells(row)] + [b for b in ctx.blocks[start:] if b.note]
        return
    if label and len(ctx.blocks) > mid:
        for b in ctx.blocks[mid:]:
            b.role = ""  # the paragraphs of a numbered paragraph, not data cells
        ctx.blocks[mid].label = label


def _opens_item(text: str) -> bool:
    lab = labels.parse(text.strip())
    return (
        lab is not None
        and bool(lab.rest.strip())
        and lab.style in ("legal", "num-dot", "num-group", "num-paren", "num-bracket")
    )


def _join_cells(row: list[Block]) -> Block:
    """One block from a row's paragraphs: the first cell's text, then each other paragraph after " | "."""
    first = row[0]
    text, calls = first.text, list(first.calls)
    for b in row[1:]:
        text += " | "
        calls += [(len(text) + o, c) for o, c in b.calls]
        text += b.text
    return Block(text=text, brk=HARD, label=first.label, calls=tuple(calls), lang=first.lang)


def read_elements(ctx: Context, parent) -> None:
    for el in body_elements(parent):
        if el.tag == q("p"):
            read_paragraph(ctx, el)
        else:
            read_table(ctx, el)


# ---- the reader ----------------------------------------------------------------------------------------
def _part_blob(document, reltype_suffix: str) -> bytes | None:
    for rel in document.part.rels.values():
        if rel.reltype.endswith(reltype_suffix) and not rel.is_external:
            return rel.target_part.blob
    return None


def open_docx(data: bytes, name: str):
    """python-docx's Document, or a DocumentError that says what is wrong with the file."""
    source = name or "input"
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise DocumentError(source, f"not a valid DOCX: corrupt ZIP archive ({e})") from e
    with zf:
        names = set(zf.namelist())
        if not any(n.startswith("word/") for n in names):
            other = next(
                (what for prefix, what in OTHER_OOXML if any(n.startswith(prefix) for n in names)), ""
            )
            raise DocumentError(source, f"a ZIP archive, but not a Word document{other} (no word/ part)")
        if sum(i.file_size for i in zf.infolist()) > MAX_UNCOMPRESSED:
            raise DocumentError(source, "DOCX expands to more than 512 MB: refused as a decompression bomb")
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, ValueError, PackageNotFoundError, XML errors…
        raise DocumentError(source, f"not a valid DOCX: {type(e).__name__}: {e}") from e


def read(data: bytes, name: str = "", content_type: str = "") -> ReadResult:
    document = open_docx(data, name)
    try:
        styles_xml = _part_blob(document, "/styles")
        styles = parse_styles(styles_xml)
        style_numbering = {sid: st.num_id for sid, st in styles.items() if st.num_id}
        style_numbering.update({st.name: st.num_id for st in styles.values() if st.num_id})
        numbering = Numbering.parse(_part_blob(document, "/numbering"), style_numbering)
        settings = _part_blob(document, "/settings")
        footnotes = parse_notes(_part_blob(document, "/footnotes"), "footnote", settings)
        endnotes = parse_notes(_part_blob(document, "/endnotes"), "endnote", settings)
        ctx = Context(styles, numbering, footnotes, endnotes)
        read_elements(ctx, document.element.body)
    except etree.XMLSyntaxError as e:
        raise DocumentError(name or "input", f"not a valid DOCX: broken XML ({e})") from e
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:  # a part python-docx reads only when asked
        raise DocumentError(name or "input", f"not a valid DOCX: corrupt part ({e})") from e
    # note bodies after the body text, in the order they were called (as Word numbers them)
    for notes in (footnotes, endnotes):
        for nid, label in notes.labels.items():
            text = notes.texts.get(nid, "").strip()
            if text and label:
                ctx.blocks.append(Block(text=text, brk=HARD, note=label))
    return ReadResult(blocks=ctx.blocks, meta=core_meta(document))


# Titles Word or a converter fills in by itself: not the document's title.
JUNK_TITLE_RE = re.compile(
    r"^(?:microsoft word - .*|.*\.(?:docx?|rtf|dotx?)|slide \d+|document\d*|untitled|title)$", re.I
)


def core_meta(document) -> dict:
    """Title, creation date, language and subject from the core properties (docProps/core.xml)."""
    meta: dict = {}
    try:
        cp = document.core_properties
        title, created, language, subject = cp.title, cp.created, cp.language, cp.subject
    except (ValueError, KeyError, etree.XMLSyntaxError):
        return meta  # broken core properties: the text itself still says what it is
    title = " ".join((title or "").split())
    if title and not JUNK_TITLE_RE.match(title):
        meta["title"] = title
    if created is not None:
        meta["date"] = created.date().isoformat()
    if (language or "").strip():
        meta["lang"] = re.split(r"[-_]", language.strip())[0].lower()
    if (subject or "").strip():
        meta["description"] = subject.strip()
    return meta
