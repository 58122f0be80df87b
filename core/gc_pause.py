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


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive now (a ledger, a proposal, an import's tables: hundreds of thousands on
    a big file) are kept out of the cyclic collector while the block runs, so that the
    collections its own allocations trigger do not rescan them again and again (and forked
    workers do not copy their pages). Objects made inside are collected as usual; everything is
    handed back to the collector on the way out. Left alone when the heap is frozen already:
    ``gc.unfreeze`` cannot tell one freeze from another, so unfreezing here would undo the
    caller's (an enclosing block, or the entry-import shell's freeze of its imports)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
