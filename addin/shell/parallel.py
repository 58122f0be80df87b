"""Worker processes for the lettering engine's per-account search.

The engine (``reglo.core.lettering``) starts no process: ``propose_lettering(..., parallel=...,
workers=...)`` hands its per-account search to the callable given here, as a job
(``matching.AccountSearch``) over chunks of accounts. Accounts do not depend on one another and
the chunks are merged in order, so the proposal is the same, group for group, with one process or
several (``tests/addin/test_lettering_parallel.py``).

Processes are forked (Linux only: the job, millions of Python objects on a big ledger, is then
shared with the workers instead of being copied to them). Elsewhere (Windows, macOS, xlwings Lite
in the browser) and on small ledgers the search stays in this process. ``REGLO_PROCESSUS=N``
chooses the number of processes (``1``: never fork). A worker that dies (memory, signal) does not
lose its accounts: the chunks left are searched here.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

MIN_LINES = 100_000  # below this, starting processes costs more than they save
MAX_WORKERS = 8

_JOB: Any = None


def _init(job: Any) -> None:
    global _JOB
    _JOB = job


def _run(chunk: list[int]) -> Any:
    return _JOB.run(chunk)


def workers() -> int:
    """How many processes the per-account search may use here."""
    wanted = os.environ.get("REGLO_PROCESSUS", "").strip()
    if wanted:
        try:
            return max(1, min(int(wanted), MAX_WORKERS))
        except ValueError:
            return 1
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def process_map(job: Any, chunks: list[list[int]]) -> Iterator[Any]:
    """``job.run(chunk)`` for every chunk, in forked worker processes, results in chunk order."""
    n = min(workers(), len(chunks))
    done = 0
    if n > 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            with warnings.catch_warnings():
                # Python ≥ 3.12 warns on fork when threads exist (pyarrow's pool, idle here):
                # the workers only run the pure-Python search
                warnings.simplefilter("ignore", DeprecationWarning)
                pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork"), initializer=_init, initargs=(job,))
                results = pool.map(_run, chunks)
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


def search_processes(lines: int) -> dict[str, Any]:
    """The ``parallel``/``workers`` arguments of ``propose_lettering`` for a ledger of ``lines``."""
    n = workers()
    if n <= 1 or lines < MIN_LINES:
        return {}
    return {"parallel": process_map, "workers": n}
