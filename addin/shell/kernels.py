"""The lettering search's numeric kernels compiled with numba, for big ledgers.

``reglo.core.lettering.kernels`` restates the numeric parts of the per-account search over numpy
arrays: the small searches (subsets of amounts, multisets of interchangeable amounts, the exact
assignment's branch and bound) and two whole steps of an account (its combination search; its
runs of invoices and instalment plans). Here they are compiled with numba and handed to
``propose_lettering(..., kernels=...)``: the proposal is the same, group for group
(``tests/core/test_lettering_kernels.py``, ``tests/addin/test_lettering_kernels_compiled.py``;
ADR 0009).

- Compiled once per machine and kept in numba's cache (beside the module, or in the user's
  cache folder when Reglo's folder is read-only): about 55 s the first time (seven kernels), then
  under a second to load, in a thread while the engine's column-wise steps run.
  ``python bootstrap.py`` compiles them right after installing, and
  ``python -m reglo.addin.shell.kernels`` does it by hand.
- Used for ledgers of ``MIN_LINES`` lines or more, where they save seconds; below, the Python
  versions are quicker than loading them.
- Without numba (xlwings Lite in the browser, a platform without its wheels), or with
  ``REGLO_COMPILATION=0``, or if compiling fails, the search runs the Python versions: same
  proposal, slower.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
from functools import lru_cache
from typing import Any

from reglo.core.lettering.kernels import ArrayKernels

MIN_LINES = 300_000  # below this, loading them (numba and the cache: about 0.75 s of CPU) costs more than they save


def enabled() -> bool:
    return os.environ.get("REGLO_COMPILATION", "").strip().lower() not in ("0", "non", "no", "false")


@lru_cache(maxsize=1)
def compiled() -> Any:
    """``ArrayKernels`` over the compiled kernels, or None (no numba, disabled, or compiling failed)."""
    if not enabled():
        return None
    try:
        import numba
        from numba import types as t
    except Exception:  # noqa: BLE001 - no numba here: the Python versions
        return None
    from reglo.core.lettering import kernels as k

    i64, vec, mat, flags = t.int64, t.int64[:], t.int64[:, :], t.boolean[:]
    signatures = {
        "subsets_kernel": t.UniTuple(i64, 2)(vec, i64, i64, i64, i64, i64, mat, vec),
        "multisets_kernel": t.UniTuple(i64, 2)(vec, i64, i64, i64, i64, mat, mat, vec),
        "best_kernel": t.Tuple((t.float64, i64, t.boolean))(t.float64[:], vec, vec, i64, t.float64, vec, i64, vec),
        "sums_kernel": t.UniTuple(i64, 5)(vec, vec, vec, vec, flags, flags, vec, i64, i64, i64, i64, t.float64, t.boolean, i64, i64, i64, i64,
                                          i64, mat, vec),
        "series_kernel": t.UniTuple(i64, 2)(vec, vec, vec, flags, flags, vec, t.float64, t.float64, i64, i64, mat, vec),
        "pairs_kernel": i64(vec, vec, vec, vec, flags, flags, vec, vec, vec, flags, i64, t.float64, t.float64, t.boolean, i64, i64, mat, mat,
                            t.float64[:]),
        "assign_kernel": i64(vec, vec, t.float64[:], flags, i64, i64, i64, t.float64, t.float64, i64, vec, t.float64[:], vec, vec),
    }
    try:
        _callable_from_compiled(k)
        funcs = {name: numba.njit(sig, cache=True, nogil=True)(getattr(k, name)) for name, sig in signatures.items()}
    except Exception:  # noqa: BLE001 - a compiler failure must not stop the lettering
        return None
    return _Compiled(funcs["subsets_kernel"], funcs["multisets_kernel"], funcs["best_kernel"], funcs["sums_kernel"], funcs["series_kernel"],
                     funcs["pairs_kernel"], funcs["assign_kernel"])


_REGISTERED: set[str] = set()


def _callable_from_compiled(k: Any) -> None:
    """The kernels ``sums_kernel`` and ``assign_kernel`` call, made callable from compiled code (once per process)."""
    from numba.extending import register_jitable

    for name in ("subsets_kernel", "multisets_kernel", "compact_kernel", "_need_index", "_by_date", "_value_lines", "best_kernel", "_root", "_shares",
                 "_stamp", "_emit_record", "_leftovers"):
        if name not in _REGISTERED:
            register_jitable(getattr(k, name))
            _REGISTERED.add(name)


class _Compiled(ArrayKernels):
    """The compiled kernels. A spawned worker that receives them pickled loads its own from
    numba's cache (``compiled()``) instead of compiling them again."""

    def __reduce__(self) -> tuple:
        return (compiled, ())


def search_kernels(lines: int) -> dict[str, Any]:
    """The ``kernels`` argument of ``propose_lettering`` for a ledger of ``lines`` (empty: none).

    When they are not loaded yet, numba's import and cache (about 0.75 s, the interpreter
    busy) load in a thread while the engine's column-wise steps run (the references: about
    1.5 s on 750,000 lines, mostly outside the interpreter, on one core); the engine takes them
    (``_Loading``) when its search starts, before any worker is forked."""
    if lines < MIN_LINES or not enabled() or not _numba_here():
        return {}
    if compiled.cache_info().currsize:
        kern = compiled()
        return {"kernels": kern} if kern is not None else {}
    return {"kernels": _Loading()}


def _numba_here() -> bool:
    """numba can be imported here (looked up, not imported)."""
    if "numba" in sys.modules:
        return sys.modules["numba"] is not None
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


class _Loading:
    """``compiled()`` in a thread; calling the object waits for it and returns the kernels."""

    def __init__(self) -> None:
        self._thread = threading.Thread(target=compiled, name="reglo-noyaux-lettrage")
        self._thread.start()

    def __call__(self) -> Any:
        self._thread.join()
        return compiled()


def search_options(lines: int) -> dict[str, Any]:
    """Every keyword ``propose_lettering`` takes for the search of a ledger of ``lines``: worker
    processes (``parallel.search_processes``), compiled kernels and threads for the column-wise
    steps (``parallel.search_threads``)."""
    from reglo.addin.shell.parallel import search_processes, search_threads

    return {**search_processes(lines), **search_kernels(lines), **search_threads(lines)}  # processes first: they count the threads


def main() -> int:
    """Compile the kernels into numba's cache (after installing Reglo)."""
    kern = compiled()
    if kern is None:
        print("Noyaux de calcul du lettrage : non compilés (numba absent ou désactivé) ; le lettrage utilise les versions Python.")
        return 0
    print("Noyaux de calcul du lettrage compilés et prêts.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
