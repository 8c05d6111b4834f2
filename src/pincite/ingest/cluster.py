"""Parsing on a Dask cluster: `pincite ingest --dask SCHEDULER`.

One task per document. The home reads each pending document's raw bytes and sends them with the
task, so workers need pincite installed but not the home (they may be other machines). On the
worker, the parse runs in a forked child with the same memory cap (RLIMIT_AS) and time-out as a
local ingest (`pipeline.DEFAULT_MEMORY_MB`, `DEFAULT_TIMEOUT`; longer with OCR), so one hostile
file fails alone and never takes the worker down. Results come back as tasks finish and are saved
into the home's catalogue; each document's failure is recorded as a local ingest records it
(status and reason), and a worker that dies under a task fails that task's document only.

Dask is an optional extra: `pip install 'pincite[dask]'`.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pincite.corpus.model import FAILED
from pincite.corpus.store import Store
from pincite.errors import PinciteError
from pincite.ingest import pipeline
from pincite.ingest.pipeline import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, OCR_TIMEOUT, Outcome

CONNECT_TIMEOUT = 20.0  # seconds to reach the scheduler


class DaskUnavailable(PinciteError):
    exit_code = 2


def parse_task(
    data: bytes,
    suffix: str,
    name: str,
    doc_id: str,
    overrides: dict,
    content_type: str,
    options: dict | None,
    memory_mb: int,
    timeout: float,
) -> tuple:
    """On a Dask worker: parse one document in a forked child (memory cap, time-out), and return
    ("ok", meta, units) or ("error", status, reason). Never raises for the document's fault."""
    import multiprocessing

    with tempfile.TemporaryDirectory(prefix="pincite-task-") as tmp:
        path = Path(tmp) / f"raw{suffix}"
        path.write_bytes(data)
        recv, send = multiprocessing.Pipe(duplex=False)
        parent = os.getpid()
        pid = os.fork()  # the worker is a daemon process: multiprocessing.Process may not start there
        if pid == 0:  # the child: pipeline's own worker body, then out without running any cleanup
            code = 0
            try:
                recv.close()
                pipeline._child(send, str(path), name, doc_id, overrides, memory_mb, content_type, parent, options)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        send.close()
        try:
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    return ("error", FAILED, f"parsing took longer than {timeout:g} s")
                ready, _, _ = select.select([recv], [], [], min(left, 1.0))
                if ready:
                    break
            try:
                return pickle.loads(recv.recv_bytes())
            except (EOFError, OSError):
                _, status = os.waitpid(pid, 0)
                pid = 0
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
                why = f"killed by signal {sig}" if sig else f"exit code {os.waitstatus_to_exitcode(status)}"
                return ("error", FAILED, f"the parser crashed ({why})")
        finally:
            recv.close()
            if pid:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass


def _client(scheduler: str):
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable("--dask needs Dask's distributed scheduler client: pip install 'pincite[dask]'") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None


def parse_on_dask(
    store: Store,
    scheduler: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    progress: Callable[[Outcome], None] | None = None,
    options: dict | None = None,
    client=None,
) -> list[Outcome]:
    """Parse every pending document on the Dask cluster at `scheduler` (an address such as
    tcp://10.0.0.5:8786, or a `distributed.Client` as `client`), one task per document."""
    from distributed import as_completed

    todo = pipeline.pending(store, options)  # what a local ingest with these options would read
    if not todo:
        return []
    own = client is None
    client = client or _client(scheduler)
    outcomes: list[Outcome] = []
    try:
        futures = {}
        for doc_id, sha, ext, source, opts in todo:
            raw = store.raw_path(sha, ext)
            reading = pipeline.reading_of(ext, opts)
            try:
                data = raw.read_bytes()
            except OSError as e:
                _record(store, outcomes, progress, (doc_id, source, reading), ("error", FAILED, e.strerror or str(e)))
                continue
            limit = max(timeout, OCR_TIMEOUT) if opts.get("ocr") else timeout
            fut = client.submit(
                parse_task, data, raw.suffix, source, doc_id, store.overrides(doc_id), store.content_type(source),
                opts, memory_mb, limit, key=f"pincite-parse-{doc_id}-{sha[:16]}", pure=False, retries=0,
            )  # fmt: skip
            futures[fut] = (doc_id, source, reading)
        with client.as_current():
            for fut in as_completed(list(futures)):
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as e:  # noqa: BLE001 - the worker died under it, or the task could not run
                    result = ("error", FAILED, f"the Dask task failed: {type(e).__name__}: {e}")
                _record(store, outcomes, progress, job, result)
    finally:
        if own:
            client.close()
    return outcomes


def _record(store: Store, outcomes: list, progress, job: tuple[str, str, str], result: tuple) -> None:
    """Save one document's parse (or its failure) as a local ingest does: `job` is (id, source, reading)."""
    doc_id, source, reading = job
    oc = pipeline.save_outcome(store, doc_id, source, result, reading)
    outcomes.append(oc)
    if progress:
        progress(oc)
