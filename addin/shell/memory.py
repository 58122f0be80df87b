"""Process-wide memory setting of Reglo's entry points (command line, ribbon buttons).

NumPy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of
4 MiB or more. Where the kernel compacts memory to honour such a request on the spot (THP
« madvise » with ``defrag`` « madvise », the default of Debian and Ubuntu), the first touch of
each 2 MiB page may wait for compaction and for its zeroing. Reglo's big arrays are columns and
masks, made, read once and freed: small pages suit them. On the 746,620-line lettering bench
ledger, reading the FEC spent 0.6–0.8 s in the kernel with NumPy's requests and 0.2–0.4 s
without (ADR 0010).

``small_pages()`` turns NumPy's requests off for this process, unless the user set
``NUMPY_MADVISE_HUGEPAGE`` (NumPy's own switch, read when NumPy is imported), which is then
left as it is. It changes no result, only where the memory comes from; elsewhere than on Linux
NumPy makes no such request and it does nothing.
"""
from __future__ import annotations

import os


def small_pages() -> bool:
    """No transparent huge page requests from NumPy in this process; True when they were turned
    off here (False: the user's ``NUMPY_MADVISE_HUGEPAGE`` decides, or this NumPy has no such
    switch)."""
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE", "").strip():
        return False
    try:
        from numpy._core import multiarray  # NumPy ≥ 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        try:
            from numpy.core import multiarray  # type: ignore[no-redef]
        except ImportError:
            return False
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None:  # pragma: no cover - a NumPy without the switch (older than 1.20)
        return False
    switch(False)
    return True
