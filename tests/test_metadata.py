"""Symbols, dates and document types read from text."""

from __future__ import annotations

import pytest

from pincite.ingest.metadata import doctype_from, find_symbols, first_date, format_date, is_symbol_line


@pytest.mark.parametrize(
    "text, symbols",
    [
        ("See A/68/190, annex.", ["A/68/190"]),
        ("as in document A/68/50.", ["A/68/50"]),
        ("A/HRC/WG.6/34/ITA/3 was issued", ["A/HRC/WG.6/34/ITA/3"]),
        ("S/RES/2397 (2017) and E/CN.4/2005/L.21/Rev.1", ["S/RES/2397", "E/CN.4/2005/L.21/Rev.1"]),
        ("A/RES/48/246 and A/INF/76/1", ["A/RES/48/246", "A/INF/76/1"]),
        ("CRC/C/ITA/CO/5-6", ["CRC/C/ITA/CO/5-6"]),
        ("TCP/IP and and/or and A/B are not symbols", []),
        ("OEA/Ser.G CP/CAM-123/17", ["OEA/Ser.G"]),
    ],
)
def test_symbols(text, symbols):
    assert find_symbols(text) == symbols


def test_symbol_lines():
    assert is_symbol_line("A/68/190") == "A/68/190"
    assert is_symbol_line("A/68/190*") == "A/68/190"
    assert is_symbol_line("see A/68/190") == ""


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Distr.: General 28 June 2013", "2013-06-28"),
        ("May 11th, 2017", "2017-05-11"),
        ("Lima, 23 de mayo de 2013", "2013-05-23"),
        ("le 5 avril 1994", "1994-04-05"),
        ("2019-08-14", "2019-08-14"),
        ("31 February 2013", ""),
        ("no date here", ""),
    ],
)
def test_dates(text, iso):
    assert first_date(text) == iso


def test_format_date():
    assert format_date("2013-06-28") == "28 June 2013"
    assert format_date("2013") == "2013"


@pytest.mark.parametrize(
    "front, body, name, symbol, kind",
    [
        ("Letter dated 26 June 2013 from the Permanent Representative", "", "", "", "letter"),
        ("", "", "x.pdf", "A/RES/48/246", "resolution"),
        ("Minutes of the Virtual Meeting", "", "", "", "minutes"),
        ("BRIEFING REPORT", "", "", "", "report"),
        ("", "Excellencies, ladies and gentlemen, I thank you.", "lima.txt", "", "speech"),
        ("", "Nothing telling.", "speech-iom-2013.txt", "", "speech"),
        ("", "Nothing telling.", "notes.txt", "", "document"),
        ("RESOLUÇÃO DA CORTE INTERAMERICANA DE DIREITOS HUMANOS", "", "", "", "resolution"),
        ("Резюме материалов по Италии", "", "", "", "report"),
        ("Acórdão do Tribunal", "", "", "", "judgment"),
    ],
)
def test_doctypes(front, body, name, symbol, kind):
    assert doctype_from(front, body, name, symbol) == kind


def test_doctype_from_self_references_breaks_ties_by_the_last_named():
    """A report that quotes "this resolution" as often as it says "this report" is a report, in every
    run (the tie was broken by a set's order, which changes with the hash seed)."""
    from pincite.ingest import metadata as md

    body = "Under this resolution the Senate acts. This resolution binds. In this report the Commission finds. This report concludes."
    assert md.doctype_from("", body) == "report"
    assert md.doctype_from("", "This report opens. This resolution closes.") == "resolution"
