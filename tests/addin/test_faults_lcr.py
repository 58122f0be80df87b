"""Fault injection on « Continuer » (LCR): a child ``reglo debits lcr continue`` kills itself
at a step of the commit; the next start leaves the dossier in the old state or the new one
(no stray temporary file, at most one live LCR batch whose files all exist) and running it
again never remits an invoice twice. Quick set by default, every step with ``REGLO_FULL=1``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reglo.addin.shell.commit import open_register
from reglo.addin.shell.dossier import load_dossier, write_dossier
from tests.addin.test_debits_shell import strict
from tests.addin.test_lcr_shell import lcr_dossier, lcr_ledger

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
ALL = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_rename:0", "after_rename:1", "before_committed",
       "after_committed"]
STEPS = ALL if os.environ.get("REGLO_FULL") == "1" else ["after_rename:0", "before_committed"]


def _reglo(folder: Path, step: str, env: dict | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "reglo.addin.entrypoints.cli", "debits", "lcr", step, str(folder / "LCR.xlsx"), "--dossier", str(folder),
            "--now", "2023-08-10T09:30:00", "--assign"]
    return subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def _live(folder: Path):
    store = open_register(folder)
    try:
        return [b for b in store.snapshot().batches if b.kind == "lcr" and b.counts]
    finally:
        store.close()


@pytest.mark.parametrize("step", STEPS)
def test_killed_continue_leaves_old_or_new_state_and_never_remits_twice(tmp_path, step):
    folder = tmp_path / "dossier"
    write_dossier(folder, strict(lcr_dossier()), lcr_ledger())
    assert _reglo(folder, "transfer").returncode == 0
    killed = _reglo(folder, "continue", {"REGLO_FAULT_AT": step})
    assert killed.returncode != 0
    load_dossier(folder)  # the next start: recovery
    out = folder / "lcr"
    assert not [p for p in out.glob("*") if ".reglo-" in p.name] if out.exists() else True
    live = _live(folder)
    assert len(live) <= 1
    for b in live:
        assert all((folder / f.folder / f.name).exists() for f in b.files)
    again = _reglo(folder, "continue")
    live = _live(folder)
    assert len(live) == 1, again.stdout + again.stderr
    assert len(list(out.glob("LCR*.txt"))) == 1
    assert sum(l.amount_cents for l in live[0].lines) == 234570
