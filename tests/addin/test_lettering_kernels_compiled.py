"""The lettering search's kernels compiled with numba (``reglo.addin.shell.kernels``), ahead of
time and just in time: the same results as the Python originals, call for call and proposal
for proposal, through the engine, the worker processes and the CLI; used only where they pay;
never needed; a module of older kernels never loaded."""
from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reglo.addin.shell import kernels, parallel
from reglo.core.fec import read_fec, write_fec
from reglo.core.lettering import LetteringOptions, apply_lettering, propose_lettering
from reglo.core.lettering import matching
from reglo.core.lettering.matching import _best, multiset_sums
from reglo.core.lettering.passes import find_subsets

from tests.addin.test_lettering_parallel import _signature
from tests.core.test_lettering_kernels import (
    account_candidates,
    account_pairs,
    account_series,
    account_sums,
    components,
    run_assign,
    run_pairs,
    run_series,
    run_sums,
    subset_calls,
)
from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

pytest.importorskip("numba")


@pytest.fixture(scope="module", params=["ahead", "jit"])
def kern(request):
    """The kernels compiled ahead of time (the module ``python -m reglo.addin.shell.kernels``
    builds; CI requires it: ``REGLO_REQUIRE_AOT=1``), then just in time."""
    if request.param == "ahead":
        k = kernels.ahead_of_time()
        if k is None and os.environ.get("REGLO_REQUIRE_AOT") != "1":
            pytest.skip("no module compiled ahead of time here (python -m reglo.addin.shell.kernels builds it)")
        assert k is not None, "the module compiled ahead of time must be there and load"
        return k
    k = kernels.just_in_time()
    assert k is not None, "numba is installed: the kernels must compile"
    return k


@pytest.fixture(scope="module")
def default_kern():
    """What the add-in uses (``kernels.compiled()``)."""
    kernels.compiled.cache_clear()
    k = kernels.compiled()
    assert k is not None, "numba is installed: the kernels must compile"
    return k


@pytest.fixture(scope="module")
def frame():
    return stripped(generate(REPORT_SEEDS[1], 120))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(subset_calls())
def test_compiled_subsets_are_find_subsets(kern, call):
    amounts, target, k, budget, min_size, limit = call
    assert kern.find_subsets(amounts, target, k, budget, min_size=min_size, limit=limit) == \
        find_subsets(amounts, target, k, budget, min_size=min_size, limit=limit)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([12_000, 30_000, 45_050, 120_000, 9_999]), min_size=0, max_size=18), st.integers(1, 6),
       st.sampled_from([0, 2, 10, 100, 1000]), st.data())
def test_compiled_multisets_are_multiset_sums(kern, values, k, budget, data):
    target = sum(data.draw(st.lists(st.sampled_from(values), min_size=1, max_size=k))) if values else 5
    assert kern.multiset_sums(values, target, k, budget, 2) == multiset_sums(values, target, k, budget, 2)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(components())
def test_compiled_branch_and_bound_is_the_original(kern, cands):
    assert _best(cands, kernels=kern) == _best(cands)


@settings(max_examples=3000 if os.environ.get("REGLO_FULL") else 200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(account_sums())
def test_compiled_combination_search_is_the_original(kern, case):
    assert run_sums(case, kern) == run_sums(case, None)


@settings(max_examples=3000 if os.environ.get("REGLO_FULL") else 200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(account_series())
def test_compiled_runs_and_instalment_plans_are_the_originals(kern, case):
    assert run_series(case, kern) == run_series(case, None)


@settings(max_examples=3000 if os.environ.get("REGLO_FULL") else 200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(account_pairs())
def test_compiled_exact_pairs_and_their_scores_are_the_originals(kern, case):
    assert run_pairs(case, kern) == run_pairs(case, None)


@settings(max_examples=3000 if os.environ.get("REGLO_FULL") else 300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(account_candidates())
def test_compiled_global_assignment_is_the_original(kern, case):
    assert run_assign(case, kern) == run_assign(case, None)


def test_the_proposal_and_the_lettered_fec_are_the_same_with_compiled_kernels(kern, frame):
    plain = propose_lettering(frame, LetteringOptions(tolerance="1.00"))
    fast = propose_lettering(frame, LetteringOptions(tolerance="1.00"), kernels=kern)
    assert len(plain.groups) > 1000
    assert _signature(fast) == _signature(plain)
    a = apply_lettering(frame, plain, run_id="1", lettered_on=date(2025, 12, 31))
    b = apply_lettering(frame, fast, run_id="1", lettered_on=date(2025, 12, 31))
    assert write_fec(a.frame) == write_fec(b.frame)


def test_the_search_with_compiled_kernels_leaves_no_cyclic_garbage(kern, frame, monkeypatch):
    """Each chunk of the search runs without the cyclic collector (``AccountSearch.run``): with
    the kernels it must make no reference cycle, or garbage would pile up until the chunk ends.
    Collector off, then one collection after each chunk: nothing to collect. The proposal is
    the same as with the collector on."""
    import gc

    plain = propose_lettering(frame, LetteringOptions(tolerance="1.00"))
    run = matching.AccountSearch.run
    found: list[int] = []

    def checked(self, chunk):
        gc.collect()
        gc.disable()  # no collection of its own between the chunk and the count below
        saved = gc.get_debug()
        try:
            res = run(self, chunk)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            found.append(len(gc.garbage))
        finally:
            gc.garbage.clear()
            gc.set_debug(saved)
            gc.enable()
        return res

    monkeypatch.setattr(matching.AccountSearch, "run", checked)
    fast = propose_lettering(frame, LetteringOptions(tolerance="1.00"), kernels=kern)
    assert found and sum(found) == 0
    assert _signature(fast) == _signature(plain)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_compiled_kernels_in_worker_processes(kern, frame, monkeypatch, method):
    monkeypatch.setenv("REGLO_PROCESSUS", "2")
    monkeypatch.setattr(parallel, "start_method", lambda: method)
    plain = propose_lettering(frame, LetteringOptions())
    both = propose_lettering(frame, LetteringOptions(), parallel=parallel.process_map, workers=2, kernels=kern)
    assert _signature(both) == _signature(plain)


def test_used_on_big_ledgers_only_and_never_required(default_kern, monkeypatch, tmp_path):
    if kernels._aot_here():  # built ahead of time: from a few thousand lines, never a just-in-time load below MIN_LINES
        assert kernels.search_kernels(kernels.AOT_MIN_LINES - 1) == {}
        small = kernels.search_kernels(kernels.AOT_MIN_LINES)["kernels"]
        assert isinstance(small, kernels._Compiled) and small.find_subsets([5, 7], 12, 2, 10) == default_kern.find_subsets([5, 7], 12, 2, 10)
        with monkeypatch.context() as m:  # no module: just in time, for big ledgers only
            m.setattr(kernels, "aot_folders", lambda: [tmp_path])
            assert kernels.search_kernels(kernels.MIN_LINES - 1) == {}
    else:
        assert kernels.search_kernels(kernels.MIN_LINES - 1) == {}
    assert kernels.search_kernels(kernels.MIN_LINES) == {"kernels": default_kern}
    monkeypatch.setenv("REGLO_COMPILATION", "0")
    kernels.compiled.cache_clear()
    try:
        assert kernels.search_kernels(10**7) == {}
        monkeypatch.delenv("REGLO_COMPILATION")
        monkeypatch.setitem(sys.modules, "numba", None)  # numba absent (xlwings Lite) and no module built: the Python versions
        monkeypatch.setattr(kernels, "aot_folders", lambda: [tmp_path])
        kernels.compiled.cache_clear()
        assert kernels.search_kernels(10**7) == {}
    finally:
        kernels.compiled.cache_clear()


def test_the_module_compiled_ahead_of_time_loads_without_numba():
    """The module built ahead of time is used without importing numba (its import and set-up
    are what it saves), even where numba is not installed."""
    if not kernels._aot_here() and os.environ.get("REGLO_REQUIRE_AOT") != "1":
        pytest.skip("no module compiled ahead of time here (python -m reglo.addin.shell.kernels builds it)")
    code = ("import sys; sys.modules['numba'] = None\n"
            "from reglo.addin.shell import kernels\n"
            "k = kernels.search_kernels(10**7)['kernels']\n"
            "k = k() if callable(k) and not hasattr(k, 'find_subsets') else k\n"
            "assert k is not None and k.find_subsets([5, 7, 12], 12, 2, 100) == ([(0, 1)], k.find_subsets([5, 7, 12], 12, 2, 100)[1])\n"
            "assert sys.modules['numba'] is None and not [m for m in sys.modules if m.startswith('numba.')]\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_changed_kernel_or_a_damaged_module_is_never_loaded(monkeypatch, tmp_path):
    """The module's name carries a digest of the kernels' source: after a change of a kernel
    the old module is not read (the kernels are compiled just in time until it is rebuilt). A
    damaged file under the right name is passed over, not raised."""
    from reglo.core.lettering import kernels as source

    name = kernels._module_name()
    assert name.startswith(kernels.AOT_PREFIX) and name == kernels._module_name()
    changed = tmp_path / "kernels.py"
    changed.write_bytes(Path(source.__file__).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(source, "__file__", str(changed))
    assert kernels._module_name() != name
    monkeypatch.undo()
    monkeypatch.setattr(kernels, "_signatures", lambda t: {})  # other signatures: another module
    assert kernels._module_name() != name
    monkeypatch.undo()
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0])).write_bytes(b"\x7fELF not a module")
    monkeypatch.setattr(kernels, "aot_folders", lambda: [folder])
    assert kernels._aot_here() and kernels.ahead_of_time() is None


@pytest.mark.skipif(not os.environ.get("REGLO_FULL"), reason="about a minute of compiling: REGLO_FULL=1")
def test_build_ahead_of_time_replaces_older_modules(monkeypatch, tmp_path, frame):
    """A build lands in the first folder that accepts it, in one step, and removes the modules of
    older kernels; the module it builds letters as the Python versions do."""
    ro = tmp_path / "ro"
    ro.write_text("a file, not a folder: refused")
    folder = tmp_path / "cache"
    folder.mkdir()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    stale = folder / (kernels.AOT_PREFIX + "0123456789abcdef" + suffix)
    stale.write_bytes(b"old")
    monkeypatch.setattr(kernels, "aot_folders", lambda: [ro, folder])
    built = kernels.build_ahead_of_time()
    assert built == folder / (kernels._module_name() + suffix) and built.is_file()
    assert not stale.exists() and not [p for p in folder.iterdir() if p.name.startswith(".reglo-noyaux-")]
    k = kernels.ahead_of_time()
    plain = propose_lettering(frame, LetteringOptions(tolerance="1.00"))
    assert _signature(propose_lettering(frame, LetteringOptions(tolerance="1.00"), kernels=k)) == _signature(plain)


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_kernels_load_while_the_column_wise_steps_run(default_kern, frame, monkeypatch, processes, tmp_path):
    """Not loaded yet, the kernels load in a thread that the search joins before it starts (and
    before it forks its workers), while the references are read in two halves by two more
    threads: the same proposal, and no thread left."""
    monkeypatch.setenv("REGLO_PROCESSUS", processes)
    monkeypatch.setattr(kernels, "MIN_LINES", 0)
    monkeypatch.setattr(parallel, "MIN_LINES", 0)
    monkeypatch.setattr(kernels, "aot_folders", lambda: [tmp_path])  # compiled just in time (the module ahead of time loads at once)
    monkeypatch.setattr(matching, "SPLIT_UNITS", 1000)  # the references read in two halves, in threads, meanwhile
    plain = propose_lettering(frame, LetteringOptions())
    kernels.compiled.cache_clear()
    try:
        options = kernels.search_options(len(frame))
        loading = options["kernels"]
        assert callable(loading) and not isinstance(loading, type(default_kern))
        assert ("parallel" in options) is (processes == "2") and options["threads"] is parallel.thread_map
        assert _signature(propose_lettering(frame, LetteringOptions(), **options)) == _signature(plain)
        assert not [t for t in threading.enumerate() if t.name.startswith("reglo-")]
        assert loading() is kernels.compiled() is not None
        assert kernels.search_kernels(len(frame)) == {"kernels": kernels.compiled()}  # loaded: given as they are
    finally:
        kernels.compiled.cache_clear()


def test_the_cli_letters_the_same_bytes_with_and_without_compiled_kernels(default_kern, frame, tmp_path, monkeypatch, capsys):
    from reglo.addin.entrypoints.cli import main

    fec = write_fec(frame, due_date_field="DateEcheance")
    out = {}
    for mode in ("0", "1"):
        folder = tmp_path / mode
        folder.mkdir()
        path = folder / "552100554FEC20251231.txt"
        path.write_bytes(fec)
        monkeypatch.setenv("REGLO_COMPILATION", mode)
        monkeypatch.setattr(kernels, "MIN_LINES", 0)  # a small ledger, searched as a big one
        kernels.compiled.cache_clear()
        assert (kernels.search_kernels(1) != {}) is (mode == "1")
        assert main(["letter", str(path), "--apply", "--lettered-on", "2025-12-31"]) == 0
        out[mode] = path.read_bytes()
        capsys.readouterr()
    kernels.compiled.cache_clear()
    assert out["0"] == out["1"] != fec
    assert read_fec(out["1"], "552100554FEC20251231.txt").frame["lettering_code"].ne("").sum() > 1000
    shutil.rmtree(tmp_path, ignore_errors=True)
