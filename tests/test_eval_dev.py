"""The development set (tests/devgold: gold read from real documents) scored, with floors per family."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import CORPUS_REAL, needs_shared
from pincite.corpus.model import FOOTNOTE, PARAGRAPH, Unit
from pincite.ingest.evaluate import dev_evaluate, dev_score, dev_summary

HERE = Path(__file__).parent
FLOORS = tomllib.loads((HERE / "floors_dev.toml").read_text(encoding="utf-8"))


def test_dev_scorer_counts_order_spurious_notes_and_furniture():
    units = [
        Unit(doc="d", seq=1, kind=PARAGRAPH, ref="1", numbered=True, text="First."),
        Unit(doc="d", seq=2, kind=PARAGRAPH, ref="3", numbered=True, text="Third, GE.15-10722 (E)"),
        Unit(doc="d", seq=3, kind=PARAGRAPH, ref="2", numbered=True, text="Second."),
        Unit(doc="d", seq=4, kind=FOOTNOTE, ref="1", numbered=True, text="A note."),
    ]
    gold = {"numbers": ["1", "2", "3"], "notes": ["1", "2"], "furniture": ["GE.15-10722"],
            "doctype": "report", "date": "2019-08-14", "starts": ["Second"]}  # fmt: skip
    s = dev_score(gold, units, {"doctype": "report", "date": "2019-08-14"})
    assert (s.in_order, s.numbers) == (2, 3)  # 1, 3 or 1, 2 in order: not all three
    assert len(s.spurious) == 1 and s.notes_found == 1 and len(s.furniture) == 1
    assert s.doctype_ok and s.date_ok and s.starts_found == 1


@pytest.fixture(scope="module")
def summary():
    return dev_summary(dev_evaluate(CORPUS_REAL, HERE / "devgold"))


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FLOORS))
def test_dev_floors(summary, family):
    got = summary[family]
    for key, floor in FLOORS[family].items():
        if key == "spurious":
            assert got[key] <= floor, f"{family}: {key} {got[key]:.3f} > {floor}"
        else:
            assert got[key] >= floor, f"{family}: {key} {got[key]:.3f} < {floor}"
    if family == "all":
        assert got["furniture"] == 0  # no unit holds page furniture or a contact block
