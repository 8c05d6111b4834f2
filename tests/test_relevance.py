"""Measured relevance: judged queries scored with MRR and nDCG@10 against pinned floors."""

from __future__ import annotations

import math
import tomllib

import pytest
from click.testing import CliRunner

from conftest import CORPUS_REAL, ROOT, needs_shared
from pincite.cli import cli
from pincite.corpus.store import Store
from pincite.search.evaluate import Judged, evaluate, grades_by_uid, load, ndcg_at, reciprocal_rank
from pincite.workspace import Workspace

JUDGED = load(ROOT / "tests" / "judged" / "queries.toml")
QUESTIONS = load(ROOT / "tests" / "judged" / "questions.toml")
FLOORS = tomllib.loads((ROOT / "tests" / "floors_search.toml").read_text())


def test_metrics():
    assert reciprocal_rank([0, 0, 2, 3]) == pytest.approx(1 / 3)
    assert reciprocal_rank([0] * 12 + [3]) == 0.0  # beyond k
    assert ndcg_at([3, 2, 0], [3, 2]) == pytest.approx(1.0)
    assert ndcg_at([2, 3], [3, 2]) == pytest.approx((3 + 7 / math.log2(3)) / (7 + 3 / math.log2(3)))
    assert ndcg_at([0, 0], [3]) == 0.0


def test_the_judged_set_is_substantial():
    by = {}
    for j in JUDGED:
        by.setdefault(j.corpus, []).append(j)
    assert len(by["samples"]) >= 25 and len(by["charter"]) >= 8
    assert all(max(j.relevant.values()) == 3 for j in JUDGED)


@pytest.fixture(scope="module")
def samples_store(samples_home):
    return Workspace(samples_home).reader()


def test_a_stale_judgement_fails_loudly(samples_store):
    with pytest.raises(ValueError, match="names 0 units"):
        grades_by_uid(samples_store, Judged(q="x", relevant={"A/68/190, annex, para. 99": 3}))


def test_a_judgement_by_first_words_names_exactly_one_unit(samples_store):
    doc = next(d.id for d in samples_store.documents() if d.symbol == "A/68/190")
    unit = [u for u in samples_store.units(doc) if len(u.text.split()) > 8][3]
    first = " ".join(unit.text.split()[:8])
    assert grades_by_uid(samples_store, Judged(q="x", relevant={f"{doc}~{first}": 2})) == {unit.uid: 2}
    with pytest.raises(ValueError, match="names 0 units"):
        grades_by_uid(samples_store, Judged(q="x", relevant={f"{doc}~No unit starts like this": 2}))
    with pytest.raises(ValueError, match=r"names \d+ units"):
        grades_by_uid(samples_store, Judged(q="x", relevant={f"{doc}~": 2}))  # every unit: ambiguous


def test_samples_relevance_floor(samples_store):
    report = evaluate(samples_store, [j for j in JUDGED if j.corpus == "samples"])
    floor = FLOORS["samples"]
    assert report.mrr >= floor["mrr"], [(s.q, s.rr) for s in report.queries if s.rr < 1]
    assert report.ndcg >= floor["ndcg10"], sorted((round(s.ndcg, 2), s.q) for s in report.queries)[:5]


@needs_shared
@pytest.mark.shared
def test_charter_relevance_floor(tmp_path):
    home = tmp_path / "home"
    files = [
        str(CORPUS_REAL / "txt" / "un_charter" / f"raw_un_charter_{lang}.txt") for lang in ("en", "es", "fr")
    ]
    assert CliRunner().invoke(cli, ["--home", str(home), "ingest", *files]).exit_code == 0
    report = evaluate(Store(home), [j for j in JUDGED if j.corpus == "charter"])
    floor = FLOORS["charter"]
    assert report.mrr >= floor["mrr"]
    assert report.ndcg >= floor["ndcg10"], sorted((round(s.ndcg, 2), s.q) for s in report.queries)[:5]


# -- natural-language questions (issue 12) ------------------------------------------------------------
def test_the_question_set_is_substantial():
    assert len(QUESTIONS) >= 40 and all(max(j.relevant.values()) == 3 for j in QUESTIONS)
    assert all("~" in name for j in QUESTIONS for name in j.relevant)  # named stably, never by seq
    assert {"samples", "charter", "ungdc"} == {j.corpus for j in QUESTIONS}
    spanish = [j for j in QUESTIONS if j.q.startswith("¿")]
    french = [j for j in QUESTIONS if j.q.endswith(" ?")]
    assert len(spanish) >= 4 and len(french) >= 4


def test_questions_over_the_samples(samples_store):
    report = evaluate(samples_store, [j for j in QUESTIONS if j.corpus == "samples"])
    floor = FLOORS["questions"]["samples"]
    assert report.mrr >= floor["mrr"], [(s.q, s.rr) for s in report.queries if s.rr < 1]
    assert report.ndcg >= floor["ndcg10"], sorted((round(s.ndcg, 2), s.q) for s in report.queries)[:5]
    assert all(s.ranked for s in report.queries)  # no question comes back empty


@needs_shared
@pytest.mark.shared
@pytest.mark.slow
def test_questions_over_the_real_corpus(tmp_path, samples_store):
    txt = CORPUS_REAL / "txt"
    homes = {"charter": tmp_path / "charter", "ungdc": tmp_path / "ungdc"}
    charter = [str(txt / "un_charter" / f"raw_un_charter_{lang}.txt") for lang in ("en", "es", "fr")]
    speeches = [str(p) for p in sorted((txt / "ungdc").glob("*_*_*.txt"))]
    for corpus, files in (("charter", charter), ("ungdc", speeches)):
        r = CliRunner().invoke(cli, ["--home", str(homes[corpus]), "ingest", "-q", *files])
        assert r.exit_code == 0, r.output
    scores = []
    for corpus in ("charter", "ungdc"):
        report = evaluate(Store(homes[corpus]), [j for j in QUESTIONS if j.corpus == corpus])
        floor = FLOORS["questions"][corpus]
        assert report.mrr >= floor["mrr"], (corpus, [(s.q, s.rr) for s in report.queries if s.rr < 1])
        assert report.ndcg >= floor["ndcg10"], (corpus, sorted((round(s.ndcg, 2), s.q) for s in report.queries)[:5])
        assert all(s.ranked for s in report.queries)
        scores += report.queries
    scores += evaluate(samples_store, [j for j in QUESTIONS if j.corpus == "samples"]).queries
    assert sum(s.rr for s in scores) / len(scores) >= FLOORS["questions"]["all"]["mrr"]
