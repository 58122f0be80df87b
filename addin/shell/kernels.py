"""The lettering search's numeric kernels compiled with numba, for big ledgers.

``reglo.core.lettering.kernels`` restates the numeric parts of the per-account search over numpy
arrays: the small searches (subsets of amounts, multisets of interchangeable amounts, the exact
assignment's branch and bound) and two whole steps of an account (its combination search; its
runs of invoices and instalment plans). Here they are compiled with numba and handed to
``propose_lettering(..., kernels=...)``: the proposal is the same, group for group
(``tests/core/test_lettering_kernels.py``, ``tests/addin/test_lettering_kernels_compiled.py``;
ADR 0009).

- Compiled ahead of time, once per installation, into an extension module of their own
  (``numba.pycc``, about 55 s; ``python bootstrap.py`` does it right after installing, and
  ``python -m reglo.addin.shell.kernels`` by hand). Loading it takes milliseconds and does not
  import numba: a big lettering saves numba's import and first-use set-up, about 0.8 s of CPU
  (ADR 0009). Its name carries a digest of the kernels' source, so a changed kernel is never
  read from an old module. It lives beside the kernels' source (``__pycache__``), or in the
  user's cache folder when Reglo's folder is read-only.
- Where no module could be built (no C compiler: a Windows machine without Visual C++), the
  kernels are compiled just in time and kept in numba's cache (same folders): about 55 s the
  first time, then under a second to load, in a thread while the engine's column-wise steps
  run.
- Used for ledgers of ``AOT_MIN_LINES`` lines or more with the module built ahead of time (a
  third less search time from a few thousand lines), of ``MIN_LINES`` or more when they must be
  compiled just in time; below, the Python versions are quicker than loading them.
- Without numba (xlwings Lite in the browser, a platform without its wheels), or with
  ``REGLO_COMPILATION=0``, or if compiling fails, the search runs the Python versions: same
  proposal, slower.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from reglo.core.lettering.kernels import ArrayKernels

MIN_LINES = 300_000  # below this, loading them just in time (numba and its cache: about 0.75 s of CPU) costs more than they save
AOT_MIN_LINES = 5_000  # the module built ahead of time loads in a millisecond: it pays from a few thousand lines (smaller ledgers keep the Python versions)


def enabled() -> bool:
    return os.environ.get("REGLO_COMPILATION", "").strip().lower() not in ("0", "non", "no", "false")


@lru_cache(maxsize=1)
def compiled() -> Any:
    """``ArrayKernels`` over the compiled kernels: the module built ahead of time when there is
    one (``ahead_of_time``), else compiled just in time (``just_in_time``); None without either
    (no numba, disabled, or compiling failed)."""
    if not enabled():
        return None
    return ahead_of_time() or just_in_time()


def _signatures(t: Any) -> dict[str, Any]:
    """Each kernel's numba signature (``t``: ``numba.types``)."""
    i64, vec, mat, flags = t.int64, t.int64[:], t.int64[:, :], t.boolean[:]
    return {
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


_KERNELS = ("subsets_kernel", "multisets_kernel", "best_kernel", "sums_kernel", "series_kernel", "pairs_kernel", "assign_kernel")


def just_in_time() -> Any:
    """``ArrayKernels`` over the kernels compiled by ``numba.njit`` (kept in numba's cache), or None."""
    try:
        import numba
        from numba import types as t
    except Exception:  # noqa: BLE001 - no numba here: the Python versions
        return None
    from reglo.core.lettering import kernels as k

    try:
        _callable_from_compiled(k)
        funcs = {name: numba.njit(sig, cache=True, nogil=True)(getattr(k, name)) for name, sig in _signatures(t).items()}
    except Exception:  # noqa: BLE001 - a compiler failure must not stop the lettering
        return None
    return _Compiled(*(funcs[name] for name in _KERNELS))


# --- ahead of time -------------------------------------------------------------------------

AOT_PREFIX = "reglo_noyaux_"


def _module_name() -> str:
    """The module's name: a digest of the kernels' source and of their signatures (``_signatures``)."""
    from reglo.core.lettering import kernels as k

    digest = hashlib.sha256(Path(k.__file__).read_bytes())
    digest.update(inspect.getsource(_signatures).encode("utf-8"))
    return AOT_PREFIX + digest.hexdigest()[:16]


def aot_folders() -> list[Path]:
    """Where the module may live, in order: beside the kernels' source, then the user's cache."""
    from reglo.core.lettering import kernels as k

    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else os.environ.get("XDG_CACHE_HOME")
    user = Path(base) if base else Path.home() / ".cache"
    return [Path(k.__file__).parent / "__pycache__", user / "reglo"]


def _aot_paths(name: str) -> list[Path]:
    """Where the module ``name`` (``_module_name``) would be, in the order of ``aot_folders``."""
    file = name + importlib.machinery.EXTENSION_SUFFIXES[0]
    return [folder / file for folder in aot_folders()]


def ahead_of_time() -> Any:
    """``ArrayKernels`` over the module built by ``build_ahead_of_time``, or None when there is
    none for these kernels (or it cannot be loaded here: another platform, a damaged file)."""
    name = _module_name()
    for path in _aot_paths(name):
        if not path.is_file():
            continue
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
            return _Compiled(*(getattr(module, kernel) for kernel in _KERNELS))
        except Exception:  # noqa: BLE001 - unreadable here: the next folder, or just in time
            continue
    return None


def build_ahead_of_time() -> Path | None:
    """Compiles the kernels into an extension module (``numba.pycc``: numba and a C compiler at
    build time only) in the first folder of ``aot_folders`` that accepts it; returns its path,
    or None when it cannot be built here. Built in a folder of its own, then moved into place
    in one step: a concurrent build or run never sees half a module. Modules of older kernels
    are removed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
            from numba import types as t
            from numba.pycc import CC
    except Exception:  # noqa: BLE001 - no numba here
        return None
    from reglo.core.lettering import kernels as k

    name = _module_name()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    for target in _aot_paths(name):
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".reglo-noyaux-", dir=folder))
        except OSError:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _callable_from_compiled(k)
                cc = CC(name)
                cc.output_dir = str(work)
                cc.verbose = False
                for kernel, sig in _signatures(t).items():
                    cc.export(kernel, sig)(getattr(k, kernel))
                cc.compile()
            built = [p for p in work.iterdir() if p.name.startswith(name) and p.name.endswith(suffix)]
            if len(built) != 1:
                continue
            os.replace(built[0], target)
        except Exception:  # noqa: BLE001 - no compiler, a read-only folder: the next folder, or just in time
            continue
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for old in folder.glob(AOT_PREFIX + "*" + suffix):
            if old != target:
                try:
                    old.unlink()
                except OSError:  # in use (Windows): removed next time
                    pass
        return target
    return None


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
    """The ``kernels`` argument of ``propose_lettering`` for a ledger of ``lines`` (empty: none):
    from ``AOT_MIN_LINES`` lines with the module built ahead of time, from ``MIN_LINES``
    otherwise.

    When they are not loaded yet, they load in a thread while the engine's column-wise steps
    run (the references: about 1.5 s on 750,000 lines, mostly outside the interpreter); the
    engine takes them (``_Loading``) when its search starts, before any worker is forked. That
    is milliseconds for the module built ahead of time (numba need not be installed then), and
    numba's import and cache otherwise (about 0.75 s, the interpreter busy)."""
    if not enabled():
        return {}
    if lines < MIN_LINES:  # only the module built ahead of time pays here (never a just-in-time load)
        kern = ahead_of_time() if lines >= AOT_MIN_LINES else None
        return {"kernels": kern} if kern is not None else {}
    if not (_numba_here() or _aot_here()):
        return {}
    if compiled.cache_info().currsize:
        kern = compiled()
        return {"kernels": kern} if kern is not None else {}
    return {"kernels": _Loading()}


def _aot_here() -> bool:
    """A module built ahead of time for these kernels is here (looked up, not loaded)."""
    return any(path.is_file() for path in _aot_paths(_module_name()))


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
    """Compile the kernels ahead of time (after installing Reglo), else into numba's cache."""
    if enabled() and _numba_here() and ahead_of_time() is None:
        build_ahead_of_time()
    compiled.cache_clear()
    kern = compiled()
    if kern is None:
        print("Noyaux de calcul du lettrage : non compilés (numba absent ou désactivé) ; le lettrage utilise les versions Python.")
        return 0
    print("Noyaux de calcul du lettrage compilés et prêts.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
