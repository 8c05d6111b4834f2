"""part:annex matches every annex ("annex", "annex I", "annex II"); part:"annex I" only that one."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pincite.cli import cli

LETTER = """# Letter dated 2 May 2019 from the Permanent Representative of Utopia addressed to the Secretary-General

I have the honour to transmit the two annexes on seasonal workers.

Annex I

1. Seasonal workers shall have access to consular protection.

2. Seasonal workers may change employer.

Annex II

1. Seasonal workers shall receive written contracts.
"""


@pytest.fixture(scope="module")
def ahome(tmp_path_factory):
    d = tmp_path_factory.mktemp("annexes")
    (d / "letter-annexes.md").write_text(LETTER)
    h = d / "home"
    r = CliRunner().invoke(cli, ["--home", str(h), "ingest", str(d / "letter-annexes.md")])
    assert r.exit_code == 0, r.output
    return h


def parts(home, *args) -> list[str]:
    r = CliRunner().invoke(cli, ["--home", str(home), "search", "--format", "json", *args])
    assert r.exit_code in (0, 1), r.output
    return sorted(h["part"] for h in json.loads(r.stdout))


def test_part_in_the_query(ahome):
    assert parts(ahome, "seasonal workers part:annex") == ["annex I", "annex I", "annex II"]
    assert parts(ahome, 'seasonal workers part:"annex I"') == ["annex I", "annex I"]
    assert parts(ahome, 'seasonal workers part:"Annex II"') == ["annex II"]
    assert parts(ahome, "seasonal workers NOT part:annex") == ["letter"]
    assert parts(ahome, "seasonal part:letter") == ["letter"]


def test_part_as_an_option(ahome):
    assert parts(ahome, "seasonal", "--part", "annex") == ["annex I", "annex I", "annex II"]
    assert parts(ahome, "seasonal", "--part", "annex II") == ["annex II"]
    assert parts(ahome, "seasonal", "--part", "annex I", "--part", "annex II") == [
        "annex I",
        "annex I",
        "annex II",
    ]


def test_citations_of_numbered_annexes_round_trip(ahome):
    r = CliRunner().invoke(cli, ["--home", str(ahome), "search", "contracts", "--format", "jsonl"])
    cite = json.loads(r.stdout.splitlines()[0])["cite"]
    assert cite.endswith("annex II, para. 1")
    r = CliRunner().invoke(cli, ["--home", str(ahome), "show", cite, "--context", "1", "--format", "json"])
    (row,) = json.loads(r.stdout)
    assert row["before"][0]["kind"] == "heading" and row["after"] == []
