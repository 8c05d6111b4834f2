"""The same document as markdown, DOCX and HTML gives the same units: the readers hand the segmenter the
same hints, so a citation does not depend on the format a document happened to be published in.

The bundled sample minutes (markdown) are rebuilt here as a Word file (heading styles, bullets from a
numbering definition, superscript ordinals as superscript runs) and as an HTML page (h2/h3, ul/li,
<sup>), with page furniture around it.
"""

from __future__ import annotations

import html
import re

import pytest
from docx.oxml import parse_xml

from conftest import SAMPLES
from pincite.ingest.pipeline import parse_file
from test_docx import W_NS, Builder

SAMPLE = SAMPLES / "minutes-rcm-sacm-virtual-meeting-2017.md"


def parsed_lines() -> list[tuple[str, str]]:
    """(kind, text) of the sample's lines: h2, h3, bullet or para (text keeps its <sup>)."""
    out = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^(#{2,3})\s+(.*)$", line)
        if m:
            out.append((f"h{len(m.group(1))}", m.group(2)))
        elif line.startswith("- "):
            out.append(("bullet", line[2:]))
        else:
            out.append(("para", line))
    return out


def add_runs(paragraph, text: str) -> None:
    for i, piece in enumerate(re.split(r"<sup>(.*?)</sup>", text)):
        if piece:
            paragraph.add_run(piece).font.superscript = bool(i % 2)


def as_docx(tmp_path):
    b = Builder()
    bullets = b.list_definition([("bullet", "•")])
    for kind, text in parsed_lines():
        style = {"h2": "Heading 1", "h3": "Heading 2"}.get(kind)
        p = b.doc.add_paragraph(style=style)
        add_runs(p, text)
        if kind == "bullet":
            p._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="{bullets}"/></w:numPr>')
            )
    path = tmp_path / "minutes.docx"
    b.save(path)
    return path


def as_html(tmp_path):
    body = []
    for kind, text in parsed_lines():
        inner = re.sub(r"&lt;(/?sup)&gt;", r"<\1>", html.escape(text, quote=False))
        if kind in ("h2", "h3"):
            body.append(f"<{kind}>{inner}</{kind}>")
        elif kind == "bullet":
            body.append(f"<ul><li>{inner}</li></ul>")
        else:
            body.append(f"<p>{inner}</p>")
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Minutes</title></head><body>
    <nav><a href="/">Home</a> <a href="/meetings">Meetings</a></nav>
    <main><article>{"".join(body)}</article></main>
    <footer><p>Regional Conference on Migration. All rights reserved.</p></footer></body></html>"""
    path = tmp_path / "minutes.html"
    path.write_text(page, encoding="utf-8")
    return path


def shape(units):
    return [(u.kind, u.ref, u.numbered, u.text, u.headings, u.notes) for u in units]


@pytest.mark.parametrize("build", [as_docx, as_html], ids=["docx", "html"])
def test_same_units_as_the_markdown(tmp_path, build):
    _, expected = parse_file(SAMPLE, SAMPLE.name, "m")
    path = build(tmp_path)
    _, got = parse_file(path, path.name, "m")
    assert shape(got) == shape(expected)
