"""Shared fixtures. Tests that read ../shared are marked `shared` and skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "pincite" / "samples"
SHARED = Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared"))
CORPUS_REAL = SHARED / "corpus-real"

needs_shared = pytest.mark.skipif(not CORPUS_REAL.is_dir(), reason="../shared/corpus-real is absent")


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """The CLI reads ~/.config/pincite/config.toml: tests never see the user's."""
    monkeypatch.delenv("PINCITE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty pincite home, also set as PINCITE_HOME for CLI runs."""
    h = tmp_path / "home"
    monkeypatch.setenv("PINCITE_HOME", str(h))
    return h


@pytest.fixture(scope="session")
def samples_home(tmp_path_factory):
    """A home with no documents of its own, so read commands answer from the bundled samples (built
    once per test process). Shared: tests only read it."""
    from pincite.workspace import Workspace

    h = tmp_path_factory.mktemp("samples") / "home"
    Workspace(h).reader()
    return h


# -- PostgreSQL: a throwaway cluster per test process (tests/pgcluster.py) -------------------------------
def _pg_skip_reason() -> str:
    from pgcluster import find_bindir

    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the PostgreSQL driver is not installed: pip install 'pincite[postgres]'"
    return ""


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster on a private socket, started once per test process and stopped at exit;
    skips, saying why, only when PostgreSQL or its driver is not installed."""
    why = _pg_skip_reason()
    if why:
        pytest.skip(why)
    import atexit

    from pgcluster import Cluster, find_bindir

    cluster = Cluster(find_bindir()).start()
    atexit.register(cluster.stop)
    yield cluster
    cluster.stop()


_PG_DBS = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty database on the test cluster."""
    return pg_cluster.createdb(f"t{os.getpid()}_{next(_PG_DBS)}")


@pytest.fixture(scope="session")
def pg_samples(pg_cluster, tmp_path_factory):
    """(home, database URL): the bundled samples ingested into a database, from a home of their own."""
    from pincite.workspace import Workspace

    url = pg_cluster.createdb(f"samples_{os.getpid()}")
    h = tmp_path_factory.mktemp("pgsamples") / "home"
    Workspace(h, database=url).ingest([SAMPLES])
    return h, url


@pytest.fixture(params=["whoosh", "postgres"])
def backend_home(request, tmp_path_factory):
    """CLI arguments that name a home answering from the samples: the embedded index, then the same
    documents in PostgreSQL (read from another, empty home on the same database)."""
    if request.param == "whoosh":
        return ["--home", str(request.getfixturevalue("samples_home"))]
    _, url = request.getfixturevalue("pg_samples")
    other = tmp_path_factory.mktemp("pgreader") / "home"
    other.mkdir()
    return ["--home", str(other), "--database", url]


MADE_UP = [  # texts for comparing the index code paths (tests/test_index_*.py add their own)
    "",
    "   ",
    "Réunion sur la sécurité: l'attention qu'il porte aux migrations, jusqu'à présent.",
    "As nações e a nação; informações, razões e opiniões sobre migração.",
    "The migrants' return-and-reintegration (A/68/190, para. 10 (a)) was U.N.-led in 2018.",
    "Migración, reunión, reunion: MIGRACIÓN y migracion; 1.5 % de 2.000.",
    "Права человека и миграция — 国际移民 — الهجرة الدولية",
]


def children_of(pid: int) -> set[int]:
    """The child processes of `pid`, zombies included (Linux /proc)."""
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry))
    return out
