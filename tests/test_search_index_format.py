"""An index built by another version of pincite (other schema, other analysers) is never read."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import SAMPLES
from pincite.cli import cli


def _age_index(home):
    idx = home / "index"
    gen = (idx / "CURRENT").read_text().strip()
    (idx / gen / "PINCITE").write_text(json.dumps({"format": 1}))


def test_an_old_index_is_rebuilt_or_reported(home):
    run = CliRunner()
    r = run.invoke(cli, ["ingest", str(SAMPLES / "letter-peru-unga-rcp-chairs-summary-2013.md")])
    assert r.exit_code == 0, r.output
    assert run.invoke(cli, ["search", "gratitude"]).exit_code == 0
    _age_index(home)
    r = run.invoke(cli, ["search", "gratitude"])
    assert r.exit_code == 1 and "pincite index --rebuild" in r.stderr and "Traceback" not in r.output
    r = run.invoke(cli, ["index"])
    assert r.exit_code == 0 and "rebuilt" in r.stderr
    assert run.invoke(cli, ["search", "gratitude"]).exit_code == 0
