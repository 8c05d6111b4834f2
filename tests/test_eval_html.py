"""The HTML reader on mozilla/readability's test pages must not regress below the pinned floors.

Floors live in `tests/floors_html.toml`, per page, set just below what was measured (BENCHMARKS.md). A
change that raises a score should raise its floor; one that lowers a score below its floor fails here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import CORPUS_REAL, needs_shared

FLOORS = tomllib.loads((Path(__file__).with_name("floors_html.toml")).read_text(encoding="utf-8"))["pages"]
PAGES = CORPUS_REAL / "html" / "readability_testpages"


@pytest.fixture(scope="module")
def scores():
    from pincite.ingest.evaluate_html import evaluate

    return {s.page: s for s in evaluate(PAGES)}


@needs_shared
@pytest.mark.parametrize("page", sorted(FLOORS))
def test_page_meets_its_floor(scores, page):
    floor = FLOORS[page]
    s = scores[page]
    assert s.recall >= floor["recall"], f"{page}: recall {s.recall:.3f} < {floor['recall']}"
    assert s.precision >= floor["precision"], f"{page}: precision {s.precision:.3f} < {floor['precision']}"
    if floor.get("title"):
        assert s.title_ok, f"{page}: title {s.title!r} does not match {s.gold_title!r}"


@needs_shared
def test_every_page_has_a_floor(scores):
    assert set(scores) == set(FLOORS)


@needs_shared
@pytest.mark.slow
def test_the_scorer_alone_finds_the_content():
    """Without <article>/<main> (many policy sites have neither), the fallback scorer must still do well."""
    from pincite.ingest.evaluate_html import evaluate

    got = evaluate(PAGES, semantic=False)
    assert sum(s.recall for s in got) / len(got) >= 0.92
    assert sum(s.precision for s in got) / len(got) >= 0.89
