"""Portuguese and French analysis through the CLI: nasal plurals, accents, elision."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pincite.cli import cli

PT = """Declaração sobre migrações

1. Os Estados reconhecem a importância da cooperação entre as nações para a proteção dos direitos humanos dos migrantes.

2. As reuniões regionais contribuem para o diálogo entre os governos sobre a migração laboral.
"""

FR = """Déclaration sur les migrations

1. Les États rappellent l'attention portée à la sécurité des travailleurs migrants.

2. Le Conseil examine chaque année les rapports des États.
"""


@pytest.fixture(scope="module")
def lhome(tmp_path_factory):
    d = tmp_path_factory.mktemp("langs")
    (d / "declaracao.txt").write_text(PT)
    (d / "declaration.txt").write_text(FR)
    h = d / "home"
    r = CliRunner().invoke(
        cli, ["--home", str(h), "ingest", str(d / "declaracao.txt"), str(d / "declaration.txt")]
    )
    assert r.exit_code == 0, r.output
    return h


def refs(home, *args) -> list[tuple[str, str]]:
    r = CliRunner().invoke(cli, ["--home", str(home), "search", "--format", "json", *args])
    assert r.exit_code in (0, 1), r.output
    return sorted((h["lang"], h["ref"]) for h in json.loads(r.stdout) if h["kind"] == "paragraph")


@pytest.mark.parametrize("q", ["nação", "nações", "nacao", "nacoes"])
def test_portuguese_singular_plural_and_accents(lhome, q):
    assert refs(lhome, q) == [("pt", "1")]


@pytest.mark.parametrize("q", ["reunião", "reunioes", "reuniões"])
def test_portuguese_meetings(lhome, q):
    assert refs(lhome, q) == [("pt", "2")]


def test_french_elision_and_accents(lhome):
    assert refs(lhome, "attention") == [("fr", "1")]  # l'attention
    assert refs(lhome, "securite") == refs(lhome, "sécurité") == [("fr", "1")]
    assert refs(lhome, "etats") == [("fr", "1"), ("fr", "2")]


def test_lang_narrows(lhome):
    assert refs(lhome, "migrants OR migrantes") == [("fr", "1"), ("pt", "1")]
    assert refs(lhome, "migrants OR migrantes", "--lang", "pt") == [("pt", "1")]
    assert refs(lhome, "lang:fr (migrants OR migrantes)") == [("fr", "1")]
