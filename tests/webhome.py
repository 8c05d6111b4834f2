"""A home for the web tests, and `pincite serve` run for real on a free loopback port.

The home holds the bundled samples, a two-page PDF (its second paragraph on page 2), the same report
in French (same symbol: the other language version) and a text whose title and paragraphs carry
HTML and script, which every page must show as text.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from pdfmaker import make_pdf
from pincite.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "pincite" / "samples"
SYMBOL = "A/HRC/99/7"
PDF_PAGES = [
    [(72, 760, 14, "Report of the Working Group on Pastoral Mobility"),
     (72, 700, 10, "1."), (100, 700, 10, "The Working Group met twice and heard herders and customs officers."),
     (72, 680, 10, "2."), (100, 680, 10, "Seasonal transhumance across borders needs documents that herders can obtain.")],
    [(72, 760, 10, "3."), (100, 760, 10, "Transhumance corridors should be mapped with the communities that use them."),
     (72, 740, 10, "4."), (100, 740, 10, "States should issue cross-border cattle passes free of charge.")],
]  # fmt: skip
PDF_FR = [
    [(72, 760, 14, "Rapport du Groupe de travail sur la mobilite pastorale"),
     (72, 700, 10, "1."), (100, 700, 10, "Le Groupe de travail s'est reuni deux fois et a entendu des eleveurs."),
     (72, 680, 10, "2."), (100, 680, 10, "La transhumance saisonniere exige des documents que les eleveurs obtiennent.")],
    [(72, 760, 10, "3."), (100, 760, 10, "Les couloirs de transhumance devraient etre cartographies avec les communautes."),
     (72, 740, 10, "4."), (100, 740, 10, "Les Etats devraient delivrer gratuitement des laissez-passer pour le betail.")],
]  # fmt: skip
HOSTILE_TITLE = "Hostile <script>window.pwned = 1</script> title"
HOSTILE = (
    "1. A paragraph on <b>migration</b> that carries <script>window.pwned = 2</script> and "
    '<img src=x onerror="window.pwned = 3"> in its text, which is shown and never run.\n\n'
    "2. A second paragraph on migration with a \"quoted\" & 'apostrophe' word.\n"
)
TRANSHUMANCE_CITE = f"{SYMBOL}, para. 3"  # the PDF's paragraph 3, on page 2


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def build_home(base: Path) -> tuple[Path, Path]:
    """A home with the samples, the PDF in English and French, and the hostile text; and the folder
    its files were ingested from."""
    src = base / "docs"
    shutil.copytree(SAMPLES, src)
    (src / "pastoral-mobility.pdf").write_bytes(make_pdf(PDF_PAGES))
    (src / "pastoral-mobility.pdf.meta.toml").write_text(f'symbol = "{SYMBOL}"\ndoctype = "report"\ndate = "2019-03-01"\n')
    (src / "mobilite-pastorale.pdf").write_bytes(make_pdf(PDF_FR))
    (src / "mobilite-pastorale.pdf.meta.toml").write_text(f'symbol = "{SYMBOL}"\ndoctype = "report"\ndate = "2019-03-01"\nlang = "fr"\n')
    (src / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (src / "hostile.txt.meta.toml").write_text(f"title = {HOSTILE_TITLE!r}\n".replace("'", '"'))
    home = base / "home"
    r = run("--home", str(home), "ingest", "-q", str(src))
    assert r.exit_code == 0, r.stderr
    return home, src


class Server:
    """`pincite --home HOME serve --port 0` in a process of its own; `url` is where it listens."""

    def __init__(self, home: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "pincite.cli", "--home", str(home), "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        self.first_line = self.proc.stderr.readline()  # said before it serves
        m = re.search(r"at (http://\S+/) ", self.first_line)
        if not m:
            self.proc.kill()
            rest = self.proc.stderr.read()
            raise AssertionError(f"pincite serve did not say where it listens: {self.first_line!r} {rest[-2000:]}")
        self.url = m.group(1).rstrip("/")
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        import httpx

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("pincite serve did not answer")

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a service manager stops it: its exit code and what it said on stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err
