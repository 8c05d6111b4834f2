"""Languages over real texts: the UN Charter in Spanish and French (skipped without ../shared)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import CORPUS_REAL, needs_shared
from pincite.cli import cli

pytestmark = [needs_shared, pytest.mark.shared]


@pytest.fixture(scope="module")
def chome(tmp_path_factory):
    h = tmp_path_factory.mktemp("charter") / "home"
    files = [
        str(CORPUS_REAL / "txt" / "un_charter" / f"raw_un_charter_{lang}.txt") for lang in ("en", "es", "fr")
    ]
    r = CliRunner().invoke(cli, ["--home", str(h), "ingest", *files])
    assert r.exit_code == 0, r.output
    return h


def search(home, *args) -> dict:
    r = CliRunner().invoke(cli, ["--home", str(home), "search", "--format", "json", "--facets", "--limit", "500", *args])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def langs(out) -> set[str]:
    return {h["lang"] for h in out["hits"]}


def test_spanish_and_french_stemming_and_folding(chome):
    es = search(chome, "naciones unidas")
    assert es["total"] > 10 and langs(es) == {"es"}
    assert search(chome, "nacion")["total"] > 0  # nación, naciones
    fr_acc, fr_plain = search(chome, "sécurité"), search(chome, "securite")
    assert fr_acc["total"] == fr_plain["total"] > 10 and langs(fr_plain) == {"fr"}
    assert search(chome, "Conseil de securite")["total"] > 5


def test_every_language_unless_narrowed(chome):
    # "Carta" (es) / "Charte" (fr) / "Charter" (en): an OR reaches all three, --lang narrows it
    out = search(chome, "Carta OR Charte OR Charter", "--facets")
    assert set(out["facets"]["lang"]) == {"en", "es", "fr"}
    assert langs(search(chome, "Carta OR Charte OR Charter", "--lang", "fr")) == {"fr"}
    assert langs(search(chome, "lang:es (Carta OR Charte OR Charter)")) == {"es"}
