"""The entry-import shell's GC handling (a speed measure) leaves the collector as it found it:
on after importing the module when it was on, off when the caller had paused it, and the
outputs' freeze handed back (or left alone when the heap was frozen already)."""
from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from reglo.core.gc_pause import frozen_heap as _gc_frozen  # the outputs' freeze (shared with the lettering)


@pytest.mark.parametrize("paused", [False, True])
def test_importing_the_module_restores_the_collector(paused: bool) -> None:
    code = ("import gc\n" + ("gc.disable()\n" if paused else "") +
            "import reglo.addin.shell.entry_import\n"
            "print(gc.isenabled(), gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == (["False", "False"] if paused else ["True", "True"])


def test_outputs_freeze_is_handed_back() -> None:
    gc.unfreeze()
    try:
        with _gc_frozen():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
        gc.freeze()  # someone else's freeze: left as it is
        before = gc.get_freeze_count()
        with _gc_frozen():
            pass
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
        assert gc.isenabled()
