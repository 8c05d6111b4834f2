"""The DOCX reader, end to end through the segmenter: Word files are built here with python-docx, with
real numbering definitions (numbering.xml) and a real footnotes part, so the tests exercise what Word
writes rather than text that merely looks numbered."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from pincite.errors import DocumentError
from pincite.ingest import readers
from pincite.ingest.pipeline import parse_file
from pincite.ingest.readers import docx as docx_reader

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# ---- building Word files -----------------------------------------------------------------------------
class Builder:
    """A python-docx document plus the helpers python-docx lacks: list definitions and footnotes."""

    def __init__(self) -> None:
        self.doc = docx.Document()
        self.numbering = self.doc.part.numbering_part.element
        self.footnotes: list[tuple[int, str]] = []
        self._next_id = 900

    def list_definition(self, levels: list[tuple[str, str]], starts: list[int] | None = None) -> str:
        """A new abstract list with (numFmt, lvlText) per level, and a list instance using it: its numId."""
        self._next_id += 1
        aid = nid = str(self._next_id)
        lvls = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="{(starts or [1] * 9)[i]}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>'
            for i, (fmt, text) in enumerate(levels)
        )
        abstract = parse_xml(f'<w:abstractNum {W_NS} w:abstractNumId="{aid}">{lvls}</w:abstractNum>')
        first_num = self.numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.numbering.append(abstract)
        self.numbering.append(
            parse_xml(f'<w:num {W_NS} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/></w:num>')
        )
        return nid

    def restart(self, num_id: str, start: int = 1) -> str:
        """Another instance of `num_id`'s list that restarts level 0 at `start` (as Word's "Restart at 1")."""
        self._next_id += 1
        aid = self.numbering.find(f'{qn("w:num")}[@{qn("w:numId")}="{num_id}"]/{qn("w:abstractNumId")}').get(
            qn("w:val")
        )
        nid = str(self._next_id)
        self.numbering.append(
            parse_xml(
                f'<w:num {W_NS} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'
            )
        )
        return nid

    def item(self, text: str, num_id: str, ilvl: int = 0):
        p = self.doc.add_paragraph(text)
        ppr = p._p.get_or_add_pPr()
        ppr.append(
            parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
        )
        return p

    def footnote(self, paragraph, text: str) -> None:
        """A footnote reference at the end of `paragraph`, with `text` as the note."""
        fid = len(self.footnotes) + 1
        self.footnotes.append((fid, text))
        paragraph._p.append(
            parse_xml(
                f'<w:r {W_NS}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{fid}"/></w:r>'
            )
        )

    def save(self, path: Path | None = None) -> bytes:
        if self.footnotes:
            notes = "".join(
                f'<w:footnote w:id="{fid}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {t}</w:t></w:r></w:p></w:footnote>'
                for fid, t in self.footnotes
            )
            xml = (
                f'<w:footnotes {W_NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                f'<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
                f"{notes}</w:footnotes>"
            ).encode()
            part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml, self.doc.part.package)
            self.doc.part.relate_to(part, RT.FOOTNOTES)
        buf = io.BytesIO()
        self.doc.save(buf)
        data = buf.getvalue()
        if path is not None:
            path.write_bytes(data)
        return data


def units_of(b: Builder, tmp_path: Path, name: str = "minutes.docx"):
    path = tmp_path / name
    b.save(path)
    return parse_file(path, name, "d")


def body(units):
    return [u for u in units if u.kind != "footnote"]


# ---- numbering -----------------------------------------------------------------------------------------
def test_printed_numbers_nest_as_refs(tmp_path):
    """Decimal, (a), (i) levels from numbering.xml give the refs a reader cites: 3, 3 (a), 3 (a) (i)."""
    b = Builder()
    b.doc.add_paragraph("Conclusions", style="Heading 1")
    nid = b.list_definition([("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "(%3)")])
    b.item("The meeting opened at 10 a.m. and the Chair welcomed the delegations.", nid)
    b.item("The agenda was adopted without amendment by the participants.", nid)
    b.item("The participants agreed on the following measures for the region:", nid)
    b.item("to train consular officials, in particular:", nid, 1)
    b.item("on the protection of migrant children;", nid, 2)
    b.item("on trafficking in persons;", nid, 2)
    b.item("to share information on migration flows;", nid, 1)
    b.item("to meet again in 2018.", nid, 1)
    b.item("The meeting closed at 5 p.m. after the adoption of the report.", nid)
    meta, units = units_of(b, tmp_path)
    refs = [(u.kind, u.ref, u.numbered) for u in units]
    assert refs == [
        ("heading", "1", False),
        ("paragraph", "1", True),
        ("paragraph", "2", True),
        ("paragraph", "3", True),
        ("paragraph", "3 (a)", True),
        ("paragraph", "3 (a) (i)", True),
        ("paragraph", "3 (a) (ii)", True),
        ("paragraph", "3 (b)", True),
        ("paragraph", "3 (c)", True),
        ("paragraph", "4", True),
    ]
    assert units[4].text == "to train consular officials, in particular:"  # the label is not in the text
    assert all(u.headings == ("Conclusions",) for u in units[1:])


@pytest.mark.parametrize(
    "levels, starts, expected",
    [
        ([("decimal", "%1.")], [5], ["5", "6"]),  # w:start
        ([("upperRoman", "%1.")], [1], ["I", "II"]),
        ([("decimal", "%1)")], [1], ["1", "2"]),
        ([("lowerLetter", "%1)")], [1], ["a", "b"]),
    ],
)
def test_number_formats_and_starts(tmp_path, levels, starts, expected):
    b = Builder()
    nid = b.list_definition(levels, starts)
    b.item("The first item of the list, long enough to be a paragraph of its own.", nid)
    b.item("The second item of the list, long enough to be a paragraph of its own.", nid)
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units] == expected
    assert all(u.numbered for u in units)


def test_deeper_level_restarts_and_list_instances_restart(tmp_path):
    """(a) restarts under each new number; a second list instance with startOverride restarts at 1."""
    b = Builder()
    nid = b.list_definition([("decimal", "%1."), ("lowerLetter", "(%2)")])
    b.item("First numbered paragraph of the first list.", nid)
    b.item("its first sub-item;", nid, 1)
    b.item("Second numbered paragraph of the first list.", nid)
    b.item("a sub-item that starts again at (a);", nid, 1)
    b.doc.add_paragraph("Annex", style="Heading 1")
    again = b.restart(nid)
    b.item("First paragraph of the annex, numbered from 1 again.", again)
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units if u.kind == "paragraph"] == ["1", "1 (a)", "2", "2 (a)", "1"]


def test_bullets_are_not_numbered(tmp_path):
    b = Builder()
    nid = b.list_definition([("bullet", "•")])
    b.item("Representatives of Costa Rica, Panama and Mexico.", nid)
    b.item("Representatives of the International Organization for Migration.", nid)
    _, units = units_of(b, tmp_path)
    assert [u.text for u in units] == [
        "Representatives of Costa Rica, Panama and Mexico.",
        "Representatives of the International Organization for Migration.",
    ]
    assert not any(u.numbered for u in units)
    assert not any("•" in u.text for u in units)


def test_style_linked_numbering(tmp_path):
    """python-docx's 'List Number' style carries its numbering in the style, not the paragraph."""
    b = Builder()
    b.doc.add_paragraph("The first paragraph numbered through its style only.", style="List Number")
    b.doc.add_paragraph("The second paragraph numbered through its style only.", style="List Number")
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units] == ["1", "2"]
    assert all(u.numbered for u in units)


# ---- headings, tables, notes ------------------------------------------------------------------------
def test_headings_from_styles_give_the_section_path(tmp_path):
    b = Builder()
    b.doc.add_paragraph("Minutes of the virtual meeting", style="Title")
    b.doc.add_paragraph("Opening of the meeting", style="Heading 1")
    b.doc.add_paragraph("Statements", style="Heading 2")
    b.doc.add_paragraph("The delegation of Panama thanked the Presidency pro tempore.")
    _, units = units_of(b, tmp_path)
    heads = [u.text for u in units if u.kind == "heading"]
    assert heads == ["Minutes of the virtual meeting", "Opening of the meeting", "Statements"]
    para = [u for u in units if u.kind == "paragraph"][0]
    assert para.headings == ("Minutes of the virtual meeting", "Opening of the meeting", "Statements")


def test_footnotes_become_note_units_and_leave_the_text(tmp_path):
    b = Builder()
    p1 = b.doc.add_paragraph("The Regional Conference on Migration was created in 1996.")
    b.footnote(p1, "Also known as the Puebla Process.")
    p2 = b.doc.add_paragraph("The South American Conference on Migration followed in 2000.")
    b.footnote(p2, "See the Declaration of Buenos Aires, 2000.")
    _, units = units_of(b, tmp_path)
    paras = body(units)
    notes = [u for u in units if u.kind == "footnote"]
    assert [(u.ref, u.text) for u in notes] == [
        ("1", "Also known as the Puebla Process."),
        ("2", "See the Declaration of Buenos Aires, 2000."),
    ]
    assert paras[0].text == "The Regional Conference on Migration was created in 1996."
    assert paras[0].notes == ("1",)
    assert paras[1].notes == ("2",)


def test_superscript_digits_typed_by_hand_are_calls(tmp_path):
    b = Builder()
    p = b.doc.add_paragraph("The Plan of Action was adopted in Lima")
    for digit in "13":  # Word often splits one number over two runs
        p.add_run(digit).font.superscript = True
    p.add_run(" by all Member States.")
    o = b.doc.add_paragraph("It entered into force on the 1")
    o.add_run("st").font.superscript = True
    o.add_run(" of May.")
    _, units = units_of(b, tmp_path)
    assert units[0].text == "The Plan of Action was adopted in Lima by all Member States."
    assert units[0].notes == ("13",)
    assert units[1].text == "It entered into force on the 1st of May."  # an ordinal stays text
    assert units[1].notes == ()


def test_notes_typed_by_hand_are_note_bodies(tmp_path):
    b = Builder()
    p = b.doc.add_paragraph("The Plan of Action was adopted in Lima by all Member States.")
    p.add_run("3").font.superscript = True
    n = b.doc.add_paragraph()
    n.add_run("3").font.superscript = True
    n.add_run(" See document A/68/190, annex.")
    _, units = units_of(b, tmp_path)
    assert [(u.kind, u.ref, u.text, u.notes) for u in units] == [
        ("paragraph", "1", "The Plan of Action was adopted in Lima by all Member States.", ("3",)),
        ("footnote", "3", "See document A/68/190, annex.", ()),
    ]


def test_tables_are_read_in_body_order(tmp_path):
    b = Builder()
    b.doc.add_paragraph("The following countries attended the meeting of the Conference:")
    t = b.doc.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "Country"
    t.cell(0, 1).text = "Delegation"
    t.cell(1, 0).text = "Guatemala"
    t.cell(1, 1).text = "Ministry of Foreign Affairs and the General Directorate of Migration."
    b.doc.add_paragraph("The list of participants is attached to these minutes as annex I.")
    _, units = units_of(b, tmp_path)
    texts = [u.text for u in units]
    assert texts.index("Guatemala") < texts.index(
        "Ministry of Foreign Affairs and the General Directorate of Migration."
    )
    assert texts[-1] == "The list of participants is attached to these minutes as annex I."
    assert texts[0].startswith("The following countries")
    assert {u.kind for u in units} == {"paragraph"}  # a short cell ("Country") is not a heading


def test_core_properties_are_metadata(tmp_path):
    b = Builder()
    b.doc.core_properties.title = "Minutes of the XXII Regional Conference on Migration"
    b.doc.core_properties.language = "es-MX"
    import datetime as dt

    b.doc.core_properties.created = dt.datetime(2017, 6, 30, 9, 0)
    b.doc.add_paragraph("La reunión se inauguró a las 10 horas con la presencia de los países miembros.")
    meta, _ = units_of(b, tmp_path)
    assert meta["title"] == "Minutes of the XXII Regional Conference on Migration"
    assert meta["date"] == "2017-06-30"
    assert meta["lang"] == "es"
    assert meta["fmt"] == "docx"


# ---- broken files --------------------------------------------------------------------------------------
def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04" + b"\x00" * 200 + b"word/document.xml", "corrupt ZIP"),
        (_zip({"hello.txt": b"hi"}), "not a Word document"),
        (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}), "an Excel workbook"),
        (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<broken"}), "not a valid DOCX"),
    ],
)
def test_corrupt_files_raise_a_clear_error(data, message):
    with pytest.raises(DocumentError) as e:
        docx_reader.read(data, "broken.docx")
    assert message in e.value.reason


def test_truncated_docx_through_the_pipeline(tmp_path):
    data = Builder().save()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError):
        parse_file(path, "cut.docx", "d")


def test_dispatch_imports_python_docx_not_itself():
    """The reader module is named docx.py; `import docx` inside it must be python-docx."""
    assert docx_reader.docx.Document is docx.Document
    assert readers.sniff(Builder().save(), "x.docx") == "docx"


def test_numbered_headings_keep_their_number_in_the_text(tmp_path):
    """A Heading style with numbering prints "I. Background": the number is part of the heading."""
    b = Builder()
    nid = b.list_definition([("upperRoman", "%1.")])
    for title in ("Background", "Recommendations"):
        p = b.doc.add_paragraph(title, style="Heading 1")
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="{nid}"/></w:numPr>')
        )
        b.doc.add_paragraph(f"The text of the section on {title.lower()}, which is long enough to be body.")
    _, units = units_of(b, tmp_path)
    heads = [(u.ref, u.numbered, u.text) for u in units if u.kind == "heading"]
    assert heads == [("I", True, "I. Background"), ("II", True, "II. Recommendations")]
    assert units[-1].headings == ("II. Recommendations",)


def test_tracked_changes_hyperlinks_and_line_breaks(tmp_path):
    """Deleted text is not printed, inserted text and link text are; a line break stays inside the paragraph."""
    b = Builder()
    p = b.doc.add_paragraph("The Conference ")
    p._p.append(
        parse_xml(f'<w:del {W_NS} w:id="1" w:author="x"><w:r><w:delText>rejected </w:delText></w:r></w:del>')
    )
    p._p.append(
        parse_xml(
            f'<w:ins {W_NS} w:id="2" w:author="x"><w:r><w:t xml:space="preserve">adopted </w:t></w:r></w:ins>'
        )
    )
    p._p.append(
        parse_xml(
            f'<w:hyperlink {W_NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            f'w:anchor="x"><w:r><w:t>the Plan of Action</w:t></w:r></w:hyperlink>'
        )
    )
    r = p.add_run(".")
    r.add_break()
    r.add_text("Second line of the same paragraph.")
    _, units = units_of(b, tmp_path)
    assert [u.text for u in units] == [
        "The Conference adopted the Plan of Action. Second line of the same paragraph."
    ]


def test_lvl_restart_zero_keeps_counting_across_higher_levels(tmp_path):
    """w:lvlRestart 0: the sub-level never restarts (legal drafting numbers sub-items through)."""
    b = Builder()
    nid = b.list_definition([("decimal", "%1."), ("lowerLetter", "(%2)")])
    lvl = b.numbering.find(
        f'{qn("w:abstractNum")}[@{qn("w:abstractNumId")}="{nid}"]/{qn("w:lvl")}[@{qn("w:ilvl")}="1"]'
    )
    lvl.append(parse_xml(f'<w:lvlRestart {W_NS} w:val="0"/>'))
    b.item("First paragraph of the numbered list, with sub-items.", nid)
    b.item("a first sub-item;", nid, 1)
    b.item("Second paragraph of the numbered list, with sub-items.", nid)
    b.item("a sub-item that goes on counting;", nid, 1)
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units] == ["1", "1 (a)", "2", "2 (b)"]


def test_multi_level_legal_numbers_are_whole_refs(tmp_path):
    """ "%1.%2." prints 3.1: that is the reference, not a sub-item of 3."""
    b = Builder()
    nid = b.list_definition([("decimal", "%1."), ("decimal", "%1.%2."), ("lowerLetter", "(%3)")])
    b.item("Scope of the guidelines adopted by the Conference.", nid)
    b.item("The guidelines apply to all Member States of the Conference.", nid, 1)
    b.item("to consular officials;", nid, 2)
    b.item("They also apply to observer States of the Conference.", nid, 1)
    b.item("Entry into force of the guidelines adopted by the Conference.", nid)
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units] == ["1", "1.1", "1.1 (a)", "1.2", "2"]


@pytest.mark.parametrize("title, kept", [("Microsoft Word - minutes.doc", False), ("acta-2017.docx", False),
                                         ("Minutes of the XXII RCM", True)])  # fmt: skip
def test_titles_word_made_up_are_not_titles(tmp_path, title, kept):
    b = Builder()
    b.doc.core_properties.title = title
    b.doc.add_paragraph("The meeting was opened by the Presidency pro tempore of the Conference.")
    meta, _ = units_of(b, tmp_path)
    assert (meta.get("title") == title) is kept


def test_table_of_contents_and_hidden_text_are_not_units(tmp_path):
    b = Builder()
    b.doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    b.doc.add_paragraph("Contents", style="TOC Heading")
    b.doc.add_paragraph("Introduction\t3", style="toc 1")
    p = b.doc.add_paragraph("The Conference met in San José on 12 June 2017.")
    hidden = p.add_run(" DRAFT NOTE TO EDITORS")
    hidden.font.hidden = True
    _, units = units_of(b, tmp_path)
    assert [u.text for u in units] == ["The Conference met in San José on 12 June 2017."]


def test_a_table_laying_out_numbered_paragraphs(tmp_path):
    """Minutes often put the paragraph number in a first column: typed, or Word numbering on an empty cell."""
    b = Builder()
    nid = b.list_definition([("decimal", "%1.")])
    t = b.doc.add_table(rows=3, cols=2)
    t.cell(0, 0).text = "1."
    t.cell(0, 1).text = "The Chair opened the meeting and welcomed the delegations."
    for row in (1, 2):  # an auto-numbered, otherwise empty, first cell
        cell_p = t.cell(row, 0).paragraphs[0]
        cell_p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="{nid}"/></w:numPr>')
        )
    t.cell(1, 1).text = "The agenda was adopted."
    t.cell(2, 1).text = "The next meeting will be held in Panama."
    _, units = units_of(b, tmp_path)
    assert [(u.ref, u.numbered, u.text) for u in units] == [
        ("1", True, "The Chair opened the meeting and welcomed the delegations."),
        ("1", True, "The agenda was adopted."),
        ("2", True, "The next meeting will be held in Panama."),
    ]


def test_odd_attribute_values_do_not_stop_the_reader(tmp_path):
    """Generators write ilvl="abc" or a start that is not a number: read on with Word's defaults."""
    b = Builder()
    nid = b.list_definition([("decimal", "%1.")])
    lvl = b.numbering.find(f'{qn("w:abstractNum")}[@{qn("w:abstractNumId")}="{nid}"]/{qn("w:lvl")}')
    lvl.find(qn("w:start")).set(qn("w:val"), "x")
    p = b.item("A numbered paragraph whose definition is odd but readable.", nid)
    p._p.pPr.find(f"{qn('w:numPr')}/{qn('w:ilvl')}").set(qn("w:val"), "abc")
    _, units = units_of(b, tmp_path)
    assert [(u.ref, u.numbered) for u in units] == [("1", True)]


def test_custom_marks_and_endnotes(tmp_path):
    """A footnote with a custom mark ("*", a title note) keeps it; endnotes are numbered i, ii as Word prints."""
    b = Builder()
    p = b.doc.add_paragraph("Chair's summary of the fourth Global Meeting")
    p._p.append(
        parse_xml(
            f'<w:r {W_NS}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:customMarkFollows="1" w:id="1"/><w:t>*</w:t></w:r>'
        )
    )
    b.footnotes.append((1, "Issued without formal editing."))
    q = b.doc.add_paragraph("The meeting was held in Lima on 22 and 23 May 2013, at the invitation of Peru.")
    q._p.append(parse_xml(f'<w:r {W_NS}><w:endnoteReference w:id="1"/></w:r>'))
    endnotes = (
        f'<w:endnotes {W_NS}><w:endnote w:type="separator" w:id="-1"><w:p/></w:endnote>'
        f'<w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t xml:space="preserve"> See A/68/190.</w:t></w:r></w:p></w:endnote>'
        f"</w:endnotes>"
    ).encode()
    part = Part(PackURI("/word/endnotes.xml"), CT.WML_ENDNOTES, endnotes, b.doc.part.package)
    b.doc.part.relate_to(part, RT.ENDNOTES)
    _, units = units_of(b, tmp_path)
    got = [(u.kind, u.ref, u.text, u.notes) for u in units]
    assert ("footnote", "*", "Issued without formal editing.", ()) in got
    assert ("footnote", "i", "See A/68/190.", ()) in got
    assert units[0].text == "Chair's summary of the fourth Global Meeting" and units[0].notes == ("*",)
    body = next(u for u in units if u.text.startswith("The meeting"))
    assert body.notes == ("i",) and body.text.endswith("at the invitation of Peru.")


def test_lists_defined_through_a_numbering_style(tmp_path):
    """Word's multilevel list styles: the list's abstract definition only points (numStyleLink) to a
    numbering style, whose own list holds the levels."""
    b = Builder()
    target = b.list_definition([("decimal", "%1."), ("lowerLetter", "(%2)")])
    b.doc.styles.element.append(
        parse_xml(
            f'<w:style {W_NS} w:type="numbering" w:styleId="RCMList"><w:name w:val="RCM List"/>'
            f'<w:pPr><w:numPr><w:numId w:val="{target}"/></w:numPr></w:pPr></w:style>'
        )
    )
    linked = parse_xml(
        f'<w:abstractNum {W_NS} w:abstractNumId="990"><w:numStyleLink w:val="RCMList"/></w:abstractNum>'
    )
    b.numbering.find(qn("w:num")).addprevious(linked)
    b.numbering.append(parse_xml(f'<w:num {W_NS} w:numId="990"><w:abstractNumId w:val="990"/></w:num>'))
    b.item("The first paragraph numbered through a list style.", "990")
    b.item("a sub-item of it;", "990", 1)
    _, units = units_of(b, tmp_path)
    assert [u.ref for u in units] == ["1", "1 (a)"]


def test_a_table_whose_rows_are_numbered_recommendations(tmp_path):
    """A UPR matrix: "121.1 Ratify …" in the first cell, the position in the next. One unit per row, not
    one per cell; a table of other rows keeps its cells."""
    b = Builder()
    t = b.doc.add_table(rows=3, cols=2)
    rows = [("121.1 Ratify the Convention on the Rights of Migrant Workers (Philippines);", "Supported"),
            ("121.2 Ratify the Optional Protocol to the Convention against Torture (Denmark);", "Noted"),
            ("121.3 Establish a national human rights institution (Chile);", "Supported")]  # fmt: skip
    for i, (rec, pos) in enumerate(rows):
        t.cell(i, 0).text = rec
        t.cell(i, 1).text = pos
    _, units = units_of(b, tmp_path)
    assert [(u.ref, u.numbered, u.text) for u in units] == [
        ("121.1", True, "Ratify the Convention on the Rights of Migrant Workers (Philippines); | Supported"),
        ("121.2", True, "Ratify the Optional Protocol to the Convention against Torture (Denmark); | Noted"),
        ("121.3", True, "Establish a national human rights institution (Chile); | Supported"),
    ]
