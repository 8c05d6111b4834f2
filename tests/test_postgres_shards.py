"""The sharded PostgreSQL layout (pincite.index.pgshards) on two real servers: a coordinator and a
shard on one cluster, the other shard on a second cluster, joined by postgres_fdw."""

from __future__ import annotations

import os

import pytest

from conftest import SAMPLES, _pg_skip_reason
from pincite.index import pgshards, postgres
from pincite.search.engine import search
from pincite.workspace import Workspace
from test_postgres import QUERIES, dump, write


@pytest.fixture(scope="module")
def second_cluster():
    why = _pg_skip_reason()
    if why:
        pytest.skip(why)
    from pgcluster import Cluster, find_bindir

    cluster = Cluster(find_bindir()).start()
    yield cluster
    cluster.stop()


def units_on(url: str) -> dict[str, int]:
    with postgres.connect(url) as conn:
        return dict(conn.execute("SELECT doc, count(*) FROM pincite_shard_units GROUP BY doc").fetchall())


def test_documents_land_on_their_shard_and_are_found_through_the_coordinator(pg_cluster, second_cluster, tmp_path):
    tag = f"{os.getpid()}"
    coord = pg_cluster.createdb(f"coord_{tag}")
    shards = [pg_cluster.createdb(f"shard0_{tag}"), second_cluster.createdb(f"shard1_{tag}")]
    pgshards.create(coord, shards)
    plain = pg_cluster.createdb(f"plain_{tag}")
    extra = [write(tmp_path / "d", f"n{i}.txt", f"1. Note {i} on the okapi corridor and labour mobility.\n") for i in range(6)]
    Workspace(tmp_path / "h", database=coord).ingest([SAMPLES, *extra])
    Workspace(tmp_path / "p", database=plain).ingest([SAMPLES, *extra])  # the same, in one database

    on = [units_on(u) for u in shards]
    assert on[0] and on[1]  # both servers hold documents
    docs = Workspace(tmp_path / "r", database=coord).reader().documents()
    assert len(docs) == 11
    for d in docs:  # every document's units on the one shard its id names, none elsewhere
        home = postgres.shard_of(d.id, 2)
        assert on[home].get(d.id, 0) > 0 and d.id not in on[1 - home], d.id

    # through the coordinator: the hits, scores, facets and notes of the one-database backend
    sharded = Workspace(tmp_path / "r", database=coord).reader()
    single = Workspace(tmp_path / "r2", database=plain).reader()
    for query in [*QUERIES, "okapi"]:
        for kw in ({"limit": 10}, {"limit": 5, "offset": 2, "facets": True}):
            assert dump(search(sharded, query, **kw)) == dump(search(single, query, **kw)), (query, kw)
    assert search(sharded, "okapi corridor").total == 6

    # a removal takes the document's units off its shard; the database still verifies
    gone = next(d.id for d in docs if d.id.startswith("n"))
    ws = Workspace(tmp_path / "h", database=coord)
    ws.remove([gone])
    assert all(gone not in units_on(u) for u in shards)
    assert search(Workspace(tmp_path / "r", database=coord).reader(), "okapi").total == 5
    st = ws.status(verify=True)["index"]
    assert st["healthy"], st["problems"]


def test_an_embedded_home_moves_into_a_sharded_database(pg_cluster, second_cluster, tmp_path):
    tag = f"m{os.getpid()}"
    coord = pg_cluster.createdb(f"coord_{tag}")
    shards = [second_cluster.createdb(f"shard0_{tag}"), pg_cluster.createdb(f"shard1_{tag}")]
    assert pgshards.main([coord, *shards]) == 0
    home = tmp_path / "h"
    Workspace(home, database="").ingest([SAMPLES])
    whoosh = Workspace(home, database="").reader()
    assert Workspace(home, database=coord).reindex()[1].units == Workspace(home, database="").store.unit_total()
    assert all(units_on(u) for u in shards)
    shared = Workspace(tmp_path / "r", database=coord).reader()
    for query in QUERIES:
        assert dump(search(shared, query, limit=10)) == dump(search(whoosh, query, limit=10)), query
    assert pgshards.main([coord, *shards]) == 2  # set up once only
