"""Worker processes for the lettering engine's per-account search.

The engine (``reglo.core.lettering``) starts no process: ``propose_lettering(..., parallel=...,
workers=...)`` hands its per-account search to the callable given here, as a job
(``matching.AccountSearch``) over chunks of accounts. Accounts do not depend on one another and
the chunks are merged in order, so the proposal is the same, group for group, with one process or
several (``tests/addin/test_lettering_parallel.py``).

On Linux the processes are forked, by default on big ledgers: the job, millions of Python
objects on a big ledger, is then shared with the workers instead of being copied to them. On
Windows and macOS they are spawned, and only when ``REGLO_PROCESSUS=N`` asks for them: each
worker then receives the job pickled and imports Reglo (a second or two), worth it on big
ledgers only. In xlwings Lite (the browser) and on small ledgers the search stays in this
process. ``REGLO_PROCESSUS=N`` chooses the number of processes (``1``: none). A process that
runs other threads (a server answering the ribbon) does not fork unless ``REGLO_PROCESSUS``
asks for it. A worker that dies (memory, signal) does not lose its accounts: the chunks left
are searched here.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

MIN_LINES = 100_000  # below this, starting processes costs more than they save
MAX_WORKERS = 8

_JOB: Any = None


def _init(job: Any) -> None:
    global _JOB
    _JOB = job


def _run(chunk: list[int]) -> Any:
    return _JOB.run(chunk)


def start_method() -> str:
    """« fork » on Linux (the job is shared, not copied); « spawn » elsewhere (each worker
    receives the job pickled and imports Reglo: worth it only on big ledgers, so only when
    ``REGLO_PROCESSUS`` asks for it)."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        return "fork"
    return "spawn" if "spawn" in methods else ""


def workers() -> int:
    """How many processes the per-account search may use here."""
    wanted = os.environ.get("REGLO_PROCESSUS", "").strip()
    if wanted:
        try:
            n = max(1, min(int(wanted), MAX_WORKERS))
        except ValueError:
            return 1
        return n if start_method() else 1
    if start_method() != "fork":
        return 1
    if threading.active_count() > 1:
        # another thread (a server answering the ribbon, say) may hold a lock at the moment of
        # the fork, which the child would inherit held: no fork unless REGLO_PROCESSUS asks
        return 1
    return max(1, min(_cpus(), MAX_WORKERS))


def _cpus() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextmanager
def _main_not_rerun(method: str) -> Iterator[None]:
    """A spawned worker runs the parent's main script again unless told otherwise (the Excel
    add-in's server, a user's script without ``if __name__ == "__main__"``): the job needs only
    Reglo's modules, so the main module is hidden while the workers start."""
    main = sys.modules.get("__main__")
    if method != "spawn" or main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def process_map(job: Any, chunks: list[list[int]]) -> Iterator[Any]:
    """``job.run(chunk)`` for every chunk, in worker processes (``start_method``), results in chunk order."""
    n = min(workers(), len(chunks))
    done = 0
    method = start_method()
    if n > 1 and method:
        try:
            with warnings.catch_warnings():
                # Python ≥ 3.12 warns on fork when threads exist (pyarrow's pool, idle here):
                # the workers only run the pure-Python search
                warnings.simplefilter("ignore", DeprecationWarning)
                with _main_not_rerun(method):
                    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method), initializer=_init, initargs=(job,))
                    results = pool.map(_run, chunks)  # starts the workers
            try:
                for res in results:
                    done += 1
                    yield res
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        except (BrokenProcessPool, OSError):
            pass  # a worker died or none could start: the chunks left are searched here
    for chunk in chunks[done:]:
        yield job.run(chunk)


def thread_map(fn: Any, items: list) -> list:
    """``[fn(x) for x in items]`` side by side: the first item in this thread, each other in a
    thread of its own (the engine's column-wise steps, which run outside the interpreter: Arrow,
    numpy). Each item runs once; where no thread can start (a browser), the rest run here one
    after the other. An item's error is raised here once all have run. The threads are gone
    when it returns, before any fork of the search."""
    items = list(items)
    if not items:
        return []
    results: list = [None] * len(items)
    errors: list = [None] * len(items)

    def work(i: int) -> None:
        try:
            results[i] = fn(items[i])
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            errors[i] = exc

    started = []
    for i in range(1, len(items)):  # the first item in this very thread
        thread = threading.Thread(target=work, args=(i,), name=f"reglo-lettrage-{i}")
        try:
            thread.start()
        except RuntimeError:  # no thread can start here (a browser): the rest one after the other
            break
        started.append(thread)
    for i in [0, *range(len(started) + 1, len(items))]:  # the first, and those no thread took
        work(i)
    for thread in started:
        thread.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results


def search_threads(lines: int) -> dict[str, Any]:
    """The ``threads`` argument of ``propose_lettering`` for a ledger of ``lines`` (empty on one
    processor, or on a small ledger)."""
    return {"threads": thread_map} if _cpus() > 1 and lines >= MIN_LINES and sys.platform != "emscripten" else {}


def search_processes(lines: int) -> dict[str, Any]:
    """The ``parallel``/``workers`` arguments of ``propose_lettering`` for a ledger of ``lines``."""
    n = workers()
    if n <= 1 or lines < MIN_LINES:
        return {}
    return {"parallel": process_map, "workers": n}
