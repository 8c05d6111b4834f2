"""The first hour of a new user, through the CLI: exit codes that hold on a re-run, what folders give,
`remove` taking the bytes out, --home checks, failed crawls, progress, output conventions borrowed
from rg / sqlite-utils / recollq (--color, -c, -l, tsv, table, paths on stdin, a config file), help
with examples for every command, and `open`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLES
from pdfmaker import encrypt, make_pdf
from pincite.cli import cli
from pincite.corpus.store import Store

GOOD = "1. A paragraph about labour migration that is long enough to be indexed as a unit.\n"
PAGE = [(72, 700, 14, "Report on synthetic documents"), (72, 660, 10, "1."),
        (100, 660, 10, "The first paragraph speaks of seasonal workers and their visas.")]  # fmt: skip
PAGE2 = [(72, 760, 10, "2."), (100, 760, 10, "The second paragraph speaks of remittance corridors.")]


def run(*args, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


@pytest.fixture
def corpus(home, tmp_path):
    src = tmp_path / "docs"
    shutil.copytree(SAMPLES, src)
    assert run("ingest", str(src)).exit_code == 0
    return src


# ---- exit codes that hold on a re-run ---------------------------------------------------------------
def test_scans_and_locked_pdfs_are_waiting_not_failed_and_a_rerun_says_the_same(home, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.pdf").write_bytes(make_pdf([PAGE]))
    (d / "scan.pdf").write_bytes(make_pdf([[]]))
    (d / "locked.pdf").write_bytes(encrypt(make_pdf([PAGE]), user_password="secret"))
    for _ in range(2):
        r = run("ingest", str(d))
        assert r.exit_code == 0, r.stderr
        assert "scan.pdf: needs-ocr" in r.stderr and "locked.pdf: needs-password" in r.stderr
        assert "0 failed" in r.stderr and "2 waiting for OCR or a password" in r.stderr


def test_a_broken_file_fails_the_same_way_every_time(home, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(GOOD)
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    first, second = run("ingest", str(d)), run("ingest", str(d))
    assert first.exit_code == second.exit_code == 1
    assert "broken.pdf: failed" in first.stderr and "broken.pdf: failed" in second.stderr
    assert "1 failed" in second.stderr


# ---- folders -----------------------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "mixed"
    (d / "drafts").mkdir(parents=True)
    (d / "keep.txt").write_text(GOOD)
    (d / "notes.md").write_text("# Notes\n\n" + GOOD.replace("labour", "circular"))
    (d / "data.csv").write_text("country,migrants\nPeru,12\n")
    (d / "script.py").write_text("print('hello')\n")
    (d / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (d / "drafts" / "draft.txt").write_text(GOOD.replace("labour", "draft"))
    return d


def docs_of(home) -> dict[str, str]:
    return {Path(s).name: d.id for d in Store(home).documents() for s in d.sources}


def test_a_folder_gives_its_documents_and_names_what_it_left_out(home, folder):
    r = run("ingest", str(folder))
    assert r.exit_code == 0, r.stderr  # a .png in the folder is no failure
    assert set(docs_of(home)) == {"keep.txt", "notes.md", "draft.txt"}
    assert "left out 3 files not of the types read by default (.csv 1, .png 1, .py 1)" in r.stderr
    assert "data.csv" in r.stderr and "--include" in r.stderr
    named = run("ingest", str(folder / "data.csv"))  # named, it is taken whatever its ending
    assert named.exit_code == 0 and "data.csv" in docs_of(home)


def test_include_and_exclude_globs(home, folder):
    r = run("ingest", str(folder), "--exclude", "drafts", "--exclude", "notes.*")
    assert set(docs_of(home)) == {"keep.txt"}
    assert "left out 2 files by --exclude" in r.stderr and "draft.txt" in r.stderr
    r = run("ingest", str(folder), "--include", "*.csv", "--include", "drafts/*.txt")
    assert {"data.csv", "draft.txt"} <= set(docs_of(home)) and "notes.md" not in docs_of(home)
    assert "not matching --include" in r.stderr


def test_paths_on_stdin(home, folder):
    listing = f"{folder / 'keep.txt'}\n{folder / 'data.csv'}\n"
    r = run("ingest", "-", input=listing)
    assert r.exit_code == 0, r.stderr
    assert set(docs_of(home)) == {"keep.txt", "data.csv"}
    r = run("ingest", "-", input=f"{folder / 'notes.md'}\0")  # find -print0
    assert "notes.md" in docs_of(home)
    assert run("ingest", "-", input="").exit_code == 2


# ---- remove ------------------------------------------------------------------------------------------
def raw_files(home) -> list[Path]:
    return [p for p in (home / "raw").rglob("*") if p.is_file()]


def test_remove_deletes_the_bytes_and_the_folder_does_not_bring_it_back(home, folder):
    run("ingest", str(folder / "keep.txt"), str(folder / "notes.md"))
    shutil.copy(folder / "keep.txt", folder / "same-bytes.txt")
    run("ingest", str(folder / "same-bytes.txt"))  # the same bytes: one document, two sources
    ids = docs_of(home)
    secret = (folder / "notes.md").read_bytes()
    assert any(p.read_bytes() == secret for p in raw_files(home))
    r = run("remove", ids["notes.md"])
    assert r.exit_code == 0
    assert not any(p.read_bytes() == secret for p in raw_files(home))
    assert run("search", "circular").exit_code == 1
    # the folder again: the removed file stays out, and the note says how to bring it back
    r = run("ingest", str(folder))
    assert "notes.md" not in docs_of(home) and "removed with `pincite remove`" in r.stderr
    assert "ingest a file by name to bring it back" in r.stderr
    assert run("search", "circular").exit_code == 1
    # by name, it comes back
    assert run("ingest", str(folder / "notes.md")).exit_code == 0
    assert "notes.md" in docs_of(home) and run("search", "circular").exit_code == 0
    r = run("ingest", str(folder))
    assert "removed with" not in r.stderr


def test_remove_keeps_bytes_another_document_still_has(home, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.txt").write_text(GOOD)
    (b / "x.txt").write_text(GOOD)
    run("ingest", str(a / "x.txt"))
    # b/x.txt is an alias of the same document; give it its own document by changing a's bytes later
    store = Store(home)
    sha = store.documents()[0].sha256
    run("ingest", str(b / "x.txt"))
    (a / "x.txt").write_text(GOOD.replace("labour", "seasonal"))
    run("ingest", str(a / "x.txt"))
    docs = {Path(d.source).parent.name: d for d in Store(home).documents()}
    assert docs["b"].sha256 == sha and docs["a"].sha256 != sha
    run("remove", docs["a"].id)
    assert store.raw_path(sha, ".txt").is_file()  # still b's
    run("remove", docs["b"].id)
    assert not store.raw_path(sha, ".txt").exists()


# ---- --home --------------------------------------------------------------------------------------------
def test_a_mistyped_home_is_not_created_by_a_read_command(tmp_path, monkeypatch):
    monkeypatch.delenv("PINCITE_HOME", raising=False)
    typo = tmp_path / "hoem"
    for args in (["search", "migration"], ["docs"], ["status"], ["show", "x#1"], ["export"], ["index"]):
        r = run("--home", str(typo), *args)
        assert r.exit_code == 1, args
        assert f"no pincite home at {typo}" in r.stderr and "Traceback" not in r.stderr
        assert not typo.exists()
    f = tmp_path / "one.txt"
    f.write_text(GOOD)
    assert run("--home", str(typo), "ingest", str(f)).exit_code == 0  # a writing command creates it
    assert run("--home", str(typo), "search", "labour").exit_code == 0


# ---- crawls that fail --------------------------------------------------------------------------------
def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_host_is_a_failed_crawl_not_a_robots_skip(home):
    url = f"http://127.0.0.1:{_closed_port()}/rcp/"
    r = run("crawl", url, "--delay", "0", "--contact", "https://example.org/me")
    assert r.exit_code == 1
    assert "cannot reach 127.0.0.1" in r.stderr and "1 failed" in r.stderr
    assert "skipped by robots" not in r.stderr


def test_a_sources_crawl_with_no_network_exits_1(home, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[defaults]\ndelay = 0\ncontact = "https://example.org/me"\n'
        f'[sources.rcm]\nstart = "http://127.0.0.1:{_closed_port()}/rcm/"\n'
    )
    r = run("crawl", "--sources", str(sources), "-q")
    assert r.exit_code == 1 and "cannot reach" in r.stderr


# ---- text output -------------------------------------------------------------------------------------
def test_text_is_wrapped_to_the_terminal_width(corpus):
    for cols in (60, 80, 120):
        r = run("search", "migration", "--limit", "5", env={"COLUMNS": str(cols)})
        body = [line for line in r.stdout.splitlines() if line.startswith("    ") and not line.startswith("    —")]
        assert body and max(len(line) for line in body) <= cols
        if cols == 120:
            assert max(len(line) for line in body) > 100


def test_docs_counts_in_the_singular_and_facets_end_with_a_newline(corpus):
    out = run("docs").stdout
    assert "15 paragraphs, 1 footnote —" in out and "1 footnotes" not in out
    r = run("search", "migration", "--facets", "--limit", "0")
    assert r.stdout.startswith("type:") and r.stdout.endswith("\n") and not r.stdout.endswith("\n\n")


def test_a_hit_prints_its_file_and_page(home, tmp_path):
    (tmp_path / "two-pages.pdf").write_bytes(make_pdf([PAGE, PAGE2]))
    run("ingest", str(tmp_path / "two-pages.pdf"))
    r = run("search", "remittance corridors")
    assert f"— {tmp_path / 'two-pages.pdf'}, p. 2" in r.stdout


# ---- rg / sqlite-utils conventions ----------------------------------------------------------------------
def test_color_always_never(corpus):
    always = run("search", "gratitude", "--color", "always").stdout
    assert "\x1b[1;33mgratitude\x1b[0m" in always
    assert "\x1b[" not in run("search", "gratitude", "--color", "never").stdout
    assert run("search", "gratitude", "--color", "sometimes").exit_code == 2


def test_count_and_files(corpus):
    total = json.loads(run("search", "migration", "--format", "json", "--facets").stdout)["total"]
    r = run("search", "migration", "-c")
    assert (r.exit_code, r.stdout) == (0, f"{total}\n")
    assert run("search", "xyzzyquux", "-c").stdout == "0\n"
    files = run("search", "troikas OR gratitude", "-l").stdout.splitlines()
    assert files and all(Path(f).is_file() and Path(f).parent == corpus for f in files)
    assert len(files) == len(set(files))
    rows = json.loads(run("search", "troikas OR gratitude", "-l", "--format", "json").stdout)
    assert [r["source"] for r in rows] == files and all(r["hits"] >= 1 for r in rows)
    assert run("search", "troikas OR gratitude", "-l", "-c").stdout == f"{len(files)}\n"
    assert run("search", "xyzzyquux", "-l").exit_code == 1


def test_tsv_and_table(corpus):
    tsv = run("search", "Global Compact", "--format", "tsv", "--limit", "3").stdout.splitlines()
    head = tsv[0].split("\t")
    assert len(tsv) == 4 and {"cite", "text", "source"} <= set(head)
    assert all(len(line.split("\t")) == len(head) for line in tsv)
    r = run("docs", "--format", "table", env={"COLUMNS": "100"})
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["doc", "symbol"] and set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + 5 and all(len(line) <= 100 for line in lines)
    assert any(line.startswith("letter-peru-unga-rcp-chairs-summary-2013 ") for line in lines)
    t = run("search", "Global Compact", "--format", "table", "--limit", "2", env={"COLUMNS": "90"}).stdout
    assert t.splitlines()[0].startswith("cite") and all(len(x) <= 90 for x in t.splitlines())
    assert run("show", "A/68/190, annex, para. 2", "--format", "tsv").stdout.startswith("role\tcite")


# ---- the config file ---------------------------------------------------------------------------------------
def test_config_file_gives_defaults_the_command_line_overrides(corpus, tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('format = "jsonl"\n\n[search]\nlimit = 2\n')
    monkeypatch.setenv("PINCITE_CONFIG", str(cfg))
    lines = run("search", "migration").stdout.splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["cite"]
    assert len(run("search", "migration", "--limit", "3").stdout.splitlines()) == 3
    assert run("docs").stdout.startswith("{")  # `format` reaches every command that offers it
    assert run("export", "--doc", "minutes-rcm-sacm-virtual-meeting-2017").exit_code == 0


def test_config_file_home_and_crawl_contact(tmp_path, monkeypatch):
    monkeypatch.delenv("PINCITE_HOME", raising=False)
    home = tmp_path / "configured-home"
    cfg = tmp_path / "xdg" / "pincite" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f'home = "{home}"\n[crawl]\ncontact = "https://example.org/me"\ndelay = 0\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert run("docs").exit_code == 1 and not home.exists()  # a configured home is checked like --home
    (tmp_path / "a.txt").write_text(GOOD)
    assert run("ingest", str(tmp_path / "a.txt")).exit_code == 0 and (home / "catalogue.sqlite").is_file()
    r = run("crawl", f"http://127.0.0.1:{_closed_port()}/x/")
    assert "no --contact given" not in r.stderr


def test_a_bad_config_file_is_a_usage_error_naming_it(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("PINCITE_CONFIG", str(cfg))
    for text, says in (
        ("[search]\nlimt = 3\n", "[search] limt"),
        ("[serach]\nlimit = 3\n", "no command named 'serach'"),
        ('[search]\nformat = "yaml"\n', "yaml"),
        ("limit = [unclosed\n", "config.toml"),
    ):
        cfg.write_text(text)
        r = run("docs")
        assert r.exit_code == 2 and says in r.stderr and str(cfg) in r.stderr, text
    cfg.unlink()
    assert run("docs").exit_code == 2  # named by PINCITE_CONFIG, so it must exist


# ---- help, version, completion -------------------------------------------------------------------------
def test_every_command_and_option_has_help_and_examples():
    import click

    for name, cmd in cli.commands.items():
        assert cmd.help, f"{name} has no help"
        text = run(name, "--help").stdout
        assert "Examples:" in text, f"`pincite {name} --help` has no examples"
        examples = text.split("Examples:", 1)[1]
        assert f"pincite {name}" in examples, f"the examples of {name} do not run it"
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"pincite {name} {p.opts[0]} has no help text"
    assert "Examples:" in run("--help").stdout


def test_version_and_completion():
    from pincite import __version__

    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.stdout
    env = {**os.environ, "_PINCITE_COMPLETE": "bash_source"}
    out = subprocess.run([sys.executable, "-c", "from pincite.cli import main; main()"], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0 and "_pincite_completion" in out.stdout
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "_PINCITE_COMPLETE=bash_source" in readme and "| exit code |" in readme


# ---- the process's end ----------------------------------------------------------------------------------
# the `pincite` command as a user runs it: `main()`, which ends the process without its teardown
MAIN = [sys.executable, "-c", "from pincite.cli import main; main()"]


def _main(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*MAIN, *args], capture_output=True, text=True, timeout=120, **kw)


def test_the_command_ends_with_its_own_exit_code_and_all_its_output(home, tmp_path):
    src = tmp_path / "docs"
    shutil.copytree(SAMPLES, src)
    assert _main(["ingest", "-q", str(src)]).returncode == 0
    # the catalogue was closed as the command ended: SQLite folded its write-ahead log back in
    assert (home / "catalogue.sqlite").is_file() and not (home / "catalogue.sqlite-wal").exists()
    everything = _main(["search", "migration", "-n", "1000", "--format", "jsonl"])
    rows = [json.loads(line) for line in everything.stdout.splitlines()]  # all of it, every line whole
    assert everything.returncode == 0 and len(rows) > 20 and all(r["cite"] for r in rows)
    assert _main(["search", "zzqqxxvv"]).returncode == 1
    usage = _main(["search", "--no-such-option"])
    assert usage.returncode == 2 and "No such option" in usage.stderr and "Traceback" not in usage.stderr


def test_a_reader_that_stops_reading_gets_no_traceback(home, tmp_path):
    import fcntl

    src = tmp_path / "docs"
    shutil.copytree(SAMPLES, src)
    assert _main(["ingest", "-q", str(src)]).returncode == 0
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)  # a page: the results do not fit, the writer must wait
    proc = subprocess.Popen(
        [*MAIN, "search", "migration", "-n", "1000", "--format", "jsonl"], stdout=write, stderr=subprocess.PIPE
    )
    os.close(write)
    first = os.read(read, 200)  # `| head -c 200`: a little of it, and the pipe closed
    os.close(read)
    err = proc.stderr.read().decode()
    assert first.startswith(b'{"')
    # click's own answer to a closed pipe: 1 (EPIPE caught in the command), or 0 when the rest of the
    # output was already in the pipe as it closed; never a traceback, nor Python's 120 for a failed flush
    assert proc.wait(timeout=60) in (0, 1) and "Traceback" not in err and "Exception ignored" not in err


def test_the_samples_catalogue_is_closed_too(home):
    r = _main(["search", "labour mobility"])
    assert r.returncode == 0 and "bundled sample corpus" in r.stderr
    assert (home / "samples" / "catalogue.sqlite").is_file() and not (home / "samples" / "catalogue.sqlite-wal").exists()


# ---- open ------------------------------------------------------------------------------------------------
@pytest.fixture
def pdf_home(home, tmp_path):
    pdf = tmp_path / "two-pages.pdf"
    pdf.write_bytes(make_pdf([PAGE, PAGE2]))
    run("ingest", str(pdf))
    cite = json.loads(run("search", "remittance corridors", "--format", "json").stdout)[0]["cite"]
    return pdf, cite


def _viewer(bin_dir: Path, name: str) -> Path:
    """A stand-in for a desktop viewer (none runs headless): it records the arguments it was given."""
    bin_dir.mkdir(exist_ok=True)
    log = bin_dir / f"{name}.args"
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    script.chmod(0o755)
    return log


def _wait_for(path: Path) -> str:
    import time

    for _ in range(100):
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never written")


def test_open_prints_the_file_and_page(pdf_home):
    pdf, cite = pdf_home
    r = run("open", cite, "--print")
    assert (r.exit_code, r.stdout) == (0, f"{pdf}\t2\n")
    pdf.unlink()  # moved away: pincite's own copy in the home
    path, page = run("open", cite, "--print").stdout.rstrip("\n").split("\t")
    assert Path(path).is_file() and "/raw/" in path and page == "2"


def test_open_runs_a_page_viewer_or_says_there_is_none(pdf_home, tmp_path):
    pdf, cite = pdf_home
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    r = run("open", cite, env={"PATH": str(bin_dir)})
    assert r.exit_code == 1 and "no desktop viewer found" in r.stderr and f"{pdf}, p. 2" in r.stderr
    opener = _viewer(bin_dir, "xdg-open")
    r = run("open", cite, env={"PATH": str(bin_dir)})
    assert r.exit_code == 0 and _wait_for(opener).splitlines() == [str(pdf)]
    assert "the paragraph is on p. 2" in r.stderr
    zathura = _viewer(bin_dir, "zathura")
    r = run("open", cite, env={"PATH": str(bin_dir)})
    assert _wait_for(zathura).splitlines() == ["--page=2", str(pdf)] and "at p. 2 with zathura" in r.stderr
    own = _viewer(bin_dir, "myviewer")
    run("open", cite, "--viewer", f"{bin_dir / 'myviewer'} -p {{page}} {{path}}", env={"PATH": str(bin_dir)})
    assert _wait_for(own).splitlines() == ["-p", "2", str(pdf)]


# ---- progress ------------------------------------------------------------------------------------------
def test_progress_off_a_terminal_is_a_counted_line_per_stage_and_nothing_when_quiet(home, folder):
    r = run("ingest", str(folder))
    assert "pincite: files: 3 files (3 left out)" in r.stderr
    assert "pincite: parse: 3 documents" in r.stderr
    q = run("ingest", str(folder / "keep.txt"), str(folder / "drafts"), "-q")
    assert q.exit_code == 0 and q.stderr == ""
    assert run("index", "-q").stderr == ""


def _run_on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run pincite with its stderr on a pseudo-terminal; return the exit code and what it showed."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # rows, columns
    proc = subprocess.Popen([sys.executable, "-c", "from pincite.cli import main; main()", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, env=env)  # fmt: skip
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=120), out.decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_bars_on_a_terminal(home, folder):
    env = {**os.environ, "PINCITE_HOME": str(home), "COLUMNS": "100"}
    code, shown = _run_on_a_terminal(["ingest", str(folder)], env)
    assert code == 0
    assert re.search(r"\rparse: +\d+%\|.*\| \d/3 ", shown)  # tqdm's bar, drawn and cleared
    assert "\rindex… " in shown
    assert "pincite: parse: 3 documents" not in shown  # the bar replaces the counted line
    code, shown = _run_on_a_terminal(["ingest", str(folder), "-q"], env)
    assert code == 0 and shown.strip() == ""


def test_a_removed_web_document_stays_out_of_later_crawls_unless_it_is_a_start_url(home):
    from crawlsite import Reply, Site, html

    site = Site({"/robots.txt": Reply(404)})
    site.routes["/r/index.html"] = Reply(200, html("a.html", "b.html", title="index"))
    site.routes["/r/a.html"] = Reply(200, html(title="alpha"))
    site.routes["/r/b.html"] = Reply(200, html(title="beta"))
    with site:
        start = f"{site.base}/r/index.html"
        args = ["--delay", "0", "--contact", "https://example.org/me", "--depth", "1"]
        assert run("crawl", start, *args).exit_code == 0
        store = Store(home)
        gone = store.doc_for_source(f"{site.base}/r/a.html")
        assert run("remove", gone).exit_code == 0
        r = run("crawl", start, *args)
        assert r.exit_code == 0 and "1 left out (removed with `pincite remove`)" in r.stderr
        assert Store(home).doc_for_source(f"{site.base}/r/a.html") is None
        # named as a start URL, it comes back
        assert run("crawl", f"{site.base}/r/a.html", *args).exit_code == 0
        assert Store(home).doc_for_source(f"{site.base}/r/a.html") is not None
