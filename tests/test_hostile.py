"""Issue 16: no input blocks a home, no file runs code, no link walks past robots.txt.

Each test is a finding of the attack on pincite, replayed with real files, a real HTTP server on
loopback (tests/crawlsite.py), a real index on disk and, for the full disk, a real tmpfs."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import children_of
from crawlsite import Reply, Site, html
from hostile import huge_docx, pincite, plant_toc, surrogate_pdf
from pdfmaker import make_pdf
from pincite.corpus.store import Store
from pincite.ingest import crawl as crawler
from pincite.ingest import pipeline
from pincite.ingest.fetch import Fetcher, RetryPolicy
from pincite.workspace import Workspace

GOOD = "1. The regional consultative process met in Lima on labour mobility.\n\n2. A second paragraph.\n"


def no_traceback(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr[-3000:]


# ---- 1, 3: text made valid where it enters ---------------------------------------------------------
def test_a_pdf_mapping_a_glyph_to_a_lone_surrogate_blocks_nothing(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "surrogate.pdf").write_bytes(surrogate_pdf())
    (docs / "good.txt").write_text(GOOD)
    home = tmp_path / "home"
    r = pincite(home, "ingest", str(docs))
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    for args in (("index",), ("index", "--rebuild")):
        no_traceback(again := pincite(home, *args))
        assert again.returncode == 0, again.stderr
    hits = json.loads(pincite(home, "search", "labour mobility", "--format", "json").stdout)
    by_doc = {h["doc"]: h["text"] for h in hits}
    assert "good" in by_doc and "surrogate" in by_doc
    assert "\ufffd" in by_doc["surrogate"] and not any("\ud800" <= c <= "\udfff" for c in by_doc["surrogate"])


def test_a_file_name_that_is_not_utf8_is_ingested_under_a_readable_name(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    with open(os.path.join(os.fsencode(docs), b"caf\xe9-report.txt"), "w") as f:
        f.write("1. The caf\u00e9 report on return migration.\n")
    home = tmp_path / "home"
    r = pincite(home, "ingest", str(docs))
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    sources = [s for d in Store(home).documents() for s in d.sources]
    assert any(s.endswith("caf\\xe9-report.txt") for s in sources), sources
    assert "return migration" in pincite(home, "search", "return migration").stdout


# ---- 2, 12: an index is trusted only if pincite wrote it ------------------------------------------
@pytest.fixture
def indexed_home(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    (docs / "other.txt").write_text("1. Another paragraph on asylum procedures in the region.\n")
    home = tmp_path / "home"
    r = pincite(home, "ingest", str(docs))
    assert r.returncode == 0, r.stderr
    return home


def _live(home: Path) -> Path:
    return home / "index" / (home / "index" / "CURRENT").read_text().strip()


@pytest.mark.parametrize("where", ["live", "forged-newer", "symlinked"])
def test_a_planted_pickle_never_runs(indexed_home, tmp_path, where):
    home = indexed_home
    proof = tmp_path / "pwned"
    command = f"touch {proof}"
    if where == "live":
        plant_toc(_live(home), command)
    elif where == "forged-newer":  # a newer generation with our (forgeable) marker, CURRENT gone
        forged = home / "index" / "gen-000099"
        shutil.copytree(_live(home), forged)
        plant_toc(forged, command)
        (home / "index" / "CURRENT").unlink()
    else:  # a generation that is a symbolic link out of the home, named by CURRENT
        outside = tmp_path / "outside"
        shutil.copytree(_live(home), outside)
        plant_toc(outside, command)
        (home / "index" / "gen-000050").symlink_to(outside, target_is_directory=True)
        (home / "index" / "CURRENT").write_text("gen-000050\n")
    for args in (("search", "labour"), ("status", "--verify"), ("index",), ("search", "labour")):
        r = pincite(home, *args)
        no_traceback(r)
        assert not proof.exists(), f"`pincite {' '.join(args)}` ran the planted command"
    # `pincite index` rebuilt what it could not trust: searching works again, and verify agrees
    assert "Lima" in pincite(home, "search", "labour").stdout
    st = json.loads(pincite(home, "status", "--verify", "--format", "json").stdout)
    assert st["healthy"], st


def test_verify_reads_every_file_and_index_repairs_truncated_postings(indexed_home):
    home = indexed_home
    (home / "docs-more").mkdir()
    (home / "docs-more" / "more.txt").write_text("1. A third document on trafficking.\n")
    assert pincite(home, "ingest", str(home / "docs-more")).returncode == 0  # gen 2 shares gen 1's files
    pst = max(_live(home).glob("*.pst"), key=lambda p: p.stat().st_nlink)
    assert pst.stat().st_nlink == 2  # hard-linked into the previous generation: damaged there too
    with open(pst, "r+b") as f:
        f.truncate(pst.stat().st_size // 2)
    r = pincite(home, "status", "--verify")
    no_traceback(r)
    assert r.returncode != 0 and pst.name in r.stdout + r.stderr
    r = pincite(home, "search", "labour")
    no_traceback(r)
    assert r.returncode != 0 and "damaged" in r.stderr
    r = pincite(home, "index")
    no_traceback(r)
    assert r.returncode == 0 and "rebuilt" in r.stderr
    assert "Lima" in pincite(home, "search", "labour").stdout
    assert json.loads(pincite(home, "status", "--verify", "--format", "json").stdout)["healthy"]


@pytest.mark.parametrize("damage", ["binary", "directory", "symlink"])
def test_a_damaged_current_is_named_and_repaired(indexed_home, tmp_path, damage):
    home = indexed_home
    current = home / "index" / "CURRENT"
    secret = tmp_path / "secret.txt"
    secret.write_text("gen-SECRET-CONTENT\n")
    current.unlink()
    if damage == "binary":
        current.write_bytes(b"\xff\xfe\x00\x9b[2J\x00gen")
    elif damage == "directory":
        current.mkdir()
    else:
        current.symlink_to(secret)
    r = pincite(home, "status")
    no_traceback(r)
    assert "SECRET" not in r.stdout + r.stderr and "\x9b" not in r.stdout + r.stderr
    assert "CURRENT" in r.stdout + r.stderr
    assert "Lima" in pincite(home, "search", "labour").stdout  # readers fall back to the newest whole one
    r = pincite(home, "index")
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert current.is_file() and not current.is_symlink() and secret.read_text() == "gen-SECRET-CONTENT\n"
    assert json.loads(pincite(home, "status", "--verify", "--format", "json").stdout)["healthy"]


def test_damaged_unit_text_in_the_catalogue_is_named_and_parsed_again(indexed_home):
    home = indexed_home
    db = sqlite3.connect(home / "catalogue.sqlite")
    db.execute("UPDATE units SET text = CAST(x'ff41fe' AS TEXT) WHERE doc = 'good'")
    db.commit()
    db.close()
    r = pincite(home, "status", "--verify")
    no_traceback(r)
    assert r.returncode != 0 and "good" in r.stdout and "damaged" in r.stdout
    r = pincite(home, "index", "--rebuild")
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert "Lima" in pincite(home, "search", "labour").stdout
    assert json.loads(pincite(home, "status", "--verify", "--format", "json").stdout)["healthy"]


# ---- 7: a full disk under the catalogue -------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_under_the_catalogue_is_a_message_and_loses_nothing(tiny_disk, tmp_path):
    first, more = tmp_path / "first", tmp_path / "more"
    first.mkdir()
    more.mkdir()
    (first / "good.txt").write_text(GOOD)
    for i in range(4):
        (more / f"more-{i}.txt").write_text(
            "\n\n".join(f"{j}. Paragraph {j} of file {i} on the rights of migrant workers." for j in range(60))
        )
    for free_kb in (32, 48, 64, 96, 128):
        home = tiny_disk / f"home-{free_kb}"
        assert pincite(home, "ingest", str(first)).returncode == 0
        avail = shutil.disk_usage(tiny_disk).free
        filler = tiny_disk / "filler"
        with open(filler, "wb") as f:
            f.truncate(0)
            try:
                f.write(b"\0" * max(0, avail - free_kb * 1024))
            except OSError:
                pass
        r = pincite(home, "ingest", str(more))
        no_traceback(r)
        if r.returncode != 0:
            assert "No space left" in r.stderr or "full" in r.stderr, r.stderr
        filler.unlink()
        assert "Lima" in pincite(home, "search", "labour").stdout  # nothing committed before is lost
        r = pincite(home, "ingest", str(more))
        assert r.returncode == 0, r.stderr
        assert json.loads(pincite(home, "status", "--verify", "--format", "json").stdout)["healthy"]
        shutil.rmtree(home)


# ---- 4, 8: the crawler and hostile servers -----------------------------------------------------------
def test_dot_segments_cannot_walk_past_robots_or_the_scope(tmp_path):
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}),
        "/pub/": Reply(
            200,
            html("/pub/../private/x.html", "../elsewhere/y.html", "/pub/%2e%2e/private/z.html", "ok.html"),
            {"Content-Type": "text/html"},
        ),
        "/pub/ok.html": Reply(200, html(title="ok"), {"Content-Type": "text/html"}),
        "/private/x.html": Reply(200, html(title="secret"), {"Content-Type": "text/html"}),
        "/private/z.html": Reply(200, html(title="secret"), {"Content-Type": "text/html"}),
        "/elsewhere/y.html": Reply(200, html(title="elsewhere"), {"Content-Type": "text/html"}),
    }
    with Site(routes) as site:
        crawler.crawl(Store(tmp_path / "home"), [site.base + "/pub/"], delay=0, depth=2)
        seen = site.paths()
    assert "/pub/ok.html" in seen
    assert not [p for p in seen if "private" in p or "elsewhere" in p], seen


def test_robots_txt_past_512_kib_is_read_not_ignored(tmp_path):
    big = b"User-agent: *\nDisallow: /pub/private/\n" + b"# padding comment line\n" * 30_000  # ~690 KB
    routes = {
        "/robots.txt": Reply(200, big, {"Content-Type": "text/plain"}),
        "/pub/": Reply(200, html("private/x.html", "ok.html"), {"Content-Type": "text/html"}),
        "/pub/ok.html": Reply(200, html(title="ok"), {"Content-Type": "text/html"}),
        "/pub/private/x.html": Reply(200, html(title="secret"), {"Content-Type": "text/html"}),
    }
    with Site(routes) as site:
        crawler.crawl(Store(tmp_path / "home"), [site.base + "/pub/"], delay=0, depth=2)
        seen = site.paths()
    assert "/pub/ok.html" in seen and "/pub/private/x.html" not in seen


def test_a_slow_drip_download_has_a_deadline():
    def drip(site, hit):
        def body():
            for _ in range(200):
                time.sleep(0.05)
                yield b"x"

        return Reply(200, body(), {"Content-Type": "text/plain"})

    with Site({"/drip": drip}) as site, Fetcher(delay_for=lambda h: 0.0, deadline=1.0) as f:
        t0 = time.monotonic()
        res = f.fetch(site.base + "/drip")
        took = time.monotonic() - t0
    assert res.data is None and "longer than 1 s" in res.error
    assert took < 5  # the drip would take 10 s


def test_a_huge_retry_after_costs_no_waiting():
    sleeps: list[float] = []
    routes = {"/busy": Reply(503, b"busy", {"Retry-After": "999999"}, etag=False)}
    with Site(routes) as site, Fetcher(delay_for=lambda h: 0.0, retry=RetryPolicy(), sleep=sleeps.append) as f:
        res = f.fetch(site.base + "/busy")
        hits = len(site.hits("/busy"))
    assert hits == 1 and sum(sleeps) <= 60 and "999999" in res.error


def test_a_page_served_as_html_without_an_html_name_is_parsed_as_html(tmp_path):
    page = b"<p>1. The first paragraph on labour migration.</p>\n<p>2. The second paragraph.</p>\n"
    routes = {"/docs/note": Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})}
    store = Store(tmp_path / "home")
    with Site(routes) as site:
        crawler.crawl(store, [site.base + "/docs/note"], delay=0, depth=0)
    pipeline.parse_pending(store, isolate=False)
    texts = [u.text for u in store.units()]
    assert texts and not any("<p>" in t for t in texts), texts


# ---- 5: workers die with their parent ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_parse_workers_die_with_a_killed_ingest_and_let_go_of_its_output(tmp_path):
    import random

    rnd = random.Random(3)
    words = "migration policy regional consultative process labour mobility rights of the and".split()
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(2):  # each takes seconds to segment
        (docs / f"big-{i}.txt").write_text(" ".join(rnd.choices(words, k=1_500_000)) + "\n")
    env = {**os.environ, "PINCITE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pincite.cli", "ingest", "-j", "2", str(docs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    def live(pids) -> list[int]:  # a zombie (the zygote that forked the workers, not reaped yet) is no worker
        out = []
        for k in pids:
            try:
                if "Z" not in Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1][:3]:
                    out.append(k)
            except OSError:
                pass
        return sorted(out)

    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline and len(kids) < 2:
        kids = live(children_of(proc.pid))
        time.sleep(0.05)
    assert len(kids) == 2, "the workers never started"
    time.sleep(0.3)
    proc.kill()
    proc.wait()
    # EOF comes only once nobody holds the write end of stdout: the workers must not
    import select

    t0 = time.monotonic()
    eof = False
    while not eof and time.monotonic() - t0 < 3:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        eof = bool(ready) and os.read(proc.stdout.fileno(), 65536) == b""
    proc.stdout.close()
    proc.stderr.close()
    assert eof, "the ingest's stdout stayed open after it was killed"
    time.sleep(0.5)
    alive = live(kids)
    assert not alive, f"workers {alive} outlived the ingest"


# ---- 9, 10: what a file claims to be ----------------------------------------------------------------
def test_random_bytes_named_txt_are_not_a_document(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "random.txt").write_bytes(os.urandom(1 << 20))
    (docs / "good.txt").write_text(GOOD)
    r = pincite(tmp_path / "home", "ingest", str(docs))
    no_traceback(r)
    assert r.returncode == 1 and "random.txt" in r.stderr and "unsupported file type" in r.stderr
    assert [d.id for d in Store(tmp_path / "home").documents()] == ["good"]


def test_a_huge_paragraph_is_cut_so_segmentation_stays_linear(tmp_path):
    big = tmp_path / "one-paragraph.txt"
    big.write_text(" ".join(["migration policy and the rights of workers"] * 40_000) + "\n")  # 1.7 MB
    store = Store(tmp_path / "home")
    pipeline.add_paths(store, [big])
    out = pipeline.parse_pending(store, isolate=False)
    assert not out[0].failed
    units = list(store.units())
    assert len(units) > 50 and max(len(u.text) for u in units) <= 20_000  # ingest.valid.MAX_BLOCK


def test_an_aes_encrypted_pdf_with_an_empty_password_opens(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf([[(72, 700, 12, "1. The encrypted paragraph on labour mobility in the region.")]])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    pdf = tmp_path / "aes.pdf"
    with open(pdf, "wb") as f:
        writer.write(f)
    r = pincite(tmp_path / "home", "ingest", str(pdf))
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert "encrypted paragraph" in pincite(tmp_path / "home", "search", "encrypted").stdout


@pytest.mark.slow
def test_a_huge_docx_is_a_clear_error(tmp_path):
    path = tmp_path / "huge.docx"
    huge_docx(path, 264)  # past pipeline.DOCX_XML_MAX (256 MB)
    r = pincite(tmp_path / "home", "ingest", str(path), timeout=300)
    no_traceback(r)
    assert r.returncode == 1 and "huge.docx" in r.stderr and "too large" in r.stderr, r.stderr


# ---- 11: what pincite prints -------------------------------------------------------------------------
def test_terminal_escapes_never_reach_the_terminal_and_csv_cells_never_run(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "esc.txt").write_text(
        "\x1b]0;owned\x07\x1b[2J\x1b[31mTitle of the report\n\n1. Labour mobility \x1b[8mhidden\x1b[0m text.\n"
    )
    (docs / "formula.txt").write_text('=HYPERLINK("http://evil.example/","labour mobility")\n\n2. Other.\n')
    home = tmp_path / "home"
    assert pincite(home, "ingest", str(docs)).returncode == 0
    for fmt in ("text", "csv"):
        r = pincite(home, "search", "labour mobility", "--format", fmt)
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "Labour" in r.stdout
    rows = pincite(home, "search", "hyperlink", "--format", "csv").stdout.splitlines()
    assert rows and not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.split(","))
    assert "'=HYPERLINK" in "\n".join(rows)
    from pincite.render import _csv_value

    assert _csv_value("-1.5") == "-1.5" and _csv_value("-cmd|' /C calc'!A0").startswith("'-")


# ---- 12: smaller ------------------------------------------------------------------------------------
def test_a_sidecar_beside_one_copy_does_not_retitle_the_other(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD)
    (docs / "b.txt").write_text(GOOD)
    (docs / "b.txt.meta.toml").write_text('title = "The title given to copy b"\n')
    home = tmp_path / "home"
    for _ in range(2):  # and again: stable
        assert pincite(home, "ingest", str(docs)).returncode == 0
    titles = {Path(d.source).name: d.title for d in Store(home).documents()}
    assert titles["b.txt"] == "The title given to copy b"
    assert titles["a.txt"] != "The title given to copy b"


def test_empty_files_fifos_and_dangling_links_are_named(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    (docs / "empty-1.txt").write_text("")
    (docs / "empty-2.txt").write_text("")
    os.mkfifo(docs / "pipe.txt")
    (docs / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    r = pincite(tmp_path / "home", "ingest", str(docs), timeout=60)
    no_traceback(r)
    assert r.returncode == 1
    for name, why in [("empty-1.txt", "empty"), ("empty-2.txt", "empty"), ("pipe.txt", "FIFO"), ("dangling.txt", "link")]:
        line = next((ln for ln in r.stderr.splitlines() if name in ln), "")
        assert why in line, (name, r.stderr)
    assert [d.id for d in Store(tmp_path / "home").documents()] == ["good"]


# ---- the process-wide caches of search/engine.py -----------------------------------------------------
def test_a_home_rebuilt_in_one_process_gives_the_new_results(tmp_path):
    home = tmp_path / "home"
    src = tmp_path / "src"
    src.mkdir()
    (src / "old.txt").write_text("1. An old paragraph about the Puebla process.\n")
    ws = Workspace(home)
    ws.ingest([src])
    assert [h.doc.id for h in ws.search("Puebla").hits] == ["old"]
    ws.store.close()
    shutil.rmtree(home)
    (src / "old.txt").unlink()
    (src / "new.txt").write_text("1. A new paragraph about the Puebla process and the Bali process.\n")
    ws = Workspace(home)
    ws.ingest([src])
    assert [h.doc.id for h in ws.search("Puebla").hits] == ["new"]
