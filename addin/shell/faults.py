"""Fault injection for the commit protocol (tests only; inert unless the variable is set).

``REGLO_FAULT_AT=<step>`` makes the process kill itself (``SIGKILL`` on POSIX, hard exit
elsewhere: no ``finally``, no ``atexit``, no flush — like a power cut) when the commit
(:mod:`reglo.addin.shell.commit`) reaches the named step:

=======================  =============================================================
``after_lock``           the dossier lock is taken, nothing read yet
``after_plan``           the pure plan returned its outcome, nothing recorded
``after_pending``        the batch is recorded *pending* (files and hashes), no file yet
``after_tmp_write[:i]``  temporary file ``i`` (0-based; without ``:i``: the first) written and fsynced
``after_rename[:i]``     file ``i`` renamed to its final name (without ``:i``: the first)
``after_ledger_replace`` the ledger (and its undo journal) replaced in place
``before_committed``     every file in place, the batch still *pending*
``after_committed``      the batch is *committed*, the lock not yet released
=======================  =============================================================

Several steps may be given, comma-separated; ``REGLO_FAULT_SKIP=n`` lets the first ``n``
matching steps pass (to kill the second run of a process that commits twice).
"""
from __future__ import annotations

import os
import signal

ENV = "REGLO_FAULT_AT"
SKIP_ENV = "REGLO_FAULT_SKIP"

STEPS = (
    "after_lock",
    "after_plan",
    "after_pending",
    "after_tmp_write",
    "after_rename",
    "after_ledger_replace",
    "before_committed",
    "after_committed",
)

_seen = 0


def _wanted(step: str, index: int | None) -> bool:
    spec = os.environ.get(ENV, "")
    if not spec:
        return False
    for item in spec.split(","):
        name, _, at = item.strip().partition(":")
        if name != step:
            continue
        if index is None or (at == "" and index == 0) or (at != "" and at.isdigit() and int(at) == index):
            return True
    return False


def fault_point(step: str, index: int | None = None) -> None:
    """Die here when ``REGLO_FAULT_AT`` names this step (and index)."""
    global _seen
    if not _wanted(step, index):
        return
    _seen += 1
    if _seen <= int(os.environ.get(SKIP_ENV, "0") or 0):
        return
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # pragma: no cover - Windows
