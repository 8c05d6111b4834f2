"""Generations of the embedded index on disk: the CURRENT pointer, markers and their lists of files,
the writer's lock, recovery after a crash.

Layout under `<home>/index/`::

    CURRENT          the name of the live generation (replaced atomically with os.replace)
    LOCK             held (flock) by the one process that writes; readers never take it
    gen-000003/      a Whoosh index, with a PINCITE marker file written last, once it is whole

When CURRENT is missing or names a generation that is not whole, readers fall back to the newest
generation that carries our marker, and the next writer points CURRENT at it (or rebuilds).

Whoosh pickles its schema: we open only generations that carry our marker, inside our own home (a
generation or a CURRENT that is a symbolic link is refused), and Whoosh's unpickling is restricted to
its own classes (`pincite.index.trusted`). The marker lists every file of the generation with its size
and SHA-256: a reader checks the sizes (a truncated file is caught before Whoosh reads it, and the
next `pincite index` rebuilds), `status --verify` reads every file and checks its hash.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as windex

from pincite.errors import IndexBusy, StoreError
from pincite.index import trusted
from pincite.index.backend import LOCK_WAIT

trusted.install()  # Whoosh unpickles its files: let it rebuild only its own classes

MARKER = "PINCITE"
INDEX_FORMAT = 5  # 2: no stop words, accent variants, facet columns; 3: fr elision, pt plurals;
# 4: stems only (words as written in WORDS), nothing stored, seq a column; 5: Snowball's current
# stemmers (PyStemmer)
GEN_RE = re.compile(r"^gen-(\d{6})$")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path, settled: dict | None = None) -> None:
    """Make every file of `path` durable, and the directory; `settled`: files already synced."""
    for f in path.iterdir():
        if f.is_file() and not (settled and f.name in settled):
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _entry(fh) -> list:
    """An open file's entry in a generation's list of files: [its size, its SHA-256], as read."""
    import hashlib

    digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return [fh.tell(), digest]


def _settle(path: Path, names: Iterable[str]) -> dict[str, list]:
    """Make these files of `path` durable and list them as `_file_list` does (name → [size,
    sha256]): done by the process that wrote them, as it finishes (an index writer), so that the
    generation's files are synced and hashed in parallel rather than one after another at its end."""
    out = {}
    for name in names:
        with open(path / name, "rb") as fh:
            os.fsync(fh.fileno())
            out[name] = _entry(fh)
    return out


def _file_list(
    path: Path, known: dict, known_dir: Path | None = None, settled: dict | None = None
) -> dict[str, list]:
    """Every file of a generation (but its marker and lock): name → [size, sha256]. A file that is
    the same file (a hard link) as the one of that name in `known_dir`, listed in `known`, keeps its
    hash: Whoosh never rewrites a file, so only the new ones are read. `settled`: files listed by
    the writer that made them (`_settle`), read no more when their size is the same."""
    out = {}
    for f in sorted(path.iterdir()):
        if not f.is_file() or f.name == MARKER or f.name.endswith("WRITELOCK"):
            continue
        st = f.stat()
        done = settled.get(f.name) if settled else None
        if done and done[0] == st.st_size:
            out[f.name] = done
            continue
        old = known.get(f.name)
        if old and known_dir is not None and old[0] == st.st_size:
            try:
                same = os.stat(known_dir / f.name).st_ino == st.st_ino
            except OSError:
                same = False
            if same:
                out[f.name] = old
                continue
        with open(f, "rb") as fh:
            out[f.name] = _entry(fh)
    return out


def _dir_size(path: Path) -> int:
    """Bytes on disk under `path`, counting hard-linked files once."""
    total, seen = 0, set()
    for p in path.rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file() and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def _why(e: OSError) -> str:
    why = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        why = f"{why} (the disk or a size limit is full)"
    return why


def _write_failed(e: OSError) -> StoreError:
    return StoreError(f"could not write the index: {_why(e)}; the previous index stays live")


class Generations:
    """The generations under `root` (`<home>/index`): which one is live, which are whole, the lock."""

    root: Path

    def _complete(self, name: str) -> bool:
        """A generation we wrote, whole: a well-formed name and our marker, of our format."""
        if not GEN_RE.match(name):
            return False
        try:
            marker = json.loads((self.root / name / MARKER).read_text())
        except (OSError, ValueError):
            return False
        return isinstance(marker, dict) and marker.get("format") == INDEX_FORMAT

    def pointer(self) -> str:
        """What CURRENT says: a generation name, "" when it is missing, or a description in
        parentheses of why it names nothing (a symbolic link, a directory, bytes that are no name).
        Never follows a link, never prints what another file holds."""
        path = self.root / "CURRENT"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return ""
        except OSError as e:
            if e.errno == errno.ELOOP:
                return "(a symbolic link, refused)"
            return "(a directory)" if path.is_dir() else f"(unreadable: {e.strerror})"
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "(not a regular file)"
            raw = os.read(fd, 64)
        except OSError as e:
            return "(a directory)" if e.errno == errno.EISDIR else f"(unreadable: {e.strerror})"
        finally:
            os.close(fd)
        name = raw.decode("ascii", "replace").strip()
        return name if GEN_RE.match(name) else "(not a generation name)"

    def current_name(self) -> str:
        """The generation CURRENT names, if it is whole; else ""."""
        name = self.pointer()
        return name if name and self._complete(name) else ""

    def live_name(self) -> str:
        """The generation readers use: CURRENT's, else the newest whole one."""
        name = self.current_name()
        if name:
            return name
        done = self.complete_generations()
        return done[-1] if done else ""

    def current_path(self) -> Path | None:
        name = self.live_name()
        return self.root / name if name else None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if GEN_RE.match(p.name) and not p.is_symlink() and p.is_dir()  # a link may lead anywhere
        )

    def complete_generations(self) -> list[str]:
        return [g for g in self.generations() if self._complete(g)]

    def _next_name(self) -> str:
        nums = [int(g.split("-")[1]) for g in self.generations()]
        return f"gen-{(max(nums) + 1 if nums else 1):06d}"

    def _switch(self, name: str) -> None:
        cur = self.root / "CURRENT"
        if cur.is_dir() and not cur.is_symlink():  # a planted or damaged CURRENT: os.replace cannot
            shutil.rmtree(cur)
        tmp = self.root / "CURRENT.tmp"
        with open(tmp, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")
        _fsync_dir(self.root)

    def cleanup(self, keep: int = 1) -> list[str]:
        """Remove generations older than the live one (keeping `keep`), newer ones and leftovers.

        Call it only while holding the lock: a generation without a marker may be one being built.
        """
        live = self.current_name()
        if not live:
            return []
        gens = self.generations()
        older = [g for g in gens if g < live and self._complete(g)]
        doomed = older[: max(0, len(older) - keep)]
        doomed += [g for g in gens if g > live or (g < live and not self._complete(g))]
        for g in doomed:
            shutil.rmtree(self.root / g, ignore_errors=True)
        for p in self.root.iterdir():
            if p.name.startswith("CURRENT.tmp") or (p.is_dir() and p.name.startswith(".tmp-")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        return sorted(doomed)

    def recover(self) -> list[str]:
        """Repair what a crash or a damaged home left, under the lock: point CURRENT at a whole
        generation when it names none, and remove incomplete and surplus generations. Returns
        what it did, one line each."""
        done: list[str] = []
        pointer = self.pointer()
        if not self.current_name():
            whole = self.complete_generations()
            if whole:
                self._switch(whole[-1])
                done.append(
                    f"CURRENT named {pointer or 'nothing'!r}, not a whole generation; now {whole[-1]}"
                )
        done += [f"removed {g}" for g in self.cleanup()]
        return done

    @contextmanager
    def lock(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """The one-writer lock over the whole index directory, with a bounded wait.

        An flock: the OS releases it when the holder dies, so a crash never leaves it stuck."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"the index is busy: another pincite process is writing it "
                            f"(waited {wait:g} s); try again"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def open(self, path: Path | None = None):
        """The live Whoosh index (or the generation at `path`, one of `current_path`'s answers), or
        None when there is none."""
        path = path or self.current_path()
        if path is None:
            name = self.pointer()
            if name and GEN_RE.match(name) and (self.root / name / MARKER).is_file():
                raise StoreError(
                    f"the index at {self.root / name} was built by another version of pincite; "
                    "run `pincite index --rebuild`"
                )
            return None
        damage = self.damage(path.name)
        if damage:
            raise StoreError(f"the index at {path} is damaged ({damage}); run `pincite index` to rebuild it")
        return self._open_path(path)

    def damage(self, name: str) -> str:
        """What is wrong with a generation's files, judged by their sizes against its marker ("" when
        they match, or when the marker predates the list of files). A few stat calls: cheap enough
        for every open."""
        files = self._manifest(name)
        if not files:
            return ""
        gen = self.root / name
        for fname, (size, _) in files.items():
            try:
                got = os.stat(gen / fname, follow_symlinks=False).st_size
            except OSError:
                return f"{fname} is missing"
            if got != size:
                return f"{fname} holds {got} bytes, not the {size} written"
        try:
            extra = [f for f in os.listdir(gen) if f.endswith(".toc") and f not in files]
        except OSError as e:
            return e.strerror or str(e)
        return f"{extra[0]} was not written by pincite" if extra else ""

    def _manifest(self, name: str) -> dict[str, list]:
        """The marker's list of files: name → [size, sha256]; {} for a marker without one."""
        try:
            files = json.loads((self.root / name / MARKER).read_text()).get("files") or {}
        except (OSError, ValueError, AttributeError):
            return {}
        return files if isinstance(files, dict) else {}

    @staticmethod
    def _open_path(path: Path):
        try:
            return windex.open_dir(str(path))
        except trusted.UntrustedIndex as e:
            raise StoreError(
                f"the index at {path} is not one pincite wrote ({e}); run `pincite index`"
            ) from e
        except (windex.EmptyIndexError, OSError, EOFError, ValueError) as e:
            raise StoreError(
                f"the index at {path} cannot be opened ({e}); run `pincite index --rebuild`"
            ) from e
        except Exception as e:  # noqa: BLE001 - a damaged file can make Whoosh fail in any way
            raise StoreError(
                f"the index at {path} cannot be opened ({type(e).__name__}: {e}); run `pincite index --rebuild`"
            ) from e

    def _read_everything(self, name: str) -> list[str]:
        """Read every file of a generation and check it against its marker: what is wrong, one line
        each (a truncated or altered postings file, a file missing, a file pincite did not write)."""
        files = self._manifest(name)
        if not files:
            return []
        gen = self.root / name
        out = []
        for fname, (size, digest) in sorted(files.items()):
            try:
                with open(gen / fname, "rb") as fh:
                    n, got = _entry(fh)
            except OSError as e:
                out.append(f"{fname}: {e.strerror or e}")
                continue
            if n != size:
                out.append(f"{fname} holds {n} bytes, not the {size} written")
            elif got != digest:
                out.append(f"{fname} is not the file written (its SHA-256 differs)")
        for f in sorted(os.listdir(gen)):
            if f not in files and f != MARKER and not f.endswith("WRITELOCK"):
                out.append(f"{f} was not written by pincite")
        return out
