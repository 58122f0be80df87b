"""The lettering engine's per-account search in worker processes (``reglo.addin.shell.parallel``):
the same proposal as in one process, group for group, and no account lost when a worker dies."""
from __future__ import annotations

import os
import sys
from datetime import date

import pytest

from reglo.addin.shell import parallel
from reglo.core.fec import read_fec, write_fec
from reglo.core.lettering import LetteringOptions, apply_lettering, propose_lettering
from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only")


@pytest.fixture(scope="module")
def frame():
    return stripped(generate(REPORT_SEEDS[0], 120))


def _signature(p):
    return ([(g.rows, g.account, g.code, g.rule, g.confidence, g.ambiguous, g.partial, g.gap, g.open_amount, g.reason, g.alternatives, g.z,
              g.margin) for g in p.groups],
            [str(a) for a in p.alerts], p.work, p.budget_exceeded, p.open_lines, p.accounts)


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_processes_give_the_same_proposal_and_the_same_lettered_fec(frame, monkeypatch, workers):
    monkeypatch.setenv("REGLO_PROCESSUS", str(workers))
    serial = propose_lettering(frame, LetteringOptions(tolerance="1.00"))
    forked = propose_lettering(frame, LetteringOptions(tolerance="1.00"), parallel=parallel.process_map, workers=workers)
    assert len(serial.groups) > 1000
    assert _signature(forked) == _signature(serial)
    a = apply_lettering(frame, serial, run_id="1", lettered_on=date(2025, 12, 31))
    b = apply_lettering(frame, forked, run_id="1", lettered_on=date(2025, 12, 31))
    assert write_fec(a.frame) == write_fec(b.frame)


class _DyingJob:
    """A search job whose worker process dies on its second chunk (as if killed for memory)."""

    def __init__(self, job, parent: int, chunks: list[list[int]]):
        self.job, self.parent, self.chunks = job, parent, chunks
        self.here: list[list[int]] = []  # chunks searched in this (the parent) process

    def run(self, chunk):
        if os.getpid() != self.parent:
            if chunk == self.chunks[1]:
                os._exit(9)
        else:
            self.here.append(chunk)
        return self.job.run(chunk)


def test_a_dead_worker_loses_no_account(frame, monkeypatch):
    monkeypatch.setenv("REGLO_PROCESSUS", "2")
    seen: dict[str, list] = {}

    def dying_map(job, chunks):
        seen["chunks"] = chunks
        seen["job"] = dying = _DyingJob(job, os.getpid(), chunks)
        return parallel.process_map(dying, chunks)

    serial = propose_lettering(frame, LetteringOptions())
    survived = propose_lettering(frame, LetteringOptions(), parallel=dying_map, workers=2)
    assert len(seen["chunks"]) >= 3
    assert seen["chunks"][1] in seen["job"].here  # the dead worker's chunk was searched again here
    assert _signature(survived) == _signature(serial)


def test_how_many_processes(monkeypatch):
    monkeypatch.setenv("REGLO_PROCESSUS", "3")
    assert parallel.workers() == 3
    monkeypatch.setenv("REGLO_PROCESSUS", "1")
    assert parallel.workers() == 1 and parallel.search_processes(10_000_000) == {}
    monkeypatch.setenv("REGLO_PROCESSUS", "beaucoup")
    assert parallel.workers() == 1
    monkeypatch.setenv("REGLO_PROCESSUS", "2")
    assert parallel.search_processes(parallel.MIN_LINES - 1) == {}  # a small ledger stays in this process
    assert parallel.search_processes(parallel.MIN_LINES) == {"parallel": parallel.process_map, "workers": 2}


def test_cli_letters_with_worker_processes_as_in_one_process(tmp_path, frame, monkeypatch, capsys):
    from reglo.addin.entrypoints.cli import main

    data = write_fec(frame)
    outs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("REGLO_PROCESSUS", workers)
        monkeypatch.setattr(parallel, "MIN_LINES", 0)
        folder = tmp_path / f"p{workers}"
        folder.mkdir()
        fec = folder / "552100554FEC20251231.txt"
        fec.write_bytes(data)
        assert main(["letter", str(fec), "--apply", "--lettered-on", "2025-12-31"]) == 0
        outs[workers] = fec.read_bytes()
    capsys.readouterr()
    assert outs["1"] == outs["2"] != data
    assert read_fec(outs["2"], "x.txt").frame["lettering_code"].ne("").sum() > 1000


def test_spawned_workers_give_the_same_proposal(frame, monkeypatch):
    """Windows and macOS spawn their workers (the job is pickled to them): same proposal."""
    monkeypatch.setenv("REGLO_PROCESSUS", "2")
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    serial = propose_lettering(frame, LetteringOptions())
    spawned = propose_lettering(frame, LetteringOptions(), parallel=parallel.process_map, workers=2)
    assert _signature(spawned) == _signature(serial)


def test_elsewhere_than_linux_only_when_asked(monkeypatch):
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    monkeypatch.delenv("REGLO_PROCESSUS", raising=False)
    assert parallel.workers() == 1 and parallel.search_processes(10_000_000) == {}
    monkeypatch.setenv("REGLO_PROCESSUS", "4")
    assert parallel.workers() == 4
    monkeypatch.setattr(parallel, "start_method", lambda: "")  # the browser: no process at all
    assert parallel.workers() == 1


def test_a_process_with_other_threads_does_not_fork_unless_asked(monkeypatch):
    """A server answering the ribbon runs threads: one of them may hold a lock at the moment of
    a fork, and the child would inherit it held. Such a process searches alone, unless
    REGLO_PROCESSUS asks for workers."""
    import threading

    monkeypatch.delenv("REGLO_PROCESSUS", raising=False)
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert parallel.workers() == 2
    monkeypatch.setattr(threading, "active_count", lambda: 3)
    assert parallel.workers() == 1 and parallel.search_processes(10_000_000) == {}
    monkeypatch.setenv("REGLO_PROCESSUS", "2")
    assert parallel.workers() == 2


def test_thread_map_runs_every_item_once_in_order_even_without_threads(monkeypatch):
    import threading

    calls = []

    def fn(x):
        calls.append(x)
        return x * 10

    assert parallel.thread_map(fn, [1, 2, 3]) == [10, 20, 30] and sorted(calls) == [1, 2, 3]
    assert not [t for t in threading.enumerate() if t.name.startswith("reglo-lettrage")]
    calls.clear()
    started = []

    def no_more_threads(self):  # a browser (xlwings Lite): the second thread cannot start
        if started:
            raise RuntimeError("can't start new thread")
        started.append(self)
        original(self)

    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", no_more_threads)
    assert parallel.thread_map(fn, [4, 5, 6]) == [40, 50, 60] and sorted(calls) == [4, 5, 6]
    calls.clear()

    def fails(x):
        if x == 8:
            raise ValueError("huit")
        return fn(x)

    monkeypatch.setattr(threading.Thread, "start", original)
    with pytest.raises(ValueError, match="huit"):  # an error in a thread reaches the caller, after every item ran
        parallel.thread_map(fails, [7, 8, 9])
    assert sorted(calls) == [7, 9]
    assert parallel.thread_map(fn, []) == [] and parallel.thread_map(fn, [2]) == [20]
    monkeypatch.setattr(parallel.sys, "platform", "emscripten")
    assert parallel.search_threads(10**7) == {}
