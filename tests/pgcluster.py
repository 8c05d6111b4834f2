"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temporary folder, a private
socket directory, no TCP port, trust authentication, stopped (and removed) at exit.

PostgreSQL refuses to run as root: as root (CI), the cluster runs as the `postgres` user (`runuser`).
`find_bindir()` is None when no PostgreSQL server binaries are installed; tests then skip, saying so.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BINDIR, Debian's /usr/lib/postgresql/N/bin, or PATH."""
    env = os.environ.get("PG_BINDIR")
    cands = [env] if env else []
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        cands.append(str(Path(found).parent))
    for c in cands:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


class Cluster:
    """One PostgreSQL server on a unix socket in a private folder."""

    def __init__(self, bindir: Path, base: Path | None = None, settings: dict[str, str] | None = None) -> None:
        self.bindir = bindir
        self.settings = dict(settings or {})  # server settings (-c name=value), e.g. shared_buffers
        self.base = Path(base or tempfile.mkdtemp(prefix="pincite-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.port = 5432
        self.as_root = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.as_root:
            # runuser is in /usr/sbin, which a PATH set for a user (not root) leaves out
            cmd = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> Cluster:
        self.sock.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")
            os.chmod(self.base, 0o755)
        self._run(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")  # fmt: skip
        opts = f"-k {self.sock} -c listen_addresses='' -p {self.port} -c fsync=off -c max_connections=60"
        opts += "".join(f" -c {k}={v}" for k, v in self.settings.items())
        r = self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.base / "log", "-w", "start",
                      check=False)  # fmt: skip
        if r.returncode:
            log = (self.base / "log").read_text(errors="replace") if (self.base / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr}{log[-2000:]}")
        self.started = True
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.sock}&port={self.port}"

    def createdb(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)
